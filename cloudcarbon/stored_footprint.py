"""The `footprint` table: emissions per usage group and day, stored in the file so that `footprint`, the report
and BI tools (dbt, Superset, Grafana, a notebook) read them with plain SQL.

It is filled through the one estimation query (queries/footprint_rows.sql) with the library's defaults, per
billing period, and says in `footprint_periods` which ingest and which versions each period was computed from.
A period is stale when a newer ingest replaced its usage, when the coefficient library or the method changed
(the tool version stamp includes a digest of the estimation query and of the groupings), or when something the
estimate depends on changed (`invalidate`). `refresh` recomputes stale periods only; the store does it at
ingest and when it opens a stale file. Figures asked for with other assumptions (--cpu-utilization) are
computed from usage as before, and so is any figure while the table is stale.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, time
from functools import cache

import duckdb

from cloudcarbon import __version__
from cloudcarbon.coefficients.loader import COEFFICIENTS_VERSION
from cloudcarbon.estimation import footprint_sql, prepare, row_params, summed_usage_sql
from cloudcarbon.groupings import GROUP_KEYS
from cloudcarbon.periods import Window
from cloudcarbon.queries import quote_identifier, read_query

# The --by keys stored as columns (`month` as well, from the day, so SQL users group by it directly).
STORED_KEYS = tuple(key for key in GROUP_KEYS if key != "month")
FIGURES = (
    "vcpu_hours", "gpu_hours", "energy_kwh", "energy_kwh_low", "energy_kwh_high",
    "operational_kgco2e", "operational_kgco2e_low", "operational_kgco2e_high",
    "embodied_kgco2e", "embodied_kgco2e_low", "embodied_kgco2e_high",
    "water_onsite_l", "water_grid_l", "water_l", "water_l_low", "water_l_high",
)
# Every stored figure: 20 integer digits (kg, kWh, currency units; a year of the world's emissions is 4e13 kg) and
# 18 decimals, the precision the analyses sum in (queries/macros.sql, exact_sum).
DECIMAL = "DECIMAL(38, 18)"
# The usage of the periods being recomputed (footprint_stale, a TEMP table of refresh), in usage_window's shape.
STALE_USAGE = """
    SELECT *, CAST(year(charge_period_start) AS INTEGER) AS usage_year
    FROM usage SEMI JOIN footprint_stale USING (provider_name, billing_account_id, billing_period_start)
"""
# The latest ingest of each billing period (the one whose rows the period holds).
LATEST_INGESTS = """
    SELECT p.provider_name, p.billing_account_id, p.billing_period_start,
           arg_max(p.ingest_id, i.finished_at) AS ingest_id
    FROM ingest_periods p JOIN ingests i USING (ingest_id)
    GROUP BY ALL
"""
# Whether anything is out of date, from the small tables and one row count: cheap enough for every open.
STALE_CHECK = f"""
    SELECT (SELECT count(*) FROM ({LATEST_INGESTS}) l
            FULL JOIN footprint_periods f USING (provider_name, billing_account_id, billing_period_start)
            WHERE l.ingest_id IS DISTINCT FROM f.ingest_id OR f.coefficients_version IS DISTINCT FROM $coefficients
               OR f.tool_version IS DISTINCT FROM $tool)
         + CAST((SELECT count(*) FROM usage) <> (SELECT coalesce(sum(usage_rows), 0) FROM footprint_periods) AS INTEGER)
"""
# The periods to recompute: each period the usage holds or an ingest logged (a period may hold rows no ingest
# logged, in an upgraded store, or none left), against what was stored for it, and leftovers of usage now gone.
STALE_PERIODS = f"""
    WITH held AS (
        SELECT provider_name, billing_account_id, billing_period_start, count(*) AS usage_rows FROM usage GROUP BY ALL
    ),
    current AS (
        SELECT provider_name, billing_account_id, billing_period_start, l.ingest_id,
               coalesce(h.usage_rows, 0) AS usage_rows
        FROM held h FULL JOIN ({LATEST_INGESTS}) l USING (provider_name, billing_account_id, billing_period_start)
    )
    SELECT provider_name, billing_account_id, billing_period_start, c.ingest_id, c.usage_rows
    FROM current c FULL JOIN footprint_periods f USING (provider_name, billing_account_id, billing_period_start)
    WHERE c.usage_rows IS DISTINCT FROM f.usage_rows OR c.ingest_id IS DISTINCT FROM f.ingest_id
       OR f.coefficients_version IS DISTINCT FROM $coefficients OR f.tool_version IS DISTINCT FROM $tool
