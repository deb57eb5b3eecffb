"""The demo's synthetic AWS carbon emissions export (Data Exports table CARBON_EMISSIONS), so that
`cloudcarbon demo` then `cloudcarbon reconcile --month 2026-10` shows the comparison on a fresh machine.

Synthetic, and labelled so in every row's model_version: AWS's own model is not public, so its figures are
invented from ours. Per account, region, product and month, the location-based figure is our total times a
factor per product (invented, chosen so that some groups fall inside our range and some outside) and a
deterministic jitter of +-10 %; the market-based figure is a twentieth of it (AWS matches most of its
electricity with renewable purchases); both in MTCO2e rounded to 0.001, as AWS reports them. One product
(AWSDataTransfer) is left out of the export and one (AmazonCloudWatch, which the demo bill does not hold) is
added, so that both one-sided parts of the comparison appear.

Run from the repository root: python -m tools.generate_cur.carbon (writes cloudcarbon/demo/demo-aws-carbon.csv).
"""

from __future__ import annotations

import csv
import hashlib
import sys
import tempfile
from pathlib import Path

from cloudcarbon.demo import DEMO_CARBON_FILE, DEMO_FILE
from cloudcarbon.footprint import footprint
from cloudcarbon.periods import ALL_TIME
from cloudcarbon.staging import ingest_staged
from cloudcarbon.store import open_store

OUT = Path(__file__).resolve().parents[2] / "cloudcarbon" / "demo" / DEMO_CARBON_FILE
PAYER = "004417226251"
MODEL_VERSION = "v3.0.0-synthetic"
# Their location-based figure over our total, per product (invented).
FACTORS = {"AmazonEC2": 0.85, "AmazonS3": 1.6, "AmazonRDS": 0.9, "AmazonSageMaker": 0.7}
DEFAULT_FACTOR = 0.8
LEFT_OUT = {"AWSDataTransfer"}
ONLY_THEIRS = ("118273645590", "us-east-1", "AmazonCloudWatch", 0.004)  # account, region, product, MTCO2e
LOCATIONS = {"us-east-1": "US East (N. Virginia)", "us-west-2": "US West (Oregon)", "eu-west-1": "EU (Ireland)",
             "global": "Global"}
COLUMNS = ["last_refresh_timestamp", "location", "model_version", "payer_account_id", "product_code", "region_code",
           "total_lbm_emissions_unit", "total_lbm_emissions_value", "total_mbm_emissions_unit",
           "total_mbm_emissions_value", "usage_account_id", "usage_period_end", "usage_period_start"]


def jitter(*key: str) -> float:
    """A factor in [0.9, 1.1], the same for the same key on every run."""
    digest = hashlib.sha256("/".join(key).encode()).digest()
    return 0.9 + 0.2 * int.from_bytes(digest[:4], "big") / 2**32


def row(month: str, account: str, region: str, product: str, tonnes: float) -> dict[str, object]:
    start = f"{month}-01 00:00:00Z"
    year, number = int(month[:4]), int(month[5:])
    end = f"{year + number // 12}-{number % 12 + 1:02d}-01 00:00:00Z"
    return {"last_refresh_timestamp": end, "location": LOCATIONS.get(region, region), "model_version": MODEL_VERSION,
            "payer_account_id": PAYER, "product_code": product, "region_code": "" if region == "global" else region,
            "total_lbm_emissions_unit": "MTCO2e", "total_lbm_emissions_value": round(tonnes, 3),
            "total_mbm_emissions_unit": "MTCO2e", "total_mbm_emissions_value": round(tonnes / 20, 3),
            "usage_account_id": account, "usage_period_end": end, "usage_period_start": start}


def main() -> int:
    from importlib.resources import as_file, files

    from cloudcarbon import connectors

    with tempfile.TemporaryDirectory() as folder, as_file(files("cloudcarbon.demo").joinpath(DEMO_FILE)) as cur:
        db = str(Path(folder) / "demo.duckdb")
        ingest_staged(db, lambda con: connectors.get("aws").ingest(con, [str(cur)]))
        with open_store(db, read_only=True) as con:
            ours = footprint(con, by="month,account,region,service", window=ALL_TIME)
    rows = [row(r["month"], r["account"], r["region"], r["service"],
                float(r["total_kgco2e"]) / 1000 * FACTORS.get(r["service"], DEFAULT_FACTOR)
                * jitter(r["month"], r["account"], r["region"], r["service"]))
            for r in ours.to_dict("records") if r["service"] not in LEFT_OUT and float(r["total_kgco2e"]) > 0]
    months = sorted({r["month"] for r in ours.to_dict("records")})
    account, region, product, tonnes = ONLY_THEIRS
    rows += [row(month, account, region, product, tonnes) for month in months]
    with OUT.open("w", newline="") as out:
        writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(sorted(rows, key=lambda r: [str(r[c]) for c in COLUMNS[::-1]]))
    print(f"wrote {OUT} ({len(rows)} rows)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
