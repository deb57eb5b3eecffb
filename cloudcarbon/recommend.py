"""`recommend-region`: where each workload should run, by location-based CO2e and cost, under hard constraints.

The Map lever of Patterson et al. (2022): a workload's usage rows re-placed in every candidate region
(queries/recommend_moves.sql) go through the footprint query itself (queries/footprint_rows.sql), so a
candidate's figures are exactly what `footprint` would report had the usage run there. Judging, Pareto
front and ranking happen in queries/recommend_rank.sql.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import duckdb

from cloudcarbon import prices
from cloudcarbon.errors import UsageError, shown
from cloudcarbon.estimation import check_utilization, footprint_sql, prepare, row_params, summed_usage_sql
from cloudcarbon.footprint import GROUP_KEYS
from cloudcarbon.job import NO_JOB, Job
from cloudcarbon.periods import ALL_TIME, Window
from cloudcarbon.queries import named_params, read_query

if TYPE_CHECKING:  # pandas loads for the frames only, never for output streamed from DuckDB (ranked)
    import pandas as pd

# Stable output columns (JSON field names), in order.
COLUMNS = (
    "workload", "current", "rank", "pareto", "provider", "region", "country", "continent", "instance_type",
    "available", "availability_note", "kgco2e", "kgco2e_low", "kgco2e_high", "kgco2e_saved", "pct_saved",
    "energy_kwh", "energy_kwh_low", "energy_kwh_high", "operational_kgco2e", "operational_kgco2e_low",
    "operational_kgco2e_high", "embodied_kgco2e", "embodied_kgco2e_low", "embodied_kgco2e_high",
    "total_kgco2e", "total_kgco2e_low", "total_kgco2e_high", "water_onsite_l", "water_grid_l", "water_l",
    "water_l_low", "water_l_high", "water_l_saved", "water_stress", "cost", "cost_delta", "cost_delta_pct", "currency",
    "migration_gb", "migration_cost", "payback_months", "migration_note", "cost_note", "price_date", "price_basis",
    "intensity_gco2e_per_kwh", "intensity_year", "intensity_signal",
    "intensity_source", "cfe_pct", "cfe_year", "pue", "pue_source", "distance_km", "score", "vcpu_hours", "gpu_hours",
    "excluded_reason",
)
TABLE_COLUMNS = {
    "workload": "workload", "rank": "#", "pareto": "pareto", "region": "region", "available": "offered",
    "kgco2e": "kgCO2e", "kgco2e_low": "low", "kgco2e_high": "high", "pct_saved": "% saved",
    "water_l": "water L", "cost": "cost", "cost_delta": "Δ cost", "intensity_gco2e_per_kwh": "g/kWh",
    "intensity_year": "year",
    "pue": "PUE", "cfe_pct": "CFE %", "distance_km": "km",
}


PRICE_BASES = ("list", "effective")
RANK_BY = ("carbon", "water")
# Hours in a month as the providers bill a GB-month (AWS, Azure and Google Cloud all use 730).
HOURS_PER_MONTH = 730.0


@dataclass(frozen=True)
class Constraints:
    """Hard constraints, applied before ranking, and the ranking rule."""

    allow: tuple[str, ...] = ()
    max_cost_increase: float | None = None
    max_distance_km: float | None = None
    carbon_price: float | None = None
    cross_cloud: bool = False
    # How a move's price difference is costed: at list prices, or scaled by the discount the bill shows.
    price_basis: str = "list"
    # What ranks the candidates: CO2e (or cost + carbon price), or the water consumed.
    rank_by: str = "carbon"

    def __post_init__(self) -> None:
        if self.rank_by not in RANK_BY:
            raise UsageError(f"--rank-by {shown(self.rank_by)}: choose {' or '.join(RANK_BY)}")
        if self.rank_by == "water" and self.carbon_price is not None:
            raise UsageError("--rank-by water and --carbon-price are two ranking rules: give one")
        if self.price_basis not in PRICE_BASES:
            raise UsageError(f"--price-basis {shown(self.price_basis)}: choose {' or '.join(PRICE_BASES)}")
        for name, value in (("--max-cost-increase", self.max_cost_increase),
                            ("--max-distance-km", self.max_distance_km), ("--carbon-price", self.carbon_price)):
            if value is not None and not (value >= 0 and value < float("inf")):
                raise UsageError(f"{name} {value}: give a number of at least 0")

    def rule(self) -> str:
        if self.rank_by == "water":
            return ("ranked by litres of water consumed (on site, WUE x IT energy, plus generating the electricity); "
                    "CO2e and cost shown beside")
        if self.carbon_price is None:
            return "ranked by total kgCO2e (location-based grid intensity); cost shown, not used"
        return (f"ranked by cost + {self.carbon_price:g} USD per tonne x tCO2e (location-based); "
                "market-based figures and CFE % shown beside, never used to rank")

    def params(self) -> dict:
        return {"allow": [a.lower() for a in self.allow] or None, "max_cost_increase": self.max_cost_increase,
                "max_distance_km": self.max_distance_km, "carbon_price": self.carbon_price,
                "cross_cloud": self.cross_cloud, "price_basis": self.price_basis, "rank_by": self.rank_by}


NO_CONSTRAINTS = Constraints()


@dataclass
class Ranking:
    """Kept candidates (ranked; the best `top` per workload when asked), those a constraint excluded (their rows
    when asked for, their count by reason always), the rule and the assumptions."""

    rows: pd.DataFrame
    excluded: pd.DataFrame
    rule: str
    assumptions: list[str] = field(default_factory=list)
    excluded_counts: dict[str, int] = field(default_factory=dict)


# recommend_rows as the output lists them: the kept candidates by workload (its current placement first), then
# (--show-excluded) the excluded ones, by workload and reason.
_ROWS_ORDER = "excluded_reason IS NOT NULL, x_workload, excluded_reason, current DESC, rank, total_kgco2e, region"
_SOURCE = {"workload": "x_workload", "kgco2e": "total_kgco2e", "kgco2e_low": "total_kgco2e_low",
           "kgco2e_high": "total_kgco2e_high"}


def _rows_sql(columns: Sequence[str], where: str) -> str:
    """SQL selecting `columns` (of COLUMNS) of the recommend_rows that `where` keeps, in the output's order."""
    selected = ", ".join(f"{_SOURCE[c]} AS {c}" if c in _SOURCE else c for c in columns)
    return f"SELECT {selected} FROM recommend_rows WHERE {where} ORDER BY {_ROWS_ORDER}"


