"""Load normalised rows into the store atomically, one transaction for every period touched.

A connector hands over SELECT statements that produce canonical usage rows. They are inserted under a
fresh ingest id; then every (provider, billing account, billing period) they touch loses its rows from
earlier ingests, and the run is logged. Any error rolls everything back, so a failed ingest leaves the
store exactly as it was and re-ingesting a restated month replaces it instead of doubling it. Identical
copies of a line among the batches (overlapping files, an export copied twice) are kept once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

import duckdb

from cloudcarbon import __version__
from cloudcarbon.coefficients.loader import COEFFICIENTS_VERSION
from cloudcarbon.connectors.files import single_threaded
from cloudcarbon.errors import InputError
from cloudcarbon.periods import END, FIRST_MONTH
from cloudcarbon.progress import run_with_progress
from cloudcarbon.store import transaction
from cloudcarbon.usage_store import GROUP_TOTALS, delete_groups, key_sql, write_usage

# Prefix of the error() a normalisation query raises for a line that breaks a data rule
# (METHODOLOGY.md, "Data rules"); the rest of the message names the file and line.
DATA_RULE_MARKER = "cloudcarbon data rule: "

# The dates an ingest accepts, the months every command handles (periods.py); the normalising SQL reads
# them as the macros earliest_date() and latest_date().
EARLIEST_DATE = FIRST_MONTH
LATEST_DATE = END - timedelta(days=1)
# utc_time(x): an export's time as a UTC TIMESTAMP, whatever its type. DuckDB folds typeof() when it plans the
# query, so a column typed as a timestamp (Parquet) is used as it is; text and zoned times are parsed (an offset
# applies; without one the connection's zone, UTC, does) and taken as an instant, without a time-zone conversion
# per row (timezone('UTC', CAST(x AS TIMESTAMPTZ)) cost 1 CPU-s per million lines and column).
UTC_TIME = """
    CASE WHEN typeof(x) IN ('TIMESTAMP', 'TIMESTAMP_NS', 'TIMESTAMP_MS', 'TIMESTAMP_S', 'DATE')
         THEN CAST(x AS TIMESTAMP)
         ELSE make_timestamp(epoch_us(CAST(x AS TIMESTAMPTZ))) END
"""

# source_number(x): an export's number as a DOUBLE, whatever its type, folded like utc_time: text is parsed (empty is
# NULL), a number (Parquet) is cast without the trip through text that cost 0.3 CPU-s per 10M lines and 2 columns.
SOURCE_NUMBER = """
    CASE WHEN typeof(x) = 'VARCHAR' THEN CAST(nullif(CAST(x AS VARCHAR), '') AS DOUBLE) ELSE CAST(x AS DOUBLE) END
"""


def define_ingest_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Create the macros earliest_date(), latest_date(), utc_time(x), source_number(x) and tags_key(tags) (the key
    the store gives a tag set: normalising SQL that looks tag sets up once per set gives the lines their key,
    usage_store.write_usage): every query running normalising SQL needs them."""
    con.execute(f"CREATE OR REPLACE TEMP MACRO earliest_date() AS DATE '{EARLIEST_DATE.isoformat()}'")
    con.execute(f"CREATE OR REPLACE TEMP MACRO latest_date() AS DATE '{LATEST_DATE.isoformat()}'")
    con.execute(f"CREATE OR REPLACE TEMP MACRO utc_time(x) AS {UTC_TIME}")
    con.execute(f"CREATE OR REPLACE TEMP MACRO source_number(x) AS {SOURCE_NUMBER}")
    con.execute(f"CREATE OR REPLACE TEMP MACRO tags_key(tags) AS {key_sql('usage_tags')}")


def data_rule_error(error: duckdb.Error) -> InputError | None:
    """The one-line error for a normalisation query stopped by a line that breaks a data rule
    (error('cloudcarbon data rule: ...') in its SQL); None for any other error."""
    _, marker, message = str(error).partition(DATA_RULE_MARKER)
    return InputError(message.splitlines()[0]) if marker else None


@dataclass(frozen=True)
class Period:
    provider: str
    billing_account_id: str
    billing_period_start: date
    rows_kept: int
    rows_replaced: int


