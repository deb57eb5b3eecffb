"""Historical footprint: energy, operational and embodied CO2e by any grouping, from the store."""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from cloudcarbon import stored_footprint
from cloudcarbon.estimation import (
    check_utilization,
    footprint_sql,
    measured_usage_sql,
    prepare,
    row_params,
    summed_usage_sql,
)
from cloudcarbon.groupings import DEFAULT_BY, GROUP_KEYS, parse_by
from cloudcarbon.periods import ALL_TIME, Window
from cloudcarbon.queries import define_macros, quote_identifier, read_query

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DEFAULT_BY", "GROUP_KEYS", "footprint", "parse_by", "table_columns", "trace", "trace_query"]


SUMS = (
    "vcpu_hours",
    "gpu_hours",
    "energy_kwh",
    "energy_kwh_low",
    "energy_kwh_high",
    "operational_kgco2e",
    "operational_kgco2e_low",
    "operational_kgco2e_high",
    "embodied_kgco2e",
    "embodied_kgco2e_low",
    "embodied_kgco2e_high",
    "water_onsite_l",
    "water_grid_l",
    "water_l",
    "water_l_low",
    "water_l_high",
)
# The figures of a footprint row, in the order every output shows them.
ORDERED_FIGURES = (
    *SUMS[:11], "total_kgco2e", "total_kgco2e_low", "total_kgco2e_high", "scope2_kgco2e", "scope3_kgco2e",
    *SUMS[11:], "cost", "currency",
)

# Per-row columns for --trace: the usage row, then each coefficient and where it came from.
TRACE_COLUMNS = (
    "charge_period_start", "provider_name", "sub_account_id", "region_id", "service_name", "resource_id",
    "x_usage_type", "x_usage_kind", "x_instance_type", "x_instance_hours", "x_vcpu_hours", "x_gpu_hours",
    "x_memory_gib_hours", "x_storage_gib_hours", "x_storage_media", "x_storage_class", "x_network_gb",
    "effective_cost", "x_pue", "x_server", "basis", "measured_source",
    "billing_currency", "microarchitecture", "min_w_per_vcpu", "max_w_per_vcpu", "cpu_u", "cpu_source",
    "vcpus", "memory_gib", "ref_memory_gib_per_vcpu", "memory_w_per_gib", "instance_source",
    "gpu_model", "gpu_count", "gpu_idle_w", "gpu_max_w", "gpu_u", "gpu_source",
    "storage_wh_per_tb_hour", "storage_replication", "network_kwh_per_gb",
    "pue", "pue_low", "pue_high", "pue_year", "pue_scope", "pue_source",
    "grid_gco2e_per_kwh", "grid_gco2e_per_kwh_low", "grid_gco2e_per_kwh_high", "grid_year", "grid_signal",
    "grid_source", "grid_fallback",
    "host_vcpus", "host_embodied_kgco2e", "embodied_method", "gpu_embodied_kgco2e", "lifespan_h",
    "cpu_kwh", "cpu_kwh_low", "cpu_kwh_high", "memory_kwh", "memory_kwh_high", "gpu_kwh", "gpu_kwh_low",
    "gpu_kwh_high", "storage_kwh", "network_kwh",
    "energy_kwh", "energy_kwh_low", "energy_kwh_high",
    "operational_kgco2e", "operational_kgco2e_low", "operational_kgco2e_high", "embodied_kgco2e",
    "embodied_kgco2e_low", "embodied_kgco2e_high",
    "wue_l_per_kwh", "wue_low", "wue_high", "wue_source", "grid_water_l_per_kwh", "grid_water_low",
    "grid_water_high", "grid_water_source", "water_stress", "water_stress_source", "water_onsite_l", "water_grid_l",
    "water_l", "water_l_low", "water_l_high", "x_source_file", "x_ingest_id",
)


HEADLINE = {
    "energy_kwh": "kWh",
    "operational_kgco2e": "operational kgCO2e",
    "embodied_kgco2e": "embodied kgCO2e",
    "total_kgco2e": "total kgCO2e",
    "total_kgco2e_low": "low",
    "total_kgco2e_high": "high",
    "cost": "cost",
    "currency": "",
}


