"""`cloudcarbon demo`: the bundled CUR 2.0 export of a small company and its (synthetic) AWS carbon export,
ingested and summarised."""

from __future__ import annotations

from importlib.resources import as_file, files

import pandas as pd

from cloudcarbon import connectors
from cloudcarbon.footprint import footprint
from cloudcarbon.ingest import IngestSummary
from cloudcarbon.staging import ingest_staged
from cloudcarbon.store import open_store

DEMO_FILE = "demo-cur2.parquet"
# AWS's figures for the same company, invented from ours (tools/generate_cur/carbon.py), for `reconcile`.
DEMO_CARBON_FILE = "demo-aws-carbon.csv"


def run_demo(db: str | None) -> tuple[IngestSummary, pd.DataFrame]:
    """Ingest the demo exports into the store (replacing their periods) and return the footprint."""
    with as_file(files(__name__).joinpath(DEMO_FILE)) as path:
        summary = ingest_staged(db, lambda con: connectors.get("aws").ingest(con, [str(path)]))
    with as_file(files(__name__).joinpath(DEMO_CARBON_FILE)) as path:
        ingest_staged(db, lambda con: connectors.get("aws_carbon").ingest(con, [str(path)]))
    with open_store(db, read_only=True) as con:
        return summary, footprint(con, by="month,service")
