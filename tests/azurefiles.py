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
