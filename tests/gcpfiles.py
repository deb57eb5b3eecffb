"""Write small GCP billing-export files (CSV flattened, JSON lines, Parquet) from rows built in code.

Rows follow the BigQuery billing export schema (research/billing-formats.md §4.2, GCE core row §4.4).
"""

from __future__ import annotations

import json
from datetime import UTC
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

GIB = 1024**3
COMPUTE = {"id": "6F81-5844-456A", "description": "Compute Engine"}


def machine_labels(spec: str, cores: int, memory_mib: int) -> list[dict]:
    return [
        {"key": "compute.googleapis.com/cores", "value": str(cores)},
        {"key": "compute.googleapis.com/machine_spec", "value": spec},
        {"key": "compute.googleapis.com/memory", "value": str(memory_mib)},
    ]


def row(**fields: object) -> dict:
    """One billing row (nested, as BigQuery holds it); defaults: one hour of n2d-standard-4 vCPUs."""
    record = {
        "billing_account_id": "01ABCD-234567-89EF01",
        "service": COMPUTE,
        "sku": {"id": "1B2C-3D4E-5F60", "description": "N2D AMD Instance Core running in Americas"},
        "usage_start_time": "2025-01-15 10:00:00 UTC",
        "usage_end_time": "2025-01-15 11:00:00 UTC",
        "project": {"id": "shop-prod", "name": "Shop Production"},
        "labels": [{"key": "team", "value": "checkout"}],
        "system_labels": machine_labels("n2d-standard-4", 4, 16384),
        "location": {"location": "us-central1", "country": "US", "region": "us-central1", "zone": "us-central1-a"},
        "cost": 0.1352,
        "currency": "USD",
        "usage": {"amount": 14400.0, "unit": "seconds", "amount_in_pricing_units": 4.0, "pricing_unit": "hour"},
        "credits": [],
        "invoice": {"month": "202501"},
        "cost_type": "regular",
        "resource": {"name": "vm-1", "global_name": "//compute.googleapis.com/projects/shop-prod/zones/"
                     "us-central1-a/instances/1234567890"},
    }
    unknown = set(fields) - set(record)
    assert not unknown, f"unknown billing fields {unknown}"
    record.update(fields)
    return record


def sku(description: str, sku_id: str = "AAAA-BBBB-CCCC") -> dict:
    return {"id": sku_id, "description": description}


def usage(amount: float, unit: str, pricing_unit: str | None = None) -> dict:
    return {"amount": amount, "unit": unit, "amount_in_pricing_units": None, "pricing_unit": pricing_unit}


def mixed_rows() -> list[dict]:
    """What the public samples lack: machine_spec labels, RAM, custom and shared-core types, GPUs, a TPU,
    disks and object storage, egress, a credit, a tax row and a multi-region location."""
    ram = "N2D AMD Instance Ram running in Americas"
    return [
        row(credits=[{"name": "Sustained Usage Discount", "amount": -0.0271, "type": "SUSTAINED_USAGE_DISCOUNT"}]),
        row(sku=sku(ram, "2C3D-4E5F-6071"), usage=usage(16 * GIB * 3600, "byte-seconds", "gibibyte hour"),
            cost=0.0581),
        row(sku=sku("N2 Instance Core running in Americas", "3D4E-5F60-7182"),
            system_labels=machine_labels("n2-standard-2", 2, 8192), usage=usage(7200, "seconds", "hour"), cost=0.063),
        row(sku=sku("Custom Instance Core running in Americas", "4E5F-6071-8293"),
            system_labels=machine_labels("custom-8-32768", 8, 32768), usage=usage(8 * 3600, "seconds", "hour"),
            cost=0.26),
        row(sku=sku("Custom Instance Ram running in Americas", "5F60-7182-93A4"),
            system_labels=machine_labels("custom-8-32768", 8, 32768), usage=usage(32 * GIB * 3600, "byte-seconds"),
            cost=0.14),
        row(sku=sku("E2 Instance Core running in Americas", "6071-8293-A4B5"),
            system_labels=machine_labels("e2-micro", 2, 1024), usage=usage(900, "seconds", "hour"), cost=0.0063),
        row(sku=sku("E2 Instance Ram running in Americas", "7182-93A4-B5C6"),
            system_labels=machine_labels("e2-micro", 2, 1024), usage=usage(1 * GIB * 3600, "byte-seconds"),
            cost=0.0021),
        row(sku=sku("Nvidia Tesla T4 GPU running in Americas", "8293-A4B5-C6D7"), system_labels=[],
            usage=usage(7200, "seconds", "hour"), cost=0.70),
        row(sku=sku("Nvidia L4 GPU running in Americas", "93A4-B5C6-D7E8"), system_labels=[],
            usage=usage(3600, "seconds", "hour"), cost=0.56),
        row(sku=sku("Nvidia Tesla A100 80GB GPU running in Americas", "A4B5-C6D7-E8F9"), system_labels=[],
            usage=usage(3600, "seconds", "hour"), cost=3.93),
        row(service={"id": "E000-3F24-B8AA", "description": "Cloud TPU"},
            sku=sku("TPU v5 Lite PodSlice chip running in Americas", "B5C6-D7E8-F90A"), system_labels=[],
            usage=usage(4 * 3600, "seconds", "hour"), cost=4.8),
        row(sku=sku("SSD backed PD Capacity", "C6D7-E8F9-0A1B"), system_labels=[],
            usage=usage(100 * GIB * 3600, "byte-seconds", "gibibyte month"), cost=0.0233),
        row(service={"id": "95FF-2EF5-5EA1", "description": "Cloud Storage"},
            sku=sku("Standard Storage US Multi-region", "D7E8-F90A-1B2C"), system_labels=[],
            location={"location": "us", "country": None, "region": None, "zone": None},
            usage=usage(500 * GIB * 3600, "byte-seconds", "gibibyte month"), cost=0.0178, resource=None),
        row(sku=sku("Network Internet Egress from Americas to EMEA", "E8F9-0A1B-2C3D"), system_labels=[],
            usage=usage(5 * GIB, "bytes", "gibibyte"), cost=0.6),
        row(sku=sku("Tax", "0000-0000-0000"), service={"id": "", "description": "Tax"}, system_labels=[],
            labels=[], usage=usage(0, "seconds"), cost=1.23, cost_type="tax", resource=None),
    ]


