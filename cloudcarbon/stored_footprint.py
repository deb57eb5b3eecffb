"""The `footprint` table: emissions per usage group and day, stored in the file so that `footprint`, the report
and BI tools (dbt, Superset, Grafana, a notebook) read them with plain SQL; and `footprint_monthly`, the same
figures summed per month and every key but the day and the resource, which answers most `footprint` commands from
a fifth of the rows (494,807 day rows to 104,330 for a 10M-line month).

It is filled through the one estimation query (queries/footprint_rows.sql) with the library's defaults, per
billing period, and says in `footprint_periods` which ingest and which versions each period was computed from.
A period is stale when a newer ingest replaced its usage, when the coefficient library or the method changed
(the tool version stamp includes a digest of the estimation query and of the groupings), or when something the
estimate depends on changed (`invalidate`). `refresh` recomputes stale periods only; the store does it at
ingest and when it opens a stale file. Figures asked for with other assumptions (--cpu-utilization) are
computed from usage as before, and so is any figure while the table is stale. The monthly table is summed in SQL
from the day rows just computed, in the same transaction: figures are exact decimals, so any grouping of it equals
the same grouping of the day rows to the last digit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from contextlib import suppress
from datetime import datetime, time
from functools import cache

import duckdb

from cloudcarbon import __version__
from cloudcarbon.coefficients.loader import COEFFICIENTS_VERSION
from cloudcarbon.connectors.files import single_threaded
from cloudcarbon.errors import InputError
from cloudcarbon.estimation import QUANTITIES, footprint_sql, prepare, row_params, summed_usage_sql
from cloudcarbon.groupings import GROUP_KEYS
from cloudcarbon.periods import Window
from cloudcarbon.queries import quote_identifier, read_query
from cloudcarbon.usage_store import DERIVED, LINES_PER_GROUP, PER_UNIT

# The --by keys stored as columns (`month` as well, from the day, so SQL users group by it directly).
STORED_KEYS = tuple(key for key in GROUP_KEYS if key != "month")
FIGURES = (
    "vcpu_hours", "gpu_hours", "energy_kwh", "energy_kwh_low", "energy_kwh_high",
    "operational_kgco2e", "operational_kgco2e_low", "operational_kgco2e_high",
    "embodied_kgco2e", "embodied_kgco2e_low", "embodied_kgco2e_high",
    "water_onsite_l", "water_grid_l", "water_l", "water_l_low", "water_l_high",
)
# The quantities the estimate reads that a usage line holds itself (the others are DERIVED).
_LINE_QUANTITIES = tuple(quantity for quantity in QUANTITIES if quantity not in DERIVED)
# The keys the monthly table drops: what it sums over.
DAILY_ONLY = ("day", "resource")
# The monthly table's keys: the billing period (what refresh replaces), then every stored key but DAILY_ONLY.
MONTHLY_KEYS = ("billing_period_start", "billing_account_id", "month",
                *(key for key in STORED_KEYS if key not in DAILY_ONLY), "tags", "currency")
# Every stored figure: 20 integer digits (kg, kWh, currency units; a year of the world's emissions is 4e13 kg) and
# 18 decimals, the precision the analyses sum in (queries/macros.sql, exact_sum).
DECIMAL = "DECIMAL(38, 18)"
STORED_FIGURES = (*FIGURES, "total_kgco2e", "total_kgco2e_low", "total_kgco2e_high", "scope2_kgco2e",
                  "scope3_kgco2e", "cost")
# The stored rows of the periods being recomputed (footprint_stale).
STALE_ROWS = """
    (provider, billing_account_id, billing_period_start) IN (
        SELECT (provider_name, billing_account_id, billing_period_start) FROM footprint_stale)
"""
# The usage of the periods being recomputed (footprint_stale, a TEMP table of refresh), in usage_window's shape.
STALE_USAGE = """
    SELECT *, CAST(year(charge_period_start) AS INTEGER) AS usage_year
    FROM usage SEMI JOIN footprint_stale USING (provider_name, billing_account_id, billing_period_start)
