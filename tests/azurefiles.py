"""Build small Azure Cost Management export files (EA PascalCase columns) for tests."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pandas as pd

EA_COLUMNS = [
    "SubscriptionId", "SubscriptionName", "ResourceGroup", "ResourceLocation", "Date", "ProductName",
    "MeterCategory", "MeterSubCategory", "MeterName", "MeterRegion", "UnitOfMeasure", "Quantity",
    "CostInBillingCurrency", "ConsumedService", "ResourceId", "Tags", "AdditionalInfo", "ReservationId",
    "ChargeType", "PricingModel", "BillingAccountId", "BillingCurrencyCode", "BillingPeriodStartDate",
]
SUBSCRIPTION = "5f1c2e3d-0000-4000-8000-00000000abcd"


def row(**fields: object) -> dict[str, str]:
    """An EA usage row with defaults; AdditionalInfo given as a dict is written as JSON."""
    base = {
        "SubscriptionId": SUBSCRIPTION, "SubscriptionName": "prod", "ResourceLocation": "eastus",
        "Date": "10/05/2025", "ChargeType": "Usage", "PricingModel": "OnDemand", "BillingAccountId": "8611537",
        "BillingCurrencyCode": "USD", "BillingPeriodStartDate": "10/01/2025", "Quantity": "24",
        "CostInBillingCurrency": "1.5", "Tags": '"team": "ml"',
    }
    base.update({k: json.dumps(v) if isinstance(v, dict) else str(v) for k, v in fields.items()})
    return base


def vm(size: str, hours: float, **fields: object) -> dict[str, str]:
    return row(MeterCategory="Virtual Machines", MeterName=fields.pop("MeterName", size), UnitOfMeasure="10 Hours",
               Quantity=hours, AdditionalInfo={"UsageType": "ComputeHR", "ServiceType": size, "VCPUs": 0}, **fields)


def write_export(path: Path, rows: list[dict[str, str]]) -> Path:
    """CSV (`.csv`, `.csv.gz`) or Parquet, by the file's suffix; every value as text, as Azure writes it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        pd.DataFrame(rows, columns=EA_COLUMNS, dtype=str).to_parquet(path, index=False)
        return path
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=EA_COLUMNS)
        writer.writeheader()
        writer.writerows({c: r.get(c, "") for c in EA_COLUMNS} for r in rows)
    return path


def mixed_rows() -> list[dict[str, str]]:
    """GPU, Arm, Spot and reserved VMs, managed disk, blob storage, bandwidth, and non-usage charges."""
    return [
        vm("Standard_NC24ads_A100_v4", 48),
        vm("Standard_ND96isr_H100_v5", 24, ResourceLocation="West Europe"),
        vm("Standard_D4ps_v5", 72, ResourceLocation="US East"),
        row(MeterCategory="Virtual Machines", MeterName="D4s v3 Spot", UnitOfMeasure="1 Hour", Quantity="10",
            PricingModel="Spot"),
        vm("Standard_E4s_v3", 24, PricingModel="Reservation", ReservationId="4f18e7c9-9ae8-4251-886b-8bd942a41bdf",
           CostInBillingCurrency="0"),
        row(MeterCategory="Storage", MeterSubCategory="Premium SSD Managed Disks", MeterName="P10 LRS Disk",
            UnitOfMeasure="1/Month", Quantity="0.5"),
        row(MeterCategory="Storage", MeterSubCategory="Tiered Block Blob", MeterName="Hot LRS Data Stored",
            UnitOfMeasure="1 GB/Month", Quantity="300"),
        row(MeterCategory="Storage", MeterSubCategory="Tiered Block Blob", MeterName="Archive LRS Data Stored",
            UnitOfMeasure="10 GB/Month", Quantity="1000"),
        row(MeterCategory="Bandwidth", MeterSubCategory="Rtn Preference: MGN", MeterName="Standard Data Transfer Out",
            UnitOfMeasure="1 GB", Quantity="42", Tags='{"team": "web"}'),
        row(MeterCategory="Virtual Machines Licenses", MeterName="4 vCPU", UnitOfMeasure="1 Hour", Quantity="24"),
        row(MeterCategory="Virtual Machines", MeterName="D4s v3", ChargeType="Purchase", Quantity="1",
            CostInBillingCurrency="500"),
        row(MeterCategory="Virtual Machines", MeterName="D4s v3", ChargeType="Tax", Quantity="1",
            CostInBillingCurrency="12"),
    ]