"""


def _build_sql() -> str:
    """The footprint per usage group and day of the usage in footprint_stale."""
    # Numbered aliases until the end: a key's name (provider, region) may be a column of the estimation query.
    leading = ["CAST(charge_period_start AS DATE) AS day", "billing_period_start", "billing_account_id", "tags",
               *(f"{GROUP_KEYS[key]} AS k{number}" for number, key in enumerate(STORED_KEYS))]
    keys = [f"k{number} AS {quote_identifier(key)}" for number, key in enumerate(STORED_KEYS)]
    # Stored as exact decimals: summing them again (footprint, SQL users) is exact and needs no casts per row.
    sums = [f"CAST(exact_sum({name}) AS {DECIMAL}) AS {name}" for name in FIGURES]
    return f"""
        SELECT billing_period_start, billing_account_id, day, strftime(day, '%Y-%m') AS month,
               {', '.join(keys)}, tags, billing_currency AS currency,
               {', '.join(sums)},
               CAST(exact_sum(operational_kgco2e) + exact_sum(embodied_kgco2e) AS {DECIMAL}) AS total_kgco2e,
               CAST(exact_sum(operational_kgco2e_low) + exact_sum(embodied_kgco2e_low) AS {DECIMAL})
                   AS total_kgco2e_low,
               CAST(exact_sum(operational_kgco2e_high) + exact_sum(embodied_kgco2e_high) AS {DECIMAL})
                   AS total_kgco2e_high,
               -- Whose emissions, from the user's point of view (GHG Protocol): an on-premises site's electricity
               -- is scope 2; cloud services and all hardware manufacturing are scope 3.
               CAST(exact_sum(CASE WHEN provider = 'on-premises' THEN operational_kgco2e ELSE 0 END) AS {DECIMAL})
                   AS scope2_kgco2e,
               total_kgco2e - scope2_kgco2e AS scope3_kgco2e,
               CAST(exact_sum(effective_cost) AS {DECIMAL}) AS cost,
               $coefficients AS coefficients_version, $tool AS tool_version
        FROM ({footprint_sql(summed_usage_sql(leading, source=STALE_USAGE))})
        GROUP BY ALL
    """


@cache
def tool_stamp() -> str:
    """The tool version plus a digest of what computes the figures, so a changed method recomputes them."""
    digest = hashlib.sha256((read_query("footprint_rows") + _build_sql()).encode()).hexdigest()[:12]
    return f"{__version__}+{digest}"


def _params() -> dict[str, object]:
    return {**row_params(None), "coefficients": COEFFICIENTS_VERSION, "tool": tool_stamp()}


def stale_periods(con: duckdb.DuckDBPyConnection) -> int:
    """How many billing periods lack current stored figures (0: the table can be read as it is); 1 when the
    table itself is missing (a store not yet refreshed since its upgrade)."""
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'footprint' AND schema_name = 'main' "
                       "AND database_name = current_database()").fetchall()[0][0]:
        return 1
    return con.execute(STALE_CHECK, {"coefficients": COEFFICIENTS_VERSION, "tool": tool_stamp()}).fetchall()[0][0]


def _same_columns(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the stored table has this version's columns and types (a grouping added since is a new column)."""
    stored = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'footprint' "
        "AND table_schema = 'main' ORDER BY ordinal_position").fetchall()
    con.execute("CREATE OR REPLACE TEMP TABLE footprint_stale AS SELECT * FROM footprint_periods LIMIT 0")
    wanted = [(name, kind) for name, kind, *_ in con.execute(f"DESCRIBE ({_build_sql()})", _params()).fetchall()]
    return stored == wanted


def refresh(con: duckdb.DuckDBPyConnection) -> int:
    """Recompute the stale periods' rows (the caller holds the transaction); return how many periods."""
    prepare(con)
    if not _same_columns(con):
        con.execute("DROP TABLE IF EXISTS footprint")
        con.execute("DELETE FROM footprint_periods")
        con.execute(f"CREATE TABLE footprint AS SELECT * FROM ({_build_sql()}) LIMIT 0", _params())
    params = _params()
    con.execute(f"CREATE OR REPLACE TEMP TABLE footprint_stale AS {STALE_PERIODS}",
                {"coefficients": params["coefficients"], "tool": params["tool"]})
    count = con.execute("SELECT count(*) FROM footprint_stale").fetchall()[0][0]
    if count:
        con.execute("""
            DELETE FROM footprint f USING footprint_stale s
            WHERE f.provider = s.provider_name AND f.billing_account_id = s.billing_account_id
              AND f.billing_period_start = s.billing_period_start
        """)
        # DuckDB would otherwise hold the periods' usage rows whole to read them twice (the telemetry match of
        # queries/usage_measured.sql): spilled under the memory limit, that cost a quarter of the time.
        con.execute("SET disabled_optimizers = 'common_subplan'")
        try:
            con.execute(f"INSERT INTO footprint BY NAME {_build_sql()}", params)
        finally:
            con.execute("RESET disabled_optimizers")
        con.execute("""
            DELETE FROM footprint_periods
            WHERE (provider_name, billing_account_id, billing_period_start) IN (
                SELECT (provider_name, billing_account_id, billing_period_start) FROM footprint_stale)
        """)
        con.execute("""
            INSERT INTO footprint_periods
            SELECT provider_name, billing_account_id, billing_period_start, ingest_id, usage_rows, $coefficients,
                   $tool, now()
            FROM footprint_stale WHERE usage_rows IS NOT NULL
        """, {"coefficients": params["coefficients"], "tool": params["tool"]})
    con.execute("DROP TABLE footprint_stale")
    return count


def invalidate(con: duckdb.DuckDBPyConnection) -> None:
    """Mark every period for recomputation: for inputs the estimate reads beside usage (telemetry, shares)."""
    con.execute("DELETE FROM footprint_periods")


def readable(con: duckdb.DuckDBPyConnection, span: Window) -> bool:
    """Whether the stored table answers `span`: current for every period, and the window in whole days."""
    whole_days = all(edge is None or (isinstance(edge, datetime) and edge.time() == time(0))
                     for edge in (span.since, span.until))
    return whole_days and stale_periods(con) == 0


def stored_rows_sql() -> str:
    """The stored rows of [$since, $until), as footprint.py groups them."""
    return """
        SELECT * FROM footprint
        WHERE ($since IS NULL OR day >= CAST($since AS DATE)) AND ($until IS NULL OR day < CAST($until AS DATE))
    """
