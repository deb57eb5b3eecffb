"""Usage that could not be mapped to coefficients: counted and reported, never dropped."""

from __future__ import annotations

import duckdb
import pandas as pd

from cloudcarbon.estimation import prepare
from cloudcarbon.periods import ALL_TIME, Window
from cloudcarbon.queries import read_query


def unknowns(con: duckdb.DuckDBPyConnection, *, window: Window = ALL_TIME) -> pd.DataFrame:
    """One row per (reason, provider, service, usage type, instance type, region) with rows, hours, cost."""
    prepare(con)
    frame = con.execute(read_query("unknowns"), {"since": window.since, "until": window.until}).df()
    return frame.drop(columns="priority")


TABLE_COLUMNS = {c: c for c in ("reason", "service", "usage_type", "instance_type", "region", "rows", "hours",
                                 "cost", "cost_share", "currency")}