# Drop reasons the summary line names (the rest are counted).
SHOWN_REASONS = 4


@dataclass(frozen=True)
class Dropped:
    """Rows an ingest read and did not keep for one reason (not usage: taxes, credits, fees...)."""

    reason: str  # "line type Tax"
    rows: int
    first: str  # "cur.csv data row 12"


@dataclass
class IngestSummary:
    ingest_id: str
    source_format: str
    files: list[str]
    rows_read: int
    rows_kept: int
    periods: list[Period] = field(default_factory=list)
    unknown_instance_types: int = 0
    unknown_cost_share: float = 0.0
    unrecognised_cpu_models: int = 0  # on-premises inventories: CPUs estimated with the mean microarchitecture
    duplicates_dropped: int = 0  # identical copies of a line, kept once
    first_duplicate: str | None = None  # where the first dropped copy is: "b.csv data row 1 = a.csv data row 6"
    dropped: list[Dropped] = field(default_factory=list)  # rows the normaliser leaves out, by reason

    def line(self) -> str:
        """The one-line summary printed at the end of an ingest."""
        periods = ", ".join(
            f"{p.provider} {p.billing_account_id} {p.billing_period_start:%Y-%m}"
            + (" (replaced)" if p.rows_replaced else " (new)")
            for p in self.periods
        )
        text = (f"ingested {len(self.files)} file(s) ({self.source_format}): {self.rows_read:,} rows read, "
                f"{self.rows_kept:,} kept")
        if self.dropped:
            shown = [f"{d.rows:,} {d.reason} (first: {d.first})" for d in self.dropped[:SHOWN_REASONS]]
            more = len(self.dropped) - SHOWN_REASONS
            text += f" ({sum(d.rows for d in self.dropped):,} not usage: {', '.join(shown)}" + (
                f", {more} more reason(s))" if more > 0 else ")")
        if self.duplicates_dropped:
            where = f", first: {self.first_duplicate}" if self.first_duplicate else ""
            text += f"; {self.duplicates_dropped:,} duplicate line(s) dropped (identical copies{where})"
        text += f"; {len(self.periods)} period(s): {periods or 'none'}"
        if self.unknown_instance_types:
            text += (
                f"; {self.unknown_instance_types} unknown instance type(s), "
                f"{self.unknown_cost_share:.1%} of cost -> cloudcarbon unknowns"
            )
        elif not self.unrecognised_cpu_models:
            text += "; no unknown instance types"
        if self.unrecognised_cpu_models:
            text += f"; {self.unrecognised_cpu_models} unrecognised CPU model(s) -> cloudcarbon unknowns"
        return text


@dataclass(frozen=True)
class Batch:
    """One SELECT of canonical usage rows, its parameters, and how many source rows it reads; for files,
    also the source relation it normalises (reading $files), to name the data rows of identical copies."""

    select_sql: str
    params: dict[str, object]
    rows_read: int
    source_sql: str | None = None
    groups_sql: str | None = None  # the rows' usage groups, keyed as their lines are (usage_store.write_usage)
    keys_sql: str | None = None  # rows with the resources and tag sets of the lines (usage_store.write_usage)


def record_periods(con: duckdb.DuckDBPyConnection, ingest_id: str, totals: str = GROUP_TOTALS) -> list[Period]:
    """Log the periods this ingest covers, then delete earlier ingests' rows of those periods. `totals`: the lines
    and costs of every usage group (usage_store.GROUP_TOTALS, or a table of them)."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE ingest_scope AS
        SELECT provider_name, billing_account_id, billing_period_start, sum(lines) AS rows_kept,
               sum(cost) AS effective_cost
        FROM ({totals}) JOIN usage_group USING (group_key)
        WHERE x_ingest_id = $id GROUP BY ALL
        """,
        {"id": ingest_id},
    )
    con.execute(
        f"""
        INSERT INTO ingest_periods
        SELECT $id, s.provider_name, s.billing_account_id, s.billing_period_start, s.rows_kept,
               coalesce(r.rows_replaced, 0), s.effective_cost
        FROM ingest_scope s
        LEFT JOIN (SELECT provider_name, billing_account_id, billing_period_start, sum(lines) AS rows_replaced
                   FROM ({totals}) JOIN usage_group USING (group_key)
                   SEMI JOIN ingest_scope USING (provider_name, billing_account_id, billing_period_start)
                   WHERE x_ingest_id <> $id GROUP BY ALL) r
            USING (provider_name, billing_account_id, billing_period_start)
        """,
        {"id": ingest_id},
    )
    delete_groups(
        con,
        """
        x_ingest_id <> $id
        AND (provider_name, billing_account_id, billing_period_start) IN (
            SELECT (provider_name, billing_account_id, billing_period_start) FROM ingest_scope)
        """,
        {"id": ingest_id},
    )
    con.execute("DROP TABLE ingest_scope")
    rows = con.execute(
        """
        SELECT provider_name, billing_account_id, billing_period_start, rows_kept, rows_replaced
        FROM ingest_periods WHERE ingest_id = $id ORDER BY ALL
        """,
        {"id": ingest_id},
    ).fetchall()
    return [Period(*row) for row in rows]


