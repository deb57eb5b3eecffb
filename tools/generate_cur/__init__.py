"""Generate a realistic AWS CUR 2.0 (Data Exports) file, built entirely in DuckDB SQL.

Usage, from the repository root (a maintainer and test tool, not shipped in the wheel):
    python -m tools.generate_cur --rows 10000000 --out /tmp/cur.parquet
    python -m tools.generate_cur --demo            # rewrites cloudcarbon/demo/demo-cur2.parquet

Layout: fleet.py (the company: regions, accounts, kinds of line item, DEMO_FLEET), sql.py (tables, series
and line items in DuckDB SQL; `generate`), __main__.py (command line).

How it works (no Python loop ever touches a line item):

* Small lookup tables (regions, accounts, operating systems, "kinds" of line item, instance types read
  from coefficients/data/instances.csv) go into an in-memory DuckDB.
* A *series* is one resource (an instance, a volume, a bucket, a tax line...) with its kind, instance
  type, region, account, tags and start period. Random mode derives series from hashes of
  (kind, series number, seed); demo mode takes them from a hand-written fleet.
* Every line item is (series, offset): series run over consecutive hours (or days), so the same
  resource id keeps its type/region/account/tags across the file, like a real fleet.
* The rows are `range(N)` split into blocks; blocks of every kind are interleaved so the file is not
  sorted by kind. Everything is hash-based, so a seed always gives the same file.
"""

from __future__ import annotations

from pathlib import Path

from tools.generate_cur.sql import generate, parse_months

REPO = Path(__file__).resolve().parents[2]
DEFAULT_INSTANCES = REPO / "coefficients" / "data" / "instances.csv"
DEMO_OUT = REPO / "cloudcarbon" / "demo" / "demo-cur2.parquet"
DEMO_MONTHS = ["2026-08", "2026-09", "2026-10"]

__all__ = ["DEFAULT_INSTANCES", "DEMO_MONTHS", "DEMO_OUT", "generate", "parse_months"]
