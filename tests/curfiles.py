"""Write small CUR files, in any of the four AWS shapes, from line items built in code."""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

# CUR 2.0 name -> legacy CSV name (legacy Parquet/Athena uses the CUR 2.0 snake-case spelling).
LEGACY_NAMES = {
    "bill_payer_account_id": "bill/PayerAccountId",
    "bill_billing_period_start_date": "bill/BillingPeriodStartDate",
    "bill_billing_period_end_date": "bill/BillingPeriodEndDate",
    "line_item_usage_account_id": "lineItem/UsageAccountId",
    "line_item_line_item_type": "lineItem/LineItemType",
    "line_item_usage_start_date": "lineItem/UsageStartDate",
    "line_item_usage_end_date": "lineItem/UsageEndDate",
    "line_item_product_code": "lineItem/ProductCode",
    "line_item_usage_type": "lineItem/UsageType",
    "line_item_operation": "lineItem/Operation",
    "line_item_availability_zone": "lineItem/AvailabilityZone",
    "line_item_resource_id": "lineItem/ResourceId",
    "line_item_usage_amount": "lineItem/UsageAmount",
    "line_item_currency_code": "lineItem/CurrencyCode",
    "line_item_unblended_cost": "lineItem/UnblendedCost",
    "reservation_effective_cost": "reservation/EffectiveCost",
    "savings_plan_savings_plan_effective_cost": "savingsPlan/SavingsPlanEffectiveCost",
    "pricing_unit": "pricing/unit",
    "product_instance_type": "product/instanceType",
    "product_region_code": "product/regionCode",
    "identity_line_item_id": "identity/LineItemId",
    "identity_time_interval": "identity/TimeInterval",
}
PRODUCT_KEYS = {"vcpu": "product/vcpu"}


def item(**fields: object) -> dict:
    """One CUR line item; defaults describe an hour of on-demand m5.large in us-east-1."""
    line = {
        "payer": "012345678901",
        "account": "012345678901",
        "period": "2025-01",
        "start": "2025-01-01T00:00:00Z",
        "end": "2025-01-01T01:00:00Z",
        "line_type": "Usage",
        "product_code": "AmazonEC2",
        "usage_type": "BoxUsage:m5.large",
        "operation": "RunInstances",
        "az": "us-east-1a",
        "resource_id": "i-0000000001",
        "amount": 1.0,
        "cost": 0.096,
        "currency": "USD",
        "unit": "Hrs",
        "instance_type": "m5.large",
        "region": "us-east-1",
        "vcpu": "2",
        "tags": {},
        "ri_cost": None,
        "sp_cost": None,
        # identity/LineItemId; a file gets the identity columns when any of its lines has an id.
        "line_item_id": None,
        "time_interval": None,  # identity/TimeInterval; default "<start>/<end>"
    }
    unknown = set(fields) - set(line)
    assert not unknown, f"unknown line item fields {unknown}"
    line.update(fields)
    return line


def _period_bounds(period: str) -> tuple[str, str]:
    year, month = map(int, period.split("-"))
    nxt = f"{year + (month == 12)}-{month % 12 + 1:02d}"
    return f"{period}-01T00:00:00Z", f"{nxt}-01T00:00:00Z"


def _cur2_record(line: dict) -> dict:
    start, end = _period_bounds(line["period"])
    return {
        "bill_payer_account_id": line["payer"],
        "bill_billing_period_start_date": start,
        "bill_billing_period_end_date": end,
        "line_item_usage_account_id": line["account"],
        "line_item_line_item_type": line["line_type"],
        "line_item_usage_start_date": line["start"],
        "line_item_usage_end_date": line["end"],
        "line_item_product_code": line["product_code"],
        "line_item_usage_type": line["usage_type"],
        "line_item_operation": line["operation"],
        "line_item_availability_zone": line["az"],
        "line_item_resource_id": line["resource_id"],
        "line_item_usage_amount": line["amount"],
        "line_item_currency_code": line["currency"],
        "line_item_unblended_cost": line["cost"],
        "reservation_effective_cost": line["ri_cost"],
        "savings_plan_savings_plan_effective_cost": line["sp_cost"],
        "pricing_unit": line["unit"],
        "product_instance_type": line["instance_type"],
        "product_region_code": line["region"],
    }


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _write_text(path: Path, header: list[str], rows: list[list[str]]) -> None:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    name = path.name
    if name.endswith(".csv.gz"):
        path.write_bytes(gzip.compress(data))
    elif name.endswith(".csv.zip"):
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(name[: -len(".zip")], data)
    else:
        path.write_bytes(data)


def _tag_keys(lines: list[dict]) -> list[str]:
    return sorted({key for line in lines for key in line["tags"]})


def write_cur(path: Path, lines: list[dict], style: str = "cur2") -> Path:
    """Write `lines` as `style` (cur2 | legacy | athena); the container follows the file name
    (.parquet, .csv, .csv.gz, .csv.zip)."""
    records = [_cur2_record(line) for line in lines]
    if any(line["line_item_id"] is not None for line in lines):
        for record, line in zip(records, lines, strict=True):
            record["identity_line_item_id"] = line["line_item_id"]
            record["identity_time_interval"] = line["time_interval"] or f"{line['start']}/{line['end']}"
    columns = list(records[0])
    parquet = path.name.endswith(".parquet")
    tag_keys = _tag_keys(lines)
    if style == "cur2":
        if parquet:
            table = pa.table({c: [r[c] for r in records] for c in columns})
            map_type = pa.map_(pa.string(), pa.string())
            product = [[("vcpu", line["vcpu"]), ("region", line["region"])] for line in lines]
            tags = [[(f"user_{k}", v) for k, v in line["tags"].items()] for line in lines]
            table = table.append_column("product", pa.array(product, type=map_type))
            table = table.append_column("resource_tags", pa.array(tags, type=map_type))
            pq.write_table(table, path)
        else:
            header = [*columns, "product", "resource_tags"]
            rows = [
                [_text(r[c]) for c in columns]
                + [json.dumps({"vcpu": line["vcpu"], "region": line["region"]}),
                   json.dumps({f"user_{k}": v for k, v in line["tags"].items()})]
                for r, line in zip(records, lines, strict=True)
            ]
            _write_text(path, header, rows)
        return path
    if style == "legacy":
        header = [LEGACY_NAMES[c] for c in columns] + ["product/vcpu"] + [f"resourceTags/user:{k}" for k in tag_keys]
    elif style == "athena":
        header = [*columns, "product_vcpu"] + [f"resource_tags_user_{k}" for k in tag_keys]
    else:
        raise ValueError(style)
    rows = [
        [_text(r[c]) for c in columns] + [_text(line["vcpu"])] + [_text(line["tags"].get(k)) for k in tag_keys]
        for r, line in zip(records, lines, strict=True)
    ]
    if parquet:
        table = pa.table({name: [row[i] or None for row in rows] for i, name in enumerate(header)})
        pq.write_table(table, path)
    else:
        _write_text(path, header, rows)
    return path
