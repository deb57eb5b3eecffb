"""The estimation query (queries/footprint_rows.sql) as every analysis calls it, and the connection it runs on.

`prepare(con)` registers what the query reads (coefficient tables, the user's refreshed prices, the macros)
once per connection; `footprint_sql` wraps it around a caller's usage rows; `row_params` gives its
parameters with the library's defaults; `summed_usage_sql` sums the store's usage by the columns that pick
coefficients, which gives the same figures as row by row because every figure is linear in the quantities.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from types import MappingProxyType

import duckdb

from cloudcarbon import prices
from cloudcarbon.coefficients import loader
from cloudcarbon.errors import UsageError
from cloudcarbon.periods import Window
from cloudcarbon.queries import define_macros, read_query

# footprint_rows.sql's parameters; None = the coefficient library's value (see the query's header).
ROW_PARAMS = MappingProxyType(
    {"cpu_u": None, "gpu_u": None, "pue_override": None, "grid_override": None, "override_region": None})

# Columns that pick coefficients (grid, PUE, CPU, GPU, storage) and the usage quantities summed within them.
COEFFICIENT_KEYS = (
    "provider_name", "region_id", "usage_year", "service_name", "x_usage_kind", "x_instance_type",
    "x_storage_media", "x_storage_class", "billing_currency", "x_pue", "x_server", "x_measured",
)
QUANTITIES = (
    "x_instance_hours", "x_vcpu_hours", "x_gpu_hours", "x_memory_gib_hours", "x_storage_gib_hours",
    "x_network_gb", "effective_cost",
)

# Connections already prepared: their TEMP tables and macros live as long as the connection (a cursor is
# another connection, with its own).
_prepared: weakref.WeakSet[duckdb.DuckDBPyConnection] = weakref.WeakSet()


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Register the coefficient tables, the user's refreshed prices and the macros on `con`, once."""
    if con in _prepared:
        return
    loader.register(con)
    prices.register(con)
    define_macros(con)
    _prepared.add(con)


def check_utilization(cpu_utilization: float | None, gpu_utilization: float | None) -> None:
    for name, value in (("--cpu-utilization", cpu_utilization), ("--gpu-utilization", gpu_utilization)):
        if value is not None and not 0 <= value <= 1:
            raise UsageError(f"{name} {value:g}: give a fraction between 0 and 1, e.g. 0.5")


def row_params(window: Window | None = None, **overrides: object) -> dict[str, object]:
    """ROW_PARAMS with `overrides`, plus usage_window.sql's $since/$until when the rows come from the store."""
    unknown = set(overrides) - set(ROW_PARAMS)
    if unknown:
        raise TypeError(f"not a footprint_rows.sql parameter: {', '.join(sorted(unknown))}")
    span = {"since": window.since, "until": window.until} if window is not None else {}
    return {**span, **ROW_PARAMS, **overrides}


def footprint_sql(usage_input_sql: str) -> str:
    """A query of footprint_rows.sql over the rows of `usage_input_sql` (usage_input columns, see the query)."""
    return f"WITH usage_input AS ({usage_input_sql}) SELECT * FROM ({read_query('footprint_rows')})"


def measured_usage_sql(source: str) -> str:
    """The rows of `source` (usage_window.sql's shape) with x_measured, the telemetry that describes each
    (queries/usage_measured.sql), joined row by row before any sum."""
    return f"WITH usage_rows AS NOT MATERIALIZED ({source}) SELECT * FROM ({read_query('usage_measured')})"


def allocated_usage_sql(source: str) -> str:
    """The rows of `source` with each node usage row that Kubernetes allocations share (k8s_shares, filled by
    `ingest opencost`) split into one row per pod and one for the unallocated rest: quantities and cost times the
    share, the pod's labels added to the tags. A node's shares add up to 1, so every total is unchanged."""
    scaled = ", ".join(f"u.{q} * coalesce(s.share, 1) AS {q}" for q in QUANTITIES)
    return f"""
        WITH shared_rows AS NOT MATERIALIZED ({source})
        SELECT u.* REPLACE ({scaled}, CASE WHEN s.share IS NULL THEN u.tags ELSE map_concat(u.tags, s.tags) END AS tags)
        FROM shared_rows u
        LEFT JOIN k8s_shares s ON s.resource_id = u.resource_id AND s.charge_period_start = u.charge_period_start
    """


def summed_usage_sql(leading: Sequence[str] = (), source: str | None = None, *, summed: bool = False) -> str:
    """The store's usage in [$since, $until) (or the rows of `source`, in usage_window.sql's shape) summed by the
    `leading` expressions (each `expr AS name`) and the columns that pick coefficients: millions of rows to
    thousands before any coefficient is applied. Nodes that pods share are split first (allocated_usage_sql).
    `summed`: the rows of `source` are sums already, taken as they are (the caller sums the figures), of a store
    without telemetry and Kubernetes shares (nothing to match to a line's hour, and so nothing to join)."""
    quantities = QUANTITIES if summed else (f"exact_sum({q}) AS {q}" for q in QUANTITIES)
    source = source or read_query("usage_window")
    rows = (f"SELECT *, NULL AS x_measured FROM ({source})" if summed
            else allocated_usage_sql(measured_usage_sql(source)))
    return f"SELECT {', '.join([*leading, *COEFFICIENT_KEYS, *quantities])} FROM ({rows})" + (
        "" if summed else " GROUP BY ALL")