# Lines per slice of the identical-copy check's sort (_drop_identical_copies): a 10M-line month in one, a 28M-line
# year in three (each slice scans every fingerprint again: 0.2 CPU-s at 28M lines).
COPY_SLICE_ROWS = 10_000_000


def _drop_identical_copies(con: duckdb.DuckDBPyConnection, ingest_id: str, files: list[str], batches: list[Batch]
                           ) -> tuple[int, str | None]:
    """Keep one of each set of identical copies of a line among the ingest's rows: the copy in the earliest
    file (METHODOLOGY.md, "Data rules"). Returns how many were dropped and where the first dropped one is."""
    # The 64-bit line fingerprints, sorted, find them (a fingerprint equal to the one before it; half the CPU of a
    # hash aggregate over millions of distinct keys); an ingest without copies stops here. It runs over slices of
    # the fingerprints, COPY_SLICE_ROWS lines each, to bound its memory beside the rows just inserted (an aggregate
    # over a 28M-line year once asked DuckDB for 256 MiB at once, which the memory limit, store.MEMORY_LIMIT, refused).
    # The ingest's lines, read from usage_line itself: the usage view would join every line to its text. In a
    # scratch store holding this ingest alone (staging.py), that is every line: no filter (0.4 CPU-s at 10M lines).
    con.execute("CREATE OR REPLACE TEMP TABLE ingest_groups AS "
                "SELECT group_key FROM usage_group WHERE x_ingest_id = $id", {"id": ingest_id})
    alone = not con.execute("SELECT count(*) FROM usage_group WHERE x_ingest_id <> $id", {"id": ingest_id}
                            ).fetchall()[0][0]
    lines = "usage_line WHERE " + ("true" if alone else "group_key IN (SELECT group_key FROM ingest_groups)")
    rows = con.execute(f"SELECT count(*) FROM {lines}").fetchall()[0][0]
    slices = max(1, -(-rows // COPY_SLICE_ROWS))
    con.execute("CREATE OR REPLACE TEMP TABLE copy_candidates (x_row_fingerprint UBIGINT)")
    # On one thread: two sorted a half each and merged them, a fifth more CPU for 0.3 s less (10M lines: 0.9 CPU-s
    # against 1.1-1.25). A slice's filter is in the fingerprints' own type: a parameter made it a 128-bit modulo,
    # 8 CPU-s per slice of a 28M-line year.
    in_slice = "AND x_row_fingerprint % CAST($slices AS UBIGINT) = CAST($part AS UBIGINT)" if slices > 1 else ""
    with single_threaded(con):
        for part in range(slices):
            con.execute(
                f"""
                INSERT INTO copy_candidates
                SELECT DISTINCT x_row_fingerprint FROM (
                    SELECT x_row_fingerprint, lag(x_row_fingerprint) OVER (ORDER BY x_row_fingerprint) AS previous
                    FROM {lines} {in_slice})
                WHERE x_row_fingerprint = previous
                """,
                {"slices": slices, "part": part} if in_slice else {},
            )
    if not con.execute("SELECT count(*) FROM copy_candidates").fetchall()[0][0]:
        con.execute("DROP TABLE copy_candidates; DROP TABLE ingest_groups")
        return 0, None
    # Rows sharing a fingerprint are copies when every stored column but the file name agrees too (a hash
    # collision between distinct lines keeps both). Each set keeps its row from the earliest file.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE copy_sets AS
        SELECT x_row_fingerprint, copies, kept, positions FROM (
            SELECT COLUMNS(* EXCLUDE (line_id, group_key, x_source_file)), count(*) AS copies,
                   arg_min(line_id, (coalesce(list_position($files, x_source_file), 0), line_id)) AS kept,
                   list_sort(list(coalesce(list_position($files, x_source_file), 0))) AS positions
            FROM (SELECT l.rowid AS line_id, * FROM usage_line l JOIN usage_group g USING (group_key)
                  WHERE g.x_ingest_id = $id
                    AND l.x_row_fingerprint IN (SELECT x_row_fingerprint FROM copy_candidates))
            GROUP BY ALL)
        """,
        {"id": ingest_id, "files": files},
    )
    dropped = con.execute(
        f"""
        DELETE FROM {lines} AND x_row_fingerprint IN (SELECT x_row_fingerprint FROM copy_candidates)
          AND rowid NOT IN (SELECT kept FROM copy_sets)
        """
    ).fetchall()[0][0]
    first = _first_copy(con, files, batches) if dropped else None
    con.execute("DROP TABLE copy_candidates; DROP TABLE copy_sets; DROP TABLE ingest_groups")
    return dropped, first


def _first_copy(con: duckdb.DuckDBPyConnection, files: list[str], batches: list[Batch]) -> str | None:
    """"b.csv data row 1 = a.csv data row 6": the earliest dropped copy (in file order, then row order) and
    the line it repeats. Reads again, single-threaded so that rows are numbered in file order, only the batches
    (files read by one SELECT) holding it and the lines it may repeat."""
    # Sets whose second copy (the first dropped) lies in the earliest such file; positions are 1-based
    # indexes into `files` (0: a row whose file is not among them, e.g. an API ingest's label).
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE first_copies AS
        SELECT x_row_fingerprint, positions[1] AS kept_position, positions[2] AS copy_position
        FROM copy_sets WHERE copies > 1 AND positions[1] > 0
        QUALIFY positions[2] = min(positions[2]) OVER ()
        """
    )
    wanted = {files[position - 1] for (position,) in con.execute(
        "SELECT DISTINCT unnest([kept_position, copy_position]) FROM first_copies").fetchall()}
    con.execute("CREATE OR REPLACE TEMP TABLE copy_rows (source_file VARCHAR, row_no BIGINT, fingerprint UBIGINT)")
    with single_threaded(con):
        for batch in batches:
            # A batch holding one of them is read whole: its SELECT names the columns of all its files (read by
            # name), and a fingerprint of the whole row hashes every one of them.
            batch_files = batch.params.get("files")
            if batch.source_sql is None or not isinstance(batch_files, list) or wanted.isdisjoint(batch_files):
                continue
            con.execute(
                f"""
                INSERT INTO copy_rows
                SELECT source_file, row_no, row_fingerprint FROM (
                    SELECT source_file, row_number() OVER (PARTITION BY source_file) AS row_no, row_fingerprint
                    FROM ({batch.source_sql}))
                WHERE row_fingerprint IN (SELECT x_row_fingerprint FROM first_copies)
                """,
                {"files": batch_files},
            )
    found = con.execute(
        """
        WITH ranked AS (
            SELECT *, row_number() OVER (PARTITION BY fingerprint
                                         ORDER BY list_position($files, source_file), row_no) AS copy
            FROM copy_rows
        )
        SELECT d.source_file, d.row_no, k.source_file, k.row_no
        FROM ranked d JOIN ranked k ON k.fingerprint = d.fingerprint AND k.copy = 1
        WHERE d.copy = 2
        ORDER BY list_position($files, d.source_file), d.row_no
        LIMIT 1
        """,
        {"files": files},
    ).fetchall()
    con.execute("DROP TABLE copy_rows; DROP TABLE first_copies")
    if not found:
        return None
    copy_file, copy_row, kept_file, kept_row = found[0]
    return f"{copy_file} data row {copy_row} = {kept_file} data row {kept_row}"


def _unknowns(con: duckdb.DuckDBPyConnection, ingest_id: str, totals: str) -> tuple[int, float, int]:
    count, unknown_cost, total_cost, cpus = con.execute(
        f"""
        -- The ingest's rows summed by what decides first (a few thousand groups), then looked up.
        WITH kinds AS (
            SELECT provider_name, x_instance_type, x_usage_kind, x_server IS NULL AS x_no_server,
                   x_server.cpu_model AS x_cpu_model, x_server.microarchitecture = 'Unknown' AS x_cpu_unknown,
                   sum(abs_cost) AS x_cost
            FROM ({totals}) JOIN usage_group USING (group_key)
            WHERE x_ingest_id = $id
            GROUP BY ALL
        )
        SELECT count(DISTINCT k.x_instance_type) FILTER (WHERE unknown),
               sum(k.x_cost) FILTER (WHERE unknown),
               sum(k.x_cost),
               count(DISTINCT coalesce(k.x_cpu_model, '')) FILTER (WHERE k.x_cpu_unknown)
        FROM kinds k
        LEFT JOIN coef_instances i
          ON i.provider = lower(k.provider_name) AND i.instance_type = k.x_instance_type
        -- GCP GPU rows name their accelerator model (coef_accelerators), not an instance type.
        LEFT JOIN coef_accelerators a ON k.x_usage_kind = 'gpu' AND a.model = k.x_instance_type,
        -- An inventory's server model (x_server set) is a label, not a catalogue key.
        LATERAL (SELECT k.x_instance_type IS NOT NULL AND k.x_no_server AND i.instance_type IS NULL
                        AND a.model IS NULL AS unknown)
        """,
        {"id": ingest_id},
    ).fetchall()[0]
    share = (unknown_cost or 0.0) / total_cost if total_cost else 0.0
    return count or 0, share, cpus or 0


def load(
    con: duckdb.DuckDBPyConnection,
    *,
    provider: str,
    source_format: str,
    files: list[str],
    batches: list[Batch],
    progress: bool | None = None,
) -> IngestSummary:
    """Insert every batch and replace the periods they cover, all in one transaction."""
    ingest_id = uuid.uuid4().hex
    rows_read = sum(b.rows_read for b in batches)
    try:
        return _load(con, ingest_id, provider, source_format, files, batches, rows_read, progress)
    except duckdb.InvalidInputException as error:
        raise data_rule_error(error) or error from None


def _load(con: duckdb.DuckDBPyConnection, ingest_id: str, provider: str, source_format: str, files: list[str],
          batches: list[Batch], rows_read: int, progress: bool | None) -> IngestSummary:
    define_ingest_macros(con)
    with transaction(con):
        for number, batch in enumerate(batches, start=1):
            label = f"ingesting {provider} batch {number}/{len(batches)}"
            params = {**batch.params, "ingest_id": ingest_id}
            run_with_progress(
                con, label, lambda b=batch, p=params: write_usage(con, b.select_sql, p, b.groups_sql, b.keys_sql),
                enabled=progress,
            )
        duplicates, first_duplicate = _drop_identical_copies(con, ingest_id, files, batches)
        # Each usage group's lines and costs, summed once for the log and the unknown types.
        con.execute(f"CREATE OR REPLACE TEMP TABLE group_totals AS {GROUP_TOTALS}")
        periods = record_periods(con, ingest_id, "SELECT * FROM group_totals")
        rows_kept = sum(p.rows_kept for p in periods)
        con.execute(
            """
            INSERT INTO ingests VALUES ($id, $provider, now(), now(), $format, $files, $read, $kept, $tool, $coef)
            """,
            {
                "id": ingest_id, "provider": provider, "format": source_format, "files": files,
                "read": rows_read, "kept": rows_kept, "tool": __version__, "coef": COEFFICIENTS_VERSION,
            },
        )
        unknown_types, unknown_share, unknown_cpus = _unknowns(con, ingest_id, "SELECT * FROM group_totals")
        con.execute("DROP TABLE group_totals")
    return IngestSummary(
        ingest_id, source_format, files, rows_read, rows_kept, periods, unknown_types, unknown_share, unknown_cpus,
        duplicates, first_duplicate,
    )
