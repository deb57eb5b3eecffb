"""Write a realistic FOCUS 1.2 Parquet export (AWS "FOCUS 1.2 with AWS columns" shape) for benchmarks.

The line items come from tools/generate_cur (same instance mix, regions, accounts, commitments,
tags); this script maps each CUR 2.0 line to its FOCUS 1.2 row in DuckDB, the way AWS Data Exports does:
SkuPriceDetails carries InstanceType/CoreCount/GpuCount, x_UsageType/x_Operation/x_ServiceCode stay.

    python -m tools.generate_focus --rows 10000000 --out /tmp/ccbench/focus12.parquet   # from the repository root
    python -m tools.generate_focus --from-cur /tmp/ccbench/cur2.parquet --out /tmp/ccbench/focus12.parquet
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from tools.generate_cur import DEFAULT_INSTANCES, generate, parse_months

SERVICE_CATEGORY = """CASE line_item_product_code
    WHEN 'AmazonEC2' THEN CASE WHEN pricing_unit = 'GB-Mo' THEN 'Storage' ELSE 'Compute' END
    WHEN 'AmazonS3' THEN 'Storage' WHEN 'AmazonEFS' THEN 'Storage' WHEN 'AmazonGlacier' THEN 'Storage'
    WHEN 'AmazonRDS' THEN 'Databases' WHEN 'AmazonDynamoDB' THEN 'Databases' WHEN 'AmazonElastiCache' THEN 'Databases'
    WHEN 'AmazonSageMaker' THEN 'AI and Machine Learning' WHEN 'AWSLambda' THEN 'Compute'
    WHEN 'AmazonCloudFront' THEN 'Networking' WHEN 'AWSDataTransfer' THEN 'Networking'
    ELSE 'Other' END"""

FOCUS_SELECT = f"""
SELECT
    line_item_availability_zone AS AvailabilityZone,
    line_item_unblended_cost AS BilledCost,
    bill_payer_account_id AS BillingAccountId,
    bill_payer_account_name AS BillingAccountName,
    'Billing Account' AS BillingAccountType,
    line_item_currency_code AS BillingCurrency,
    bill_billing_period_end_date AS BillingPeriodEnd,
    bill_billing_period_start_date AS BillingPeriodStart,
    CASE
        WHEN line_item_line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage') THEN 'Usage'
        WHEN line_item_line_item_type IN ('RIFee', 'SavingsPlanRecurringFee', 'Fee') THEN 'Purchase'
        WHEN line_item_line_item_type = 'Tax' THEN 'Tax'
        WHEN line_item_line_item_type IN ('Credit', 'Refund') THEN 'Credit'
        ELSE 'Adjustment'
    END AS ChargeCategory,
    NULL::VARCHAR AS ChargeClass,
    line_item_line_item_description AS ChargeDescription,
    'Usage-Based' AS ChargeFrequency,
    line_item_usage_end_date AS ChargePeriodEnd,
    line_item_usage_start_date AS ChargePeriodStart,
    line_item_usage_amount AS ConsumedQuantity,
    CASE pricing_unit WHEN 'Hrs' THEN 'Hours' ELSE pricing_unit END AS ConsumedUnit,
    pricing_public_on_demand_cost AS ContractedCost,
    CASE line_item_line_item_type
        WHEN 'DiscountedUsage' THEN reservation_effective_cost
        WHEN 'SavingsPlanCoveredUsage' THEN savings_plan_savings_plan_effective_cost
        WHEN 'SavingsPlanNegation' THEN 0
        ELSE line_item_unblended_cost
    END AS EffectiveCost,
    bill_invoice_id AS InvoiceId,
    bill_invoicing_entity AS InvoiceIssuerName,
    pricing_public_on_demand_cost AS ListCost,
    CASE
        WHEN line_item_line_item_type IN ('DiscountedUsage', 'SavingsPlanCoveredUsage') THEN 'Committed'
        WHEN line_item_usage_type LIKE '%SpotUsage%' THEN 'Dynamic'
        ELSE 'Standard'
    END AS PricingCategory,
    line_item_usage_amount AS PricingQuantity,
    pricing_unit AS PricingUnit,
    'AWS' AS ProviderName,
    bill_billing_entity AS PublisherName,
    product_region_code AS RegionId,
    product_location AS RegionName,
    line_item_resource_id AS ResourceId,
    {SERVICE_CATEGORY} AS ServiceCategory,
    product['product_name'] AS ServiceName,
    product_sku AS SkuId,
    CASE WHEN product_instance_type IS NOT NULL THEN map_from_entries(list_filter([
        {{'key': 'InstanceType', 'value': product_instance_type}},
        {{'key': 'CoreCount', 'value': product['vcpu']}},
        {{'key': 'GpuCount', 'value': product['gpu']}}], lambda e: e.value IS NOT NULL)) END AS SkuPriceDetails,
    pricing_rate_id AS SkuPriceId,
    line_item_usage_account_id AS SubAccountId,
    line_item_usage_account_name AS SubAccountName,
    'Account' AS SubAccountType,
    resource_tags AS Tags,
    line_item_operation AS x_Operation,
    product_servicecode AS x_ServiceCode,
    line_item_usage_type AS x_UsageType
FROM read_parquet($cur)
"""


def convert(cur: Path, out: Path) -> None:
    """FOCUS 1.2 rows for every CUR 2.0 line of `cur`, streamed by DuckDB into `out` (snappy Parquet)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ccfocus-") as tmp, duckdb.connect() as con:
        con.execute(f"SET temp_directory = '{tmp}'; SET memory_limit = '1200MB'; SET preserve_insertion_order = true")
        target = str(out).replace("'", "''")
        con.execute(f"COPY ({FOCUS_SELECT}) TO '{target}' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 122880)",
                    {"cur": str(cur)})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="number of rows (when generating)")
    parser.add_argument("--out", type=Path, required=True, help="output .parquet")
    parser.add_argument("--from-cur", type=Path, help="convert this tools/generate_cur file instead of generating")
    parser.add_argument("--months", default="2025-01,2025-02")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.from_cur:
        convert(args.from_cur, args.out)
    else:
        with tempfile.TemporaryDirectory(prefix="ccfocus-cur-") as tmp:
            cur = Path(tmp) / "cur.parquet"
            generate(args.rows, cur, parse_months(args.months), args.seed, "parquet", "hourly", DEFAULT_INSTANCES)
            convert(cur, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