@dataclass(frozen=True)
class RankedRows:
    """A ranking while `ranked` holds it in TEMP tables: what the output says about it, and the SQL of its rows (the
    columns, names and order of Ranking's frames), for writers that stream them rather than hold them."""

    rule: str
    assumptions: list[str]
    excluded_counts: dict[str, int]
    # The kept candidates: COLUMNS but excluded_reason.
    kept: ClassVar[str] = _rows_sql([c for c in COLUMNS if c != "excluded_reason"], "excluded_reason IS NULL")
    # Every candidate shown: the kept, then the excluded (when asked for); excluded_reason last, null for the kept.
    shown: ClassVar[str] = _rows_sql(COLUMNS, "true")

    def read(self, con: duckdb.DuckDBPyConnection) -> Ranking:
        """The rows as frames (inside the `ranked` block, while the tables last)."""
        frame = con.execute(self.shown).df()
        kept = frame[frame.excluded_reason.isna()].drop(columns="excluded_reason").reset_index(drop=True)
        excluded = frame[frame.excluded_reason.notna()].reset_index(drop=True)
        return Ranking(kept, excluded, self.rule, self.assumptions, self.excluded_counts)


def parse_allow(values: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    """`--allow eu-west-1,DE,Europe` (repeatable) -> validated entries; unknown names are a usage error."""
    if not values:
        return ()
    items = [v.strip() for value in ([values] if isinstance(values, str) else values) for v in value.split(",")]
    return tuple(i for i in items if i)


def _check_allow(con: duckdb.DuckDBPyConnection, allow: tuple[str, ...]) -> None:
    known = {r[0] for r in con.execute(
        "SELECT lower(region) FROM coef_regions UNION SELECT lower(country) FROM coef_regions "
        "UNION SELECT lower(continent) FROM coef_continents UNION SELECT lower(continent_code) FROM coef_continents"
    ).fetchall()}
    unknown = [a for a in allow if a.lower() not in known]
    if unknown:
        raise UsageError(f"--allow {', '.join(unknown)}: not a known region, ISO country code (e.g. DE) or "
                         "continent (Europe, EU, North America, NA, ...)")


def cfe_relation(con: duckdb.DuckDBPyConnection) -> str:
    """SQL for `cfe_by_region`: the latest CFE % per region where the grid table carries one."""
    columns = {r[0] for r in con.execute("SELECT column_name FROM (DESCRIBE coef_grid)").fetchall()}
    if "cfe_pct" not in columns:
        return ("SELECT CAST(NULL AS VARCHAR) AS provider, CAST(NULL AS VARCHAR) AS region, "
                "CAST(NULL AS DOUBLE) AS cfe_pct, CAST(NULL AS INTEGER) AS cfe_year WHERE false")
    return ("SELECT provider, region, arg_max(cfe_pct, year) AS cfe_pct, max(year) AS cfe_year "
            "FROM coef_grid WHERE cfe_pct IS NOT NULL GROUP BY ALL")


# Held while a ranking builds its tables (ranked): one at a time in a process (serve answers requests in threads).
_RANKING = threading.Lock()


@contextmanager
def ranked(
    con: duckdb.DuckDBPyConnection,
    workloads_sql: str,
    params: dict,
    constraints: Constraints,
    *,
    cost_basis: str,
    overrides: dict | None = None,
    job: Job | None = None,
    top: int | None = None,
    with_excluded: bool = True,
    window_hours: float = HOURS_PER_MONTH,
) -> Iterator[RankedRows]:
    """Rank candidate regions for the workloads that `workloads_sql` yields (usage_input + x_workload) into TEMP
    tables, yield what the output says about them and the SQL of their rows, and drop the tables when the block
    ends. A planned `job`'s stated figures replace the library's assumptions in every candidate. Only the `top`
    candidates per workload (beside its current placement) and, `with_excluded`, the excluded ones are shown: a
    month of many workloads ranks hundreds of thousands of candidates. `window_hours`: how long the usage ran, to
    turn its storage GiB-hours into the GB a move carries."""
    _check_allow(con, constraints.allow)
    if job:
        from cloudcarbon.plan import job_footprint_sql  # loads pandas: only a planned job needs it

        fp = job_footprint_sql("SELECT * FROM moves")
    else:
        fp = footprint_sql("SELECT * FROM moves")
    full = {**row_params(**(overrides or {})), **constraints.params(), "cost_basis": cost_basis,
            "window_hours": window_hours, **(job.params(con) if job else {})}
    # The workloads once (a month's usage summed: small); every candidate judged and ranked on the few figures that
    # decide; then every figure and text of the rows shown only (a month ranks hundreds of thousands of candidates).
    con.execute(f"CREATE OR REPLACE TEMP TABLE recommend_workloads AS {workloads_sql}", params)
    workloads = "workloads AS (SELECT * FROM recommend_workloads)"
    ranking_sql = f"""
        CREATE OR REPLACE TEMP TABLE recommend_ranked AS
        WITH {workloads}, candidates AS ({read_query('recommend_candidates')}),
             moves AS ({read_query('recommend_moves')}), fp AS ({fp})
        SELECT * FROM ({read_query('recommend_rank')})
    """
    shown_sql = """
        CREATE OR REPLACE TEMP TABLE recommend_shown AS
        SELECT * FROM recommend_ranked
        WHERE CASE WHEN excluded_reason IS NULL THEN current OR $top IS NULL OR rank <= $top ELSE $excluded END
    """
    rows_sql = f"""
        CREATE OR REPLACE TEMP TABLE recommend_rows AS
        WITH {workloads}, shown AS (SELECT * FROM recommend_shown),
             candidates AS (SELECT x_workload, x_candidate_provider AS to_provider, x_candidate FROM recommend_shown),
             moves AS ({read_query('recommend_moves')}), fp AS ({fp}), cfe_by_region AS ({cfe_relation(con)})
        SELECT * FROM ({read_query('recommend_rows')})
    """
    try:
        # The tables are read in an order of their own (RankedRows' ORDER BY): not keeping the insertion order lets
        # the ranking spill within the memory limit. The setting and the memory limit belong to the whole DuckDB
        # instance, which `serve`'s requests share: one ranking at a time, so that neither is another's.
        with _RANKING:
            con.execute("SET preserve_insertion_order = false")
            try:
                con.execute(ranking_sql, named_params(ranking_sql, full))
                priced, unpriced = con.execute(
                    "SELECT count(*) FILTER (WHERE cost IS NOT NULL), count(*) FILTER (WHERE cost IS NULL) "
                    "FROM recommend_ranked WHERE excluded_reason IS NULL AND NOT current").fetchall()[0]
                counts = dict(con.execute(
                    "SELECT split_part(excluded_reason, ':', 1), count(*) FROM recommend_ranked "
                    "WHERE excluded_reason IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1").fetchall())
                con.execute(shown_sql, {"top": top, "excluded": with_excluded})
                con.execute(rows_sql, named_params(rows_sql, full))
            finally:
                con.execute("RESET preserve_insertion_order")
        yield RankedRows(constraints.rule(), _assumptions(con, constraints, cost_basis, priced, unpriced), counts)
    finally:
        for table in ("recommend_workloads", "recommend_ranked", "recommend_shown", "recommend_rows"):
            con.execute(f"DROP TABLE IF EXISTS {table}")


def _assumptions(con: duckdb.DuckDBPyConnection, constraints: Constraints, cost_basis: str, priced: int,
                 unpriced: int) -> list[str]:
    """What the output states beside a ranking: its rule, where costs come from, and the Pareto front's basis."""
    assumptions = [
        constraints.rule(),
        "cost: on-demand Linux list price per region from the price snapshot "
        f"({prices.describe(con)}); null where no price is known, with the reason in cost_note",
        "available: true/false only where an availability source covers the region; null = unknown",
        f"pareto: the front of (kgCO2e, cost) over the {priced:,} candidate(s) with a known cost; {unpriced:,} without "
        "one left out of it (cost null, reason in cost_note)",
    ]
    if cost_basis == "billed":
        scaled = (" x the discount the bill shows for the row's family, storage class or transfer (billed cost / "
                  "quantity x list price here)" if constraints.price_basis == "effective" else "")
        assumptions += [
            "cost of a move: billed cost + quantity x (list price there - list price here)" + scaled + ": "
            "instance-hours at on-demand prices, storage GB-months (GiB-hours x 1.0737 / 730) at the region's "
            "price for the class (object, archive, block SSD/HDD), network GB at its internet egress price; "
            f"requests and other charges keep their billed cost (price basis: {constraints.price_basis})",
            "migration_cost: one-off, the data stored (mean GB over the period) x the transfer price out of the "
            "current region (inter-region, or internet egress to another provider); payback_months = "
            "migration_cost / the monthly saving, where the move saves money",
        ]
    return assumptions


# Candidates listed per workload in store mode unless asked otherwise (recommend-region --top).
STORE_TOP = 5

# --by keys that may name a workload in store mode (provider is always part of it).
WORKLOAD_KEYS = ("provider", "account", "region", "instance_type", "service")


def store_workloads_sql(by: str | None, extra: Sequence[str] = ()) -> tuple[str, dict]:
    """SQL summing the store's usage into workloads (usage_input columns + x_workload) by the --by keys;
    `extra` columns (each `expr AS name`) follow x_workload and are grouped by too."""
    keys = [k.strip() for k in (by or "provider,account,region,instance_type").split(",") if k.strip()]
    params: dict = {}
    parts = []
    for number, key in enumerate(keys):
        if key.startswith("tag:") and len(key) > 4:
            params[f"tag_{number}"] = key[4:]
            parts.append(f"coalesce(tags[$tag_{number}], '(none)')")
        elif key in WORKLOAD_KEYS:
            parts.append(f"coalesce(CAST({GROUP_KEYS[key]} AS VARCHAR), '(none)')")
        else:
            choices = ", ".join([*WORKLOAD_KEYS, "tag:KEY"])
            raise UsageError(f"--by {shown(key)} is not a workload grouping; choose from {choices}")
    if "provider" not in keys:
        parts.insert(0, "provider_name")
    workload = " || ' / ' || ".join(parts)
    return summed_usage_sql([f"{workload} AS x_workload", *extra]), params


@contextmanager
def ranked_from_store(
    con: duckdb.DuckDBPyConnection,
    *,
    by: str | None = None,
    window: Window = ALL_TIME,
    constraints: Constraints = NO_CONSTRAINTS,
    top: int | None = STORE_TOP,
    with_excluded: bool = False,
    workloads: str | None = None,
) -> Iterator[RankedRows]:
    """Candidate regions for every workload of the period, from the store, held in TEMP tables for the block
    (`ranked`): the `top` per workload (None: all), and `with_excluded` the candidates a constraint removed.
    `workloads`: SQL reading the period's workloads already summed (shared_workloads) by the --by keys, instead of
    summing the usage again."""
    prepare(con)
    if workloads is None:
        sql, params = store_workloads_sql(by)
        params.update(since=window.since, until=window.until)
    else:
        sql, params = workloads, {}
    # On-premises sites have no candidate regions; `whatif` (mechanization) covers their cloud move.
    sql = f"SELECT * FROM ({sql}) WHERE lower(provider_name) <> 'on-premises'"
    with ranked(con, sql, params, constraints, cost_basis="billed", top=top, with_excluded=with_excluded,
                window_hours=window_hours(con, window)) as rows:
        yield rows


def recommend_from_store(con: duckdb.DuckDBPyConnection, **options: Any) -> Ranking:
    """`ranked_from_store` (the same keyword options) as frames: the report, whatif, the API, the terminal table."""
    with ranked_from_store(con, **options) as rows:
        return rows.read(con)


@contextmanager
def shared_workloads(con: duckdb.DuckDBPyConnection, name: str, sql: str, params: dict) -> Iterator[str]:
    """The workloads `sql` sums (store_workloads_sql) held once in TEMP table `name` for the analyses of one run
    (the ranking, the levers, the report's sources); yields the SQL reading them, and drops the table after."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}", params)
    try:
        yield f"SELECT * FROM {name}"
    finally:
        con.execute(f"DROP TABLE IF EXISTS {name}")


def window_hours(con: duckdb.DuckDBPyConnection, window: Window) -> float:
    """How long the window's usage ran: the window itself, or where it is open, the usage it holds (a month
    by default): what turns stored GiB-hours into the GB a move would carry."""
    start, end = con.execute(
        "SELECT coalesce(CAST($since AS TIMESTAMP), min(charge_period_start)), "
        "coalesce(CAST($until AS TIMESTAMP), max(charge_period_end)) FROM usage "
        "WHERE ($since IS NULL OR charge_period_start >= $since) AND ($until IS NULL OR charge_period_start < $until)",
        {"since": window.since, "until": window.until}).fetchall()[0]
    hours = (end - start).total_seconds() / 3600 if start and end else 0
    return hours if hours > 0 else HOURS_PER_MONTH


def recommend_adhoc(
    con: duckdb.DuckDBPyConnection,
    *,
    provider: str,
    region: str,
    instance_type: str | None = None,
    accelerator: str | None = None,
    hours: float | None = None,
    count: float = 1,
    gpu_hours: float | None = None,
    year: int | None = None,
    gpu_utilization: float | None = None,
    job: Job = NO_JOB,
    constraints: Constraints = NO_CONSTRAINTS,
) -> Ranking:
    """Candidate regions for one planned job (instance type x count x hours, or accelerators alone, now in
    `region`), with the job's stated figures (`job`) in every candidate."""
    from cloudcarbon.plan import plan_relation, validate_plan  # loads pandas: only a planned job needs it

    prepare(con)
    if accelerator is not None and constraints.cross_cloud:
        raise UsageError("--cross-cloud moves instance types between providers; an --accelerator job has none: "
                         "drop --cross-cloud or give --instance-type")
    if constraints.price_basis == "effective":
        raise UsageError("--price-basis effective reads the discount from the bill; a planned job has none: drop it")
    plan = validate_plan(con, provider=provider, instance_type=instance_type, accelerator=accelerator,
                         region=region, hours=hours, count=count, gpu_hours=gpu_hours, year=year,
                         host_stated=job.host_watts is not None)
    check_utilization(None, gpu_utilization)
    with ranked(con, plan_relation(con, plan), {}, constraints, cost_basis="list", overrides={"gpu_u": gpu_utilization},
                job=job) as rows:
        ranking = rows.read(con)
    ranking.assumptions += job.assumptions(con)
    return ranking