# --- every documented cost-details schema, in Microsoft's column names and orders ----------------------
# MicrosoftDocs azure-docs articles/cost-management-billing/dataset-schema/ (cost-usage-details-ea.md,
# -mca.md, -pay-as-you-go.md, usage-details-mca-2019-10-01.md), automate/understand-usage-details-fields.md
# and migrate-ea-usage-details-api.md.

SCHEMA_COLUMNS: dict[str, list[str]] = {
    # EA 2024-08-01 (57 columns); 2020-01-01, 2021-01-01 and 2023-12-01-preview are its first 52, 53, 55.
    "ea-2024-08-01": [
        "InvoiceSectionName", "AccountName", "AccountOwnerId", "SubscriptionId", "SubscriptionName", "ResourceGroup",
        "ResourceLocation", "Date", "ProductName", "MeterCategory", "MeterSubCategory", "MeterId", "MeterName",
        "MeterRegion", "UnitOfMeasure", "Quantity", "EffectivePrice", "CostInBillingCurrency", "CostCenter",
        "ConsumedService", "ResourceId", "Tags", "OfferId", "AdditionalInfo", "ServiceInfo1", "ServiceInfo2",
        "ResourceName", "ReservationId", "ReservationName", "UnitPrice", "ProductOrderId", "ProductOrderName", "Term",
        "PublisherType", "PublisherName", "ChargeType", "Frequency", "PricingModel", "AvailabilityZone",
        "BillingAccountId", "BillingAccountName", "BillingCurrencyCode", "BillingPeriodStartDate",
        "BillingPeriodEndDate", "BillingProfileId", "BillingProfileName", "InvoiceSectionId", "IsAzureCreditEligible",
        "PartNumber", "PayGPrice", "PlanName", "ServiceFamily", "CostAllocationRuleName", "benefitId", "benefitName",
        "AccountId", "ResourceLocationNormalized",
    ],
    # EA 2021-10-01: the same fields in another order, the cost first.
    "ea-2021-10-01": [
        "CostInBillingCurrency", "AccountName", "AccountOwnerId", "ProductName", "ConsumedService",
        "InvoiceSectionName", "SubscriptionId", "SubscriptionName", "Date", "MeterId", "MeterCategory",
        "MeterSubCategory", "MeterRegion", "MeterName", "Quantity", "ResourceLocation", "ResourceId", "ServiceInfo1",
        "ServiceInfo2", "AdditionalInfo", "Tags", "CostCenter", "UnitOfMeasure", "ResourceGroup", "PartNumber",
        "OfferId", "ChargeType", "EffectivePrice", "UnitPrice", "ReservationId", "ReservationName", "ResourceName",
        "ProductOrderId", "ProductOrderName", "PlanName", "PublisherName", "PublisherType", "Term", "BillingAccountId",
        "BillingAccountName", "BillingProfileName", "BillingProfileId", "BillingCurrencyCode", "ServiceFamily",
        "Frequency", "IsAzureCreditEligible", "PayGPrice", "PricingModel", "BillingPeriodStartDate",
        "BillingPeriodEndDate", "AvailabilityZone", "InvoiceSectionId", "CostAllocationRuleName", "benefitId",
        "benefitName",
    ],
    # EA and pay-as-you-go cost details whose cost column is `Cost` ("Cost: EA, pay-as-you-go, see
    # CostInBillingCurrency"; `BillingCurrency`, `Product`, `InvoiceSection`), the Consumption API's legacy
    # usage-detail fields as the portal's usage-details download writes them. The failing export.
    "ea-cost": [
        "BillingAccountId", "BillingAccountName", "BillingPeriodStartDate", "BillingPeriodEndDate", "BillingProfileId",
        "BillingProfileName", "AccountOwnerId", "AccountName", "SubscriptionId", "SubscriptionName", "Date", "Product",
        "PartNumber", "MeterId", "ServiceFamily", "MeterCategory", "MeterSubCategory", "MeterRegion", "MeterName",
        "Quantity", "EffectivePrice", "Cost", "UnitPrice", "BillingCurrency", "ResourceLocation", "AvailabilityZone",
        "ConsumedService", "ResourceId", "ResourceName", "ServiceInfo1", "ServiceInfo2", "AdditionalInfo", "Tags",
        "InvoiceSectionId", "InvoiceSection", "CostCenter", "UnitOfMeasure", "ResourceGroup", "ReservationId",
        "ReservationName", "ProductOrderId", "ProductOrderName", "OfferId", "IsAzureCreditEligible", "Term",
        "PublisherName", "PlanName", "ChargeType", "Frequency", "PublisherType", "PayGPrice", "PricingModel",
    ],
    # EA Reporting API usage details (consumption.azure.com /v3/enrollments/{id}/usagedetails/download):
    # `SubscriptionId` is a number there, `SubscriptionGuid` the subscription; no charge type, no currency.
    "ea-reporting": [
        "AccountId", "AccountName", "AccountOwnerEmail", "AdditionalInfo", "ConsumedQuantity", "ConsumedService",
        "ConsumedServiceId", "Cost", "CostCenter", "Date", "DepartmentId", "DepartmentName", "InstanceId",
        "MeterCategory", "MeterId", "MeterName", "MeterRegion", "MeterSubCategory", "Product", "ProductId",
        "ResourceGroup", "ResourceLocation", "ResourceLocationId", "ResourceRate", "ServiceAdministratorId",
        "ServiceInfo1", "ServiceInfo2", "StoreServiceIdentifier", "SubscriptionGuid", "SubscriptionId",
        "SubscriptionName", "Tags", "UnitOfMeasure", "PartNumber", "ResourceGuid", "OfferId", "ChargesBilledSeparately",
        "Location", "ServiceName", "ServiceTier",
    ],
    # EA 2019-10-01 usage export: no charge type, no currency, no billing account.
    "ea-2019-10-01": [
        "DepartmentName", "AccountName", "AccountOwnerId", "SubscriptionGuid", "SubscriptionName", "ResourceGroup",
        "ResourceLocation", "UsageDateTime", "ProductName", "MeterCategory", "MeterSubcategory", "MeterId", "MeterName",
        "MeterRegion", "UnitOfMeasure", "UsageQuantity", "ResourceRate", "PreTaxCost", "CostCenter", "ConsumedService",
        "ResourceType", "InstanceId", "Tags", "OfferId", "AdditionalInfo", "ServiceInfo1", "ServiceInfo2",
    ],
    # Pay-as-you-go 2019-11-01.
    "payg-2019-11-01": [
        "SubscriptionGuid", "ResourceGroup", "ResourceLocation", "UsageDateTime", "MeterCategory", "MeterSubCategory",
        "MeterId", "MeterName", "MeterRegion", "UsageQuantity", "ResourceRate", "PreTaxCost", "ConsumedService",
        "ResourceType", "InstanceId", "Tags", "OfferId", "AdditionalInfo", "ServiceInfo1", "ServiceInfo2",
        "ServiceName", "ServiceTier", "Currency", "UnitOfMeasure",
    ],
    # MCA 2023-12-01-preview (65 columns; 2021-10-01 and 2021-01-01 are subsets in the same order).
    "mca-2023-12-01": [
        "invoiceId", "previousInvoiceId", "billingAccountId", "billingAccountName", "billingProfileId",
        "billingProfileName", "invoiceSectionId", "invoiceSectionName", "resellerName", "resellerMpnId", "costCenter",
        "billingPeriodEndDate", "billingPeriodStartDate", "servicePeriodEndDate", "servicePeriodStartDate", "date",
        "serviceFamily", "productOrderId", "productOrderName", "consumedService", "meterId", "meterName",
        "meterCategory", "meterSubCategory", "meterRegion", "ProductId", "ProductName", "SubscriptionId",
        "subscriptionName", "publisherType", "publisherId", "publisherName", "resourceGroupName", "ResourceId",
        "resourceLocation", "location", "effectivePrice", "quantity", "unitOfMeasure", "chargeType", "billingCurrency",
        "pricingCurrency", "costInBillingCurrency", "costInPricingCurrency", "costInUsd", "paygCostInBillingCurrency",
        "paygCostInUsd", "exchangeRatePricingToBilling", "exchangeRateDate", "isAzureCreditEligible", "serviceInfo1",
        "serviceInfo2", "additionalInfo", "tags", "PayGPrice", "frequency", "term", "reservationId", "reservationName",
        "pricingModel", "unitPrice", "costAllocationRuleName", "benefitId", "benefitName", "provider",
    ],
    # MCA 2019-10-01: PascalCase like EA, told apart by its invoice and pricing-currency columns.
    "mca-2019-10-01": [
        "InvoiceID", "PreviousInvoiceId", "BillingAccountId", "BillingAccountName", "BillingProfileId",
        "BillingProfileName", "InvoiceSectionId", "InvoiceSectionName", "ResellerName", "ResellerMPNId", "CostCenter",
        "BillingPeriodEndDate", "BillingPeriodStartDate", "ServicePeriodEndDate", "ServicePeriodStartDate", "Date",
        "ServiceFamily", "ProductOrderId", "ProductOrderName", "ConsumedService", "MeterId", "MeterName",
        "MeterCategory", "MeterSubcategory", "MeterRegion", "ProductId", "Product", "SubscriptionGuid",
        "SubscriptionName", "PublisherType", "PublisherId", "PublisherName", "ResourceGroup", "InstanceName",
        "ResourceLocation", "Location", "EffectivePrice", "Quantity", "UnitOfMeasure", "ChargeType",
        "BillingCurrencyCode", "PricingCurrencyCode", "CostInBillingCurrency", "CostInPricingCurrency", "CostInUSD",
        "PaygCostInBillingCurrency", "PaygCostInUSD", "ExchangeRate", "ExchangeRateDate", "IsAzureCreditEligible",
        "ServiceInfo1", "ServiceInfo2", "AdditionalInfo", "Tags", "MarketPrice", "Frequency", "Term", "ReservationId",
        "ReservationName", "UnitPrice",
    ],
}