# --- writers -------------------------------------------------------------------------------------

def _flatten(record: dict) -> dict:
    """Dotted names; repeated fields as Python-repr lists (the flattened CSV shape of the samples)."""
    flat: dict[str, object] = {}
    for key, value in record.items():
        if isinstance(value, dict):
            for field, inner in value.items():
                flat[f"{key}.{field}"] = inner
        elif value is None and key == "resource":
            flat["resource.name"] = flat["resource.global_name"] = None
        elif isinstance(value, list):
            flat[key] = repr(value)
        else:
            flat[key] = value
    return flat


def write_csv(path: Path, rows: list[dict]) -> Path:
    import csv

    flat = [_flatten(r) for r in rows]
    columns = list(dict.fromkeys(k for r in flat for k in r))
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows({k: ("" if v is None else v) for k, v in r.items()} for r in flat)
    return path


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    # BigQuery writes INT64 as strings and FLOAT64 as numbers; our rows hold floats.
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


KV = pa.list_(pa.struct([("key", pa.string()), ("value", pa.string())]))
SCHEMA = pa.schema([
    ("billing_account_id", pa.string()),
    ("service", pa.struct([("id", pa.string()), ("description", pa.string())])),
    ("sku", pa.struct([("id", pa.string()), ("description", pa.string())])),
    ("usage_start_time", pa.timestamp("us", tz="UTC")),
    ("usage_end_time", pa.timestamp("us", tz="UTC")),
    ("project", pa.struct([("id", pa.string()), ("name", pa.string())])),
    ("labels", KV),
    ("system_labels", KV),
    ("location", pa.struct([(f, pa.string()) for f in ("location", "country", "region", "zone")])),
    ("cost", pa.float64()),
    ("currency", pa.string()),
    ("usage", pa.struct([("amount", pa.float64()), ("unit", pa.string()), ("amount_in_pricing_units", pa.float64()),
                         ("pricing_unit", pa.string())])),
    ("credits", pa.list_(pa.struct([("name", pa.string()), ("amount", pa.float64()), ("type", pa.string())]))),
    ("invoice", pa.struct([("month", pa.string())])),
    ("cost_type", pa.string()),
    ("resource", pa.struct([("name", pa.string()), ("global_name", pa.string())])),
])


def write_parquet(path: Path, rows: list[dict]) -> Path:
    from datetime import datetime

    def stamp(text: str) -> datetime:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S UTC").replace(tzinfo=UTC)

    typed = [{**r, "usage_start_time": stamp(r["usage_start_time"]), "usage_end_time": stamp(r["usage_end_time"])}
             for r in rows]
    pq.write_table(pa.Table.from_pylist(typed, schema=SCHEMA), path)
    return path