"""


# A day of one usage group whose quantities sum past what an exact decimal sum holds (1e20: 136 lines of a storage
# amount at the data rules' limit of 1e15 GB-months, 744 hours each): no bill comes near, so check the export.
SUM_OVERFLOW = ("one day of one usage group sums to 1e20 or more units of usage, more than an exact sum holds and far "
                "beyond any real bill: check the export's usage amounts; nothing was stored")


def _derived_sum(quantity: str) -> str:
    """A group's day of derived `quantity`: its consumed quantity's sum times the figure per unit, refused from 1e20
    (what the estimate's exact sums over lines would refuse)."""
    value = f"l.consumed_quantity * g.{PER_UNIT[quantity]}"
    escaped = SUM_OVERFLOW.replace("'", "''")
    return f"CASE WHEN abs({value}) >= 1e20 THEN error('{escaped}') ELSE {value} END AS {quantity}"


def _daily_stale_usage(*, every_line: bool) -> str:
    """STALE_USAGE summed per usage group, resource, tag set and day over the keys of usage_line (integers, where
    STALE_USAGE groups by text and tag maps), then given the text of its keys: each such sum is one stored row (every
    figure is linear in the quantities; a group's derived quantities are its consumed quantity's sum times their
    figures per unit). Only while no telemetry and no Kubernetes share is stored: those are matched to each line's
    hour (refresh picks). strict_sum and quantity_sum: one exact aggregate per quantity where exact_sum, with its
    float fallback, is four; a sum of 1e20 or more in one group and day stops the ingest. `every_line`: every stored
    line is of a period being recomputed (a first ingest), so none is tested."""
    of_stale_periods = "" if every_line else """
          WHERE group_key IN (SELECT group_key FROM usage_group SEMI JOIN footprint_stale
                              USING (provider_name, billing_account_id, billing_period_start))"""
    return f"""
    SELECT g.* EXCLUDE (group_key, {", ".join(PER_UNIT.values())}), r.* EXCLUDE (resource_key), t.* EXCLUDE (tags_key),
           CAST(l.day AS TIMESTAMP) AS charge_period_start, CAST(year(l.day) AS INTEGER) AS usage_year,
           {", ".join(_derived_sum(quantity) for quantity in DERIVED)},
           l.* EXCLUDE (group_key, resource_key, tags_key, day)
    FROM (SELECT group_key, resource_key, tags_key, CAST(charge_period_start AS DATE) AS day,
                 quantity_sum(consumed_quantity) AS consumed_quantity,
                 {", ".join(f"strict_sum({q}) AS {q}" for q in _LINE_QUANTITIES)}
          FROM usage_line{of_stale_periods}
          GROUP BY ALL) l
    JOIN usage_group g USING (group_key)
    JOIN usage_resource r USING (resource_key)
    JOIN usage_tags t USING (tags_key)
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
         + CAST((SELECT count(*) FROM usage_line) <> (SELECT coalesce(sum(usage_rows), 0) FROM footprint_periods)
                AS INTEGER)
"""
# The periods to recompute: each period the usage holds or an ingest logged (a period may hold rows no ingest
# logged, in an upgraded store, or none left), against what was stored for it, and leftovers of usage now gone.
STALE_PERIODS = f"""
    WITH held AS (
        SELECT provider_name, billing_account_id, billing_period_start, sum(lines) AS usage_rows
        FROM ({LINES_PER_GROUP}) JOIN usage_group USING (group_key) GROUP BY ALL
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


def _decimal(figure: str) -> str:
    """A figure as a stored decimal (a value of 1e20 or more, beyond the data rules' 1e15 per line, stops the query)."""
    return f"CAST({figure} AS {DECIMAL})"


def _build_sql(*, daily: bool = False, every_line: bool = False) -> str:
    """The footprint per usage group and day of the usage in footprint_stale (`daily`: from _daily_stale_usage, the
    same figures; `every_line`: every stored line is of a stale period, as in a first ingest, and none is filtered):
    one row per sum of usage the estimate is given, so that no aggregate over the estimate's rows is needed (two usage
    groups of one resource, such as its on-demand and its Savings Plan hours, are two rows)."""
    # Numbered aliases until the end: a key's name (provider, region) may be a column of the estimation query.
    leading = ["CAST(charge_period_start AS DATE) AS day", "billing_period_start", "billing_account_id", "tags",
               *(f"{GROUP_KEYS[key]} AS k{number}" for number, key in enumerate(STORED_KEYS))]
    keys = [f"k{number} AS {quote_identifier(key)}" for number, key in enumerate(STORED_KEYS)]
    # Stored as exact decimals: summing them again (footprint, SQL users) is exact and needs no casts per row.
    figures = [f"{_decimal(name)} AS {name}" for name in FIGURES]

    def total(bound: str) -> str:
        return f"{_decimal('operational_kgco2e' + bound)} + {_decimal('embodied_kgco2e' + bound)}"

    return f"""
        SELECT billing_period_start, billing_account_id, day, strftime(day, '%Y-%m') AS month,
               {', '.join(keys)}, tags, billing_currency AS currency,
               {', '.join(figures)},
               {total("")} AS total_kgco2e, {total("_low")} AS total_kgco2e_low,
               {total("_high")} AS total_kgco2e_high,
               -- Whose emissions, from the user's point of view (GHG Protocol): an on-premises site's electricity
               -- is scope 2; cloud services and all hardware manufacturing are scope 3.
               {_decimal("CASE WHEN provider = 'on-premises' THEN operational_kgco2e ELSE 0 END")} AS scope2_kgco2e,
               total_kgco2e - scope2_kgco2e AS scope3_kgco2e,
               {_decimal("effective_cost")} AS cost,
               $coefficients AS coefficients_version, $tool AS tool_version
        FROM ({footprint_sql(summed_usage_sql(leading, source=_daily_stale_usage(every_line=every_line) if daily
                                                                     else STALE_USAGE,
                                               summed=daily))})
    """


def _monthly_sql() -> str:
    """The monthly rows of the periods in footprint_stale, summed from their day rows in `footprint`."""
    keys = ", ".join(quote_identifier(key) for key in MONTHLY_KEYS)
    sums = ", ".join(f"CAST(sum({name}) AS {DECIMAL}) AS {name}" for name in STORED_FIGURES)
    return f"""
        SELECT {keys}, {sums}, coefficients_version, tool_version
        FROM footprint WHERE {STALE_ROWS}
        GROUP BY ALL
    """


@cache
def tool_stamp() -> str:
    """The tool version plus a digest of what computes the figures, so a changed method recomputes them."""
    method = read_query("footprint_rows") + _build_sql() + _build_sql(daily=True) + _monthly_sql()
    digest = hashlib.sha256(method.encode()).hexdigest()[:12]
    return f"{__version__}+{digest}"


def _params() -> dict[str, object]:
    return {**row_params(None), "coefficients": COEFFICIENTS_VERSION, "tool": tool_stamp()}


def stale_periods(con: duckdb.DuckDBPyConnection) -> int:
    """How many billing periods lack current stored figures (0: the tables can be read as they are); 1 when a
    table is missing (a store not yet refreshed since its upgrade)."""
    if con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name IN ('footprint', 'footprint_monthly') "
                   "AND schema_name = 'main' AND database_name = current_database()").fetchall()[0][0] < 2:
        return 1
    return con.execute(STALE_CHECK, {"coefficients": COEFFICIENTS_VERSION, "tool": tool_stamp()}).fetchall()[0][0]


def _same_columns(con: duckdb.DuckDBPyConnection, table: str, sql: str, params: dict[str, object]) -> bool:
    """Whether the stored `table` has the columns and types of `sql`'s rows (a grouping added since is a new
    column); False when it is missing."""
    stored = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $table "
        "AND table_schema = 'main' ORDER BY ordinal_position", {"table": table}).fetchall()
    wanted = [(name, kind) for name, kind, *_ in con.execute(f"DESCRIBE ({sql})", params).fetchall()]
    return stored == wanted


