"""A planned job, a cloud instance type x count x hours in a region or accelerators alone (accelerator-hours,
anywhere the site's PUE and grid intensity are stated), checked against the coefficient library and turned
into synthetic usage rows (queries/planned_usage.sql) that the footprint query evaluates.

`estimate` and `recommend-region`'s ad hoc mode both start here, so neither imports the other.
"""

from __future__ import annotations

import math
from datetime import datetime

import duckdb
import pandas as pd

from cloudcarbon.accelerators import resolve
from cloudcarbon.coefficients.loader import cloud_providers
from cloudcarbon.errors import InputError, UsageError
from cloudcarbon.estimation import footprint_sql
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


def _check_region(con: duckdb.DuckDBPyConnection, provider: str, region: str) -> None:
    known = con.execute("SELECT 1 FROM coef_regions WHERE provider = $p AND region = $r",
                        {"p": provider, "r": region}).fetchall()
    if not known:
        close = con.execute(
            "SELECT region FROM coef_regions WHERE provider = $p ORDER BY jaro_winkler_similarity(region, $r) DESC "
            "LIMIT 3", {"p": provider, "r": region}).fetchall()
        raise InputError(f"{provider} region {region!r} is not in the coefficient library; did you mean "
                         f"{', '.join(r[0] for r in close)}?")


def validate_plan(
    con: duckdb.DuckDBPyConnection, *, provider: str, instance_type: str | None = None,
    accelerator: str | None = None, region: str | None = None, hours: float | None = None, count: float = 1,
    gpu_hours: float | None = None, year: int | None = None, site_stated: bool = False, host_stated: bool = False,
) -> pd.DataFrame:
    """The planned job as one `plan` row, after checking every input against the coefficient library.

    A cloud job is `instance_type` x `count` x `hours` in `region`; an accelerator-only job (no host unless
    stated) is `accelerator` x `gpu_hours`, or x `count` x `hours`, in `region`, or anywhere when the site's
    PUE and grid intensity are both stated (`site_stated`)."""
    provider = provider.lower()
    stored = con.execute("SELECT display_name FROM coef_providers WHERE provider = $p AND cloud",
                         {"p": provider}).fetchall()
    if not stored:
        *others, last = cloud_providers()
        raise UsageError(f"--provider {provider!r}: choose {', '.join(others)} or {last}")
    if (instance_type is None) == (accelerator is None):
        raise UsageError("give --instance-type (a cloud job) or --accelerator (accelerators alone), not both")
    positive("--count", count)
    positive("--hours", hours)
    positive("--gpu-hours", gpu_hours)
    if instance_type is not None:
        if gpu_hours is not None or hours is None or region is None:
            raise UsageError("--instance-type takes --region and --hours (and --count); --gpu-hours goes with "
                             "--accelerator")
        if host_stated:
            raise UsageError("--host-watts describes the host of an --accelerator job; an --instance-type already "
                             "models its host: drop one of them")
        instance_or_suggest(con, provider, instance_type)
        label = f"{count:g} x {instance_type} x {hours:g} h"
    else:
        accelerator = resolve(con, accelerator)
        if (gpu_hours is None) == (hours is None):
            raise UsageError("--accelerator takes --gpu-hours, or --hours with --count (accelerators), not both")
        if region is None and not site_stated:
            raise UsageError("an accelerator job needs --region (the library's PUE and grid intensity there) or "
                             "both --pue and --grid-intensity")
        gpu_hours = gpu_hours if gpu_hours is not None else count * hours
        label = f"{accelerator} x {gpu_hours:g} accelerator-hours"
    if region is not None:
        _check_region(con, provider, region)
    return pd.DataFrame([{
        "x_workload": label, "provider_name": stored[0][0] if region is not None else None,
        "region_id": region, "usage_year": year or datetime.now().year, "x_instance_type": instance_type,
        "x_accelerator": accelerator, "instance_count": float(count), "hours": hours, "gpu_hours": gpu_hours,
    }]).astype({"provider_name": "string", "region_id": "string", "x_instance_type": "string",
                "x_accelerator": "string", "hours": "float64", "gpu_hours": "float64"})


def job_footprint_sql(usage_input_sql: str) -> str:
    """footprint_rows.sql over `usage_input_sql`'s rows with a planned job's stated figures in place
    (queries/planned_job.sql; bind `Job.params()` with footprint_rows.sql's own parameters)."""
    return f"WITH fp_model AS ({footprint_sql(usage_input_sql)}) SELECT * FROM ({read_query('planned_job')})"


def plan_relation(con: duckdb.DuckDBPyConnection, plan: pd.DataFrame) -> str:
    """Register a planned-jobs frame and return the SQL for its synthetic usage (usage_input columns)."""
    con.register("plan", plan)
    return read_query("planned_usage")