# Field (as the EA 2024-08-01 schema names it) -> the other schemas' names for it, where they differ.
SPELLINGS: dict[str, tuple[str, ...]] = {
    "SubscriptionId": ("SubscriptionGuid", "subscriptionId"),
    "SubscriptionName": ("subscriptionName",),
    "Date": ("UsageDateTime", "date"),
    "MeterCategory": ("meterCategory",),
    "MeterSubCategory": ("MeterSubcategory", "meterSubCategory"),
    "MeterName": ("meterName",),
    "MeterRegion": ("meterRegion",),
    "UnitOfMeasure": ("unitOfMeasure",),
    "Quantity": ("UsageQuantity", "ConsumedQuantity", "quantity"),
    "EffectivePrice": ("ResourceRate", "effectivePrice"),
    "UnitPrice": ("unitPrice",),
    "CostInBillingCurrency": ("Cost", "PreTaxCost", "costInBillingCurrency"),
    "BillingCurrencyCode": ("BillingCurrency", "Currency", "billingCurrency"),
    "ResourceLocation": ("resourceLocation",),
    "ConsumedService": ("consumedService",),
    "ResourceId": ("InstanceId", "InstanceName"),
    "Tags": ("tags",),
    "AdditionalInfo": ("additionalInfo",),
    "ChargeType": ("chargeType",),
    "PricingModel": ("pricingModel",),
    "ReservationId": ("reservationId",),
    "BillingAccountId": ("billingAccountId",),
    "BillingPeriodStartDate": ("billingPeriodStartDate",),
    "BillingPeriodEndDate": ("billingPeriodEndDate",),
}


def in_schema(schema: str, rows: list[dict[str, str]], **extra: str) -> list[dict[str, str]]:
    """EA-named rows (`row()`, `vm()`) renamed to a schema's columns; fields the schema lacks are dropped.
    `extra` fills the schema's own columns (the EA Reporting API's numeric `SubscriptionId`)."""
    columns = set(SCHEMA_COLUMNS[schema])
    renamed = []
    for values in rows:
        out = dict(extra)
        for field, value in values.items():
            name = next((n for n in (field, *SPELLINGS.get(field, ())) if n in columns and n not in extra), None)
            if name is not None:
                out[name] = value
        renamed.append(out)
    return renamed


def write_schema(path: Path, schema: str, rows: list[dict[str, str]]) -> Path:
    """A CSV in the schema's columns and order (empty where a row has no value), as Azure writes it."""
    columns = SCHEMA_COLUMNS[schema]
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows({c: r.get(c, "") for c in columns} for r in rows)
    return path