# What every figure is, so that a file never mixes it silently with another method's (a provider's market-based
# figure, another tool's): FOCUS-style x_ columns on every row of CSV, JSON and Parquet output.
CARBON_METHOD = ("cloudcarbon usage-based estimate (METHODOLOGY.md), location-based annual grid intensity; "
                 "operational scope 2 on-premises, else scope 3 category 1; embodied scope 3")


def method_columns(temporal: str = "annual") -> dict[str, str]:
    """x_CarbonMethod and x_CarbonModelVersion (tool and coefficient versions), for every row of an output, so two
    methods (annual or hourly intensity) are never mixed silently."""
    from cloudcarbon import __version__
    from cloudcarbon.coefficients.loader import COEFFICIENTS_VERSION

    method = CARBON_METHOD if temporal == "annual" else CARBON_METHOD.replace(
        "annual grid intensity", "hourly grid intensity (hour-of-day x month profile, annual where none)")
    version = f"cloudcarbon {__version__}; coefficients {COEFFICIENTS_VERSION}"
    return {"x_CarbonMethod": method, "x_CarbonModelVersion": version}


def with_method_columns(frame: pd.DataFrame, temporal: str = "annual") -> pd.DataFrame:
    """`frame` with the method columns (method_columns) on every row."""
    return frame.assign(**method_columns(temporal))


def table_columns(frame: pd.DataFrame) -> dict[str, str]:
    """The columns worth a terminal's width: the grouping keys, then the headline figures."""
    figures = {"vcpu_hours", "gpu_hours", *SUMS, "total_kgco2e", "total_kgco2e_low", "total_kgco2e_high",
               "scope2_kgco2e", "scope3_kgco2e", "cost", "currency"}
    temporal = {"operational_kgco2e_annual": "op. annual", "temporal_change_pct": "hourly Δ %"}
    hidden = {*temporal, "temporal_change_kgco2e", "hourly_energy_share"}  # in every other format
    keys = {c: c for c in frame.columns if c not in figures and c not in hidden}
    return {**keys, **HEADLINE, **{c: label for c, label in temporal.items() if c in frame.columns}}





def group_expressions(keys: list[str], params: dict, *, stored: bool = False) -> list[str]:
    """`expr AS gN` per --by key, over usage rows (or the stored footprint's columns); a tag key's name goes into
    `params` as $tag_N, never into the SQL text."""
    grouped = []
    for number, key in enumerate(keys):
        if key.startswith("tag:"):
            params[f"tag_{number}"] = key[4:]
            grouped.append(f"tags[$tag_{number}] AS g{number}")
        else:
            grouped.append(f"{quote_identifier(key) if stored else GROUP_KEYS[key]} AS g{number}")
    return grouped


