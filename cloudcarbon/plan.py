"""A planned job: (provider, instance type, count, hours, region) checked against the coefficient library and
turned into synthetic usage rows (queries/planned_usage.sql) that the footprint query evaluates.

`estimate` and `recommend-region`'s ad hoc mode both start here, so neither imports the other.
"""

from __future__ import annotations

import math
from datetime import datetime

import duckdb
import pandas as pd

from cloudcarbon.coefficients.loader import cloud_providers
from cloudcarbon.errors import InputError, UsageError
from cloudcarbon.queries import read_query


def positive(name: str, value: float | None, *, minimum: float = 0.0, strict: bool = True) -> None:
    """Refuse `value` (an option called `name`) unless it is finite and above `minimum` (or equal, not `strict`)."""
    if value is None:
        return
    if not math.isfinite(value) or value < minimum or (strict and value == minimum):
        bound = f"greater than {minimum:g}" if strict else f"at least {minimum:g}"
        raise UsageError(f"{name} {value:g}: give a number {bound}")


def instance_or_suggest(con: duckdb.DuckDBPyConnection, provider: str, instance_type: str) -> dict:
    """The coef_instances row of `instance_type`, or a one-line error naming the three closest names."""
    rows = con.execute(
        "SELECT * FROM coef_instances WHERE provider = $p AND instance_type = $t", {"p": provider, "t": instance_type}
    ).df()
    if rows.empty:
        close = con.execute(
            "SELECT instance_type FROM coef_instances WHERE provider = $p "
            "ORDER BY jaro_winkler_similarity(instance_type, $t) DESC LIMIT 3",
            {"p": provider, "t": instance_type},
        ).fetchall()
        hint = ", ".join(r[0] for r in close)
        raise InputError(f"{provider} instance type {instance_type!r} is not in the coefficient library; "
                         f"did you mean {hint}? (`cloudcarbon unknowns` lists unmapped types in your bills)")
    return rows.iloc[0].to_dict()


def validate_plan(
    con: duckdb.DuckDBPyConnection, *, provider: str, instance_type: str, region: str, hours: float,
    count: int = 1, year: int | None = None,
) -> pd.DataFrame:
    """The planned job as one `plan` row, after checking every input against the coefficient library."""
    provider = provider.lower()
    stored = con.execute("SELECT display_name FROM coef_providers WHERE provider = $p AND cloud",
                         {"p": provider}).fetchall()
    if not stored:
        *others, last = cloud_providers()
        raise UsageError(f"--provider {provider!r}: choose {', '.join(others)} or {last}")
    positive("--hours", hours)
    positive("--count", count)
    instance_or_suggest(con, provider, instance_type)
    known = con.execute("SELECT 1 FROM coef_regions WHERE provider = $p AND region = $r",
                        {"p": provider, "r": region}).fetchall()
    if not known:
        close = con.execute(
            "SELECT region FROM coef_regions WHERE provider = $p ORDER BY jaro_winkler_similarity(region, $r) DESC "
            "LIMIT 3", {"p": provider, "r": region}).fetchall()
        raise InputError(f"{provider} region {region!r} is not in the coefficient library; did you mean "
                         f"{', '.join(r[0] for r in close)}?")
    return pd.DataFrame([{
        "x_workload": f"{count} x {instance_type} x {hours:g} h", "provider_name": stored[0][0],
        "region_id": region, "usage_year": year or datetime.now().year, "x_instance_type": instance_type,
        "instance_count": float(count), "hours": float(hours),
    }])


def plan_relation(con: duckdb.DuckDBPyConnection, plan: pd.DataFrame) -> str:
    """Register a planned-jobs frame and return the SQL for its synthetic usage (usage_input columns)."""
    con.register("plan", plan)
    return read_query("planned_usage")