def _create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create both tables afresh, every period to be recomputed, when either lacks this version's columns (a store
    from before the monthly table has none)."""
    # The queries' columns are read over an empty footprint_stale.
    con.execute("CREATE OR REPLACE TEMP TABLE footprint_stale AS SELECT * FROM footprint_periods LIMIT 0")
    if (_same_columns(con, "footprint", _build_sql(), _params())
            and _same_columns(con, "footprint_monthly", _monthly_sql(), {})):
        return
    con.execute("DROP TABLE IF EXISTS footprint_monthly")
    con.execute("DROP TABLE IF EXISTS footprint")
    con.execute("DELETE FROM footprint_periods")
    con.execute(f"CREATE TABLE footprint AS SELECT * FROM ({_build_sql()}) LIMIT 0", _params())
    con.execute(f"CREATE TABLE footprint_monthly AS SELECT * FROM ({_monthly_sql()}) LIMIT 0")


def refresh(con: duckdb.DuckDBPyConnection) -> int:
    """Recompute the stale periods' rows, by day and by month (the caller holds the transaction); return how many
    periods."""
    prepare(con)
    _create_tables(con)
    params = _params()
    con.execute(f"CREATE OR REPLACE TEMP TABLE footprint_stale AS {STALE_PERIODS}",
                {"coefficients": params["coefficients"], "tool": params["tool"]})
    count = con.execute("SELECT count(*) FROM footprint_stale").fetchall()[0][0]
    if count:
        con.execute(f"DELETE FROM footprint_monthly WHERE {STALE_ROWS}")
        con.execute(f"DELETE FROM footprint WHERE {STALE_ROWS}")
        # DuckDB would otherwise hold the periods' usage rows whole to read them twice (the telemetry match of
        # queries/usage_measured.sql): spilled under the memory limit, that cost a quarter of the time.
        con.execute("SET disabled_optimizers = 'common_subplan'")
        try:
            con.execute(f"INSERT INTO footprint BY NAME "
                        f"{_build_sql(daily=_per_line_inputs(con) == 0, every_line=_every_group_stale(con))}", params)
        except (duckdb.OutOfRangeException, duckdb.InvalidInputException) as error:
            if "Overflow in SUM of DECIMAL" not in str(error) and SUM_OVERFLOW not in str(error):
                raise
            raise InputError(SUM_OVERFLOW) from None
        finally:
            # After a failed INSERT the transaction is aborted and the RESET fails too: the INSERT's error is the
            # one to report (the caller rolls back; the connection is not used again).
            with suppress(duckdb.Error):
                con.execute("RESET disabled_optimizers")
        # One thread: each of two built nearly all of the month's groups and merged them (0.72 CPU-s against 0.43 at
        # 10M lines, in the same time).
        with single_threaded(con):
            con.execute(f"INSERT INTO footprint_monthly BY NAME {_monthly_sql()}")
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


def _every_group_stale(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether every stored usage group is of a period being recomputed (a first ingest, a new coefficient version):
    then the daily sums read every line without testing each one's group (0.1 CPU-s per 10M lines)."""
    return not con.execute("SELECT count(*) FROM usage_group ANTI JOIN footprint_stale "
                           "USING (provider_name, billing_account_id, billing_period_start)").fetchall()[0][0]