def footprint_query(
    con: duckdb.DuckDBPyConnection,
    *,
    by: str | list[str] | None = None,
    window: Window = ALL_TIME,
    cpu_utilization: float | None = None,
    gpu_utilization: float | None = None,
    extra: dict[str, str] | None = None,
) -> tuple[str, dict[str, object]]:
    """The query (and its parameters) of `footprint`'s rows, for callers that stream them (output.emit_query):
    the --by keys, then the figures; `extra` columns (name -> text value) last, on every row."""
    keys = parse_by(by)
    check_utilization(cpu_utilization, gpu_utilization)
    params = row_params(window, cpu_u=cpu_utilization, gpu_u=gpu_utilization)
    # The stored figures answer the library's assumptions; other assumptions are computed from usage (the
    # coefficient tables load only then).
    stored = cpu_utilization is None and gpu_utilization is None and stored_footprint.readable(con, window)
    if stored:
        define_macros(con)
    else:
        prepare(con)
    grouped = group_expressions(keys, params, stored=stored)
    group_by = f"GROUP BY {', '.join(f'g{n}' for n in range(len(keys)))}" if keys else ""
    # Months in order, then the largest emitters; the keys break ties so output is stable.
    month_first = [f"g{keys.index('month')}"] if "month" in keys else []
    order = ", ".join([*month_first, "total_kgco2e DESC NULLS LAST", *(f"g{n} NULLS LAST" for n in range(len(keys)))])
    if stored:
        rows = f"SELECT {''.join(g + ', ' for g in grouped)} * FROM ({stored_footprint.stored_rows_sql(window, keys)})"
        params = {"since": window.since, "until": window.until, **{k: v for k, v in params.items() if k[:4] == "tag_"}}
    else:
        rows = footprint_sql(summed_usage_sql(grouped))
    add = "decimal_sum" if stored else "exact_sum"  # stored figures are exact decimals already
    scope2 = "scope2_kgco2e" if stored else ("CASE WHEN provider = 'on-premises' THEN operational_kgco2e ELSE 0 END")
    currency = "currency" if stored else "billing_currency"
    columns = {
        **{key: f"g{number}" for number, key in enumerate(keys)},
        **{name: f"{add}({name})" for name in SUMS},
        # Stored totals are exact decimal sums of their parts: summed as they are, they print what plain SQL over the
        # table gives, to the digit. From usage, the total and scope 3 share one expression, so that scope 2 plus
        # scope 3 prints as the total (not one float sum off).
        **{f"total_kgco2e{end}": f"{add}(total_kgco2e{end})" if stored else
           f"{add}(operational_kgco2e{end}) + {add}(embodied_kgco2e{end})" for end in ("", "_low", "_high")},
        "scope2_kgco2e": f"{add}({scope2})",
        "scope3_kgco2e": f"{add}(scope3_kgco2e)" if stored else
        f"{add}(operational_kgco2e) + {add}(embodied_kgco2e) - {add}({scope2})",
        "cost": f"{add}({'cost' if stored else 'effective_cost'})",
        "currency": f"CASE WHEN min({currency}) <> max({currency}) THEN 'MIXED' ELSE min({currency}) END",
    }
    for number, (name, value) in enumerate((extra or {}).items()):
        columns[name] = f"$extra_{number}"
        params[f"extra_{number}"] = value
    shown = [*keys, *ORDERED_FIGURES, *(extra or {})]
    sql = f"""
        WITH fp AS ({rows})
        SELECT {', '.join(f'{columns[name]} AS {quote_identifier(name)}' for name in shown)}
        FROM fp
        {group_by}
        ORDER BY {order}
    """
    return sql, params


def has_usage(con: duckdb.DuckDBPyConnection, window: Window) -> bool:
    """Whether the store holds a usage row in `window` (one look-up, not a count)."""
    return bool(con.execute(
        "SELECT count(*) FROM (SELECT 1 FROM usage WHERE ($since IS NULL OR charge_period_start >= $since) "
        "AND ($until IS NULL OR charge_period_start < $until) LIMIT 1)",
        {"since": window.since, "until": window.until}).fetchall()[0][0])


def footprint(
    con: duckdb.DuckDBPyConnection,
    *,
    by: str | list[str] | None = None,
    window: Window = ALL_TIME,
    cpu_utilization: float | None = None,
    gpu_utilization: float | None = None,
) -> pd.DataFrame:
    """Energy and CO2e (central, low, high), hours and cost, grouped by the --by keys."""
    sql, params = footprint_query(con, by=by, window=window, cpu_utilization=cpu_utilization,
                                  gpu_utilization=gpu_utilization)
    return con.execute(sql, params).df()


def trace_query(
    con: duckdb.DuckDBPyConnection,
    *,
    window: Window = ALL_TIME,
    cpu_utilization: float | None = None,
    gpu_utilization: float | None = None,
    limit: int | None = None,
) -> tuple[str, dict[str, object]]:
    """The query (and its parameters) of one row per usage row with every coefficient applied and its source:
    millions of rows for a large month, so callers stream it (output.emit_query) rather than fetch it. Rows
    come in the store's order (by ingest): sorting millions of wide rows would hold them all."""
    check_utilization(cpu_utilization, gpu_utilization)
    prepare(con)
    params = {**row_params(window, cpu_u=cpu_utilization, gpu_u=gpu_utilization), "limit": limit}
    sql = f"""
        WITH fp AS ({footprint_sql(measured_usage_sql(read_query('usage_window')))})
        SELECT {', '.join(TRACE_COLUMNS)} FROM fp
        LIMIT coalesce($limit, 9223372036854775807)
    """
    return sql, params


def trace(
    con: duckdb.DuckDBPyConnection,
    *,
    window: Window = ALL_TIME,
    cpu_utilization: float | None = None,
    gpu_utilization: float | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """One row per usage row with every coefficient applied and its source, as a DataFrame (mind the size)."""
    sql, params = trace_query(con, window=window, cpu_utilization=cpu_utilization, gpu_utilization=gpu_utilization,
                              limit=limit)
    return con.execute(sql, params).df()