def _per_line_inputs(con: duckdb.DuckDBPyConnection) -> int:
    """How many stored inputs are matched to each usage line's hour: telemetry series and Kubernetes shares."""
    return con.execute("SELECT (SELECT count(*) FROM telemetry) + (SELECT count(*) FROM k8s_shares)").fetchall()[0][0]


def invalidate(con: duckdb.DuckDBPyConnection) -> None:
    """Mark every period for recomputation: for inputs the estimate reads beside usage (telemetry, shares)."""
    con.execute("DELETE FROM footprint_periods")


def _whole(span: Window, *, months: bool) -> bool:
    """Whether both edges of `span` fall at midnight (and on a month's first day, with `months`)."""
    return all(edge is None or (isinstance(edge, datetime) and edge.time() == time(0) and (edge.day == 1 or not months))
               for edge in (span.since, span.until))


def readable(con: duckdb.DuckDBPyConnection, span: Window) -> bool:
    """Whether the stored tables answer `span`: current for every period, and the window in whole days."""
    return _whole(span, months=False) and stale_periods(con) == 0


def stored_rows_sql(span: Window, keys: Sequence[str]) -> str:
    """The stored rows of [$since, $until), as footprint.py groups them by `keys`: the monthly table's when it holds
    every key and the window is whole months (the same sums, from a fifth of the rows), else the days'."""
    if _whole(span, months=True) and all(key.startswith("tag:") or key in MONTHLY_KEYS for key in keys):
        return """
            SELECT * FROM footprint_monthly
            WHERE ($since IS NULL OR month >= strftime(CAST($since AS DATE), '%Y-%m'))
              AND ($until IS NULL OR month < strftime(CAST($until AS DATE), '%Y-%m'))
        """
    return """
        SELECT * FROM footprint
        WHERE ($since IS NULL OR day >= CAST($since AS DATE)) AND ($until IS NULL OR day < CAST($until AS DATE))
    """
