"""Load normalised rows into the store atomically, one transaction for every period touched.

A connector hands over SELECT statements that produce canonical usage rows. They are inserted under a
fresh ingest id; then every (provider, billing account, billing period) they touch loses its rows from
earlier ingests, and the run is logged. Any error rolls everything back, so a failed ingest leaves the
store exactly as it was and re-ingesting a restated month replaces it instead of doubling it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

import duckdb

from cloudcarbon import __version__
from cloudcarbon.coefficients.loader import COEFFICIENTS_VERSION
from cloudcarbon.errors import InputError
from cloudcarbon.progress import run_with_progress
from cloudcarbon.store import transaction

# Prefix of the error() a normalisation query raises for a line that breaks a data rule
# (METHODOLOGY.md, "Data rules"); the rest of the message names the file and line.
DATA_RULE_MARKER = "cloudcarbon data rule: "


@dataclass(frozen=True)
class Period:
    provider: str
    billing_account_id: str
    billing_period_start: date
    rows_kept: int
    rows_replaced: int


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

    def line(self) -> str:
        """The one-line summary printed at the end of an ingest."""
        periods = ", ".join(
            f"{p.provider} {p.billing_account_id} {p.billing_period_start:%Y-%m}"
            + (" (replaced)" if p.rows_replaced else " (new)")
            for p in self.periods
        )
        text = (
            f"ingested {len(self.files)} file(s) ({self.source_format}): {self.rows_read:,} rows read, "
            f"{self.rows_kept:,} kept; {len(self.periods)} period(s): {periods or 'none'}"
        )
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
    """One SELECT of canonical usage rows, its parameters, and how many source rows it reads."""

    select_sql: str
    params: dict[str, object]
    rows_read: int


def record_periods(con: duckdb.DuckDBPyConnection, ingest_id: str) -> list[Period]:
    """Log the periods this ingest covers, then delete earlier ingests' rows of those periods."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE ingest_scope AS
        SELECT provider_name, billing_account_id, billing_period_start, count(*) AS rows_kept,
               sum(effective_cost) AS effective_cost
        FROM usage WHERE x_ingest_id = $id GROUP BY ALL
        """,
        {"id": ingest_id},
    )
    con.execute(
        """
        INSERT INTO ingest_periods
        SELECT $id, s.provider_name, s.billing_account_id, s.billing_period_start, s.rows_kept,
               coalesce(r.rows_replaced, 0), s.effective_cost
        FROM ingest_scope s
        LEFT JOIN (SELECT provider_name, billing_account_id, billing_period_start, count(*) AS rows_replaced
                   FROM usage SEMI JOIN ingest_scope USING (provider_name, billing_account_id, billing_period_start)
                   WHERE x_ingest_id <> $id GROUP BY ALL) r
            USING (provider_name, billing_account_id, billing_period_start)
        """,
        {"id": ingest_id},
    )
    con.execute(
        """
        DELETE FROM usage
        WHERE x_ingest_id <> $id
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


def _unknowns(con: duckdb.DuckDBPyConnection, ingest_id: str) -> tuple[int, float, int]:
    count, unknown_cost, total_cost, cpus = con.execute(
        """
        SELECT count(DISTINCT u.x_instance_type) FILTER (WHERE unknown),
               sum(abs(u.effective_cost)) FILTER (WHERE unknown),
               sum(abs(u.effective_cost)),
               count(DISTINCT coalesce(u.x_server.cpu_model, ''))
                   FILTER (WHERE u.x_server.microarchitecture = 'Unknown')
        FROM usage u
        LEFT JOIN coef_instances i
          ON i.provider = lower(u.provider_name) AND i.instance_type = u.x_instance_type
        -- GCP GPU rows name their accelerator model (coef_accelerators), not an instance type.
        LEFT JOIN coef_accelerators a ON u.x_usage_kind = 'gpu' AND a.model = u.x_instance_type,
        -- An inventory's server model (x_server set) is a label, not a catalogue key.
        LATERAL (SELECT u.x_instance_type IS NOT NULL AND u.x_server IS NULL AND i.instance_type IS NULL
                        AND a.model IS NULL AS unknown)
        WHERE u.x_ingest_id = $id
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
        # A normalisation query stops on a line that breaks a data rule: error('cloudcarbon data rule: ...').
        _, marker, message = str(error).partition(DATA_RULE_MARKER)
        if marker:
            raise InputError(message.splitlines()[0]) from None
        raise


def _load(con: duckdb.DuckDBPyConnection, ingest_id: str, provider: str, source_format: str, files: list[str],
          batches: list[Batch], rows_read: int, progress: bool | None) -> IngestSummary:
    with transaction(con):
        for number, batch in enumerate(batches, start=1):
            label = f"ingesting {provider} batch {number}/{len(batches)}"
            params = {**batch.params, "ingest_id": ingest_id}
            run_with_progress(
                con, label, lambda b=batch, p=params: con.execute(f"INSERT INTO usage BY NAME {b.select_sql}", p),
                enabled=progress,
            )
        periods = record_periods(con, ingest_id)
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
        unknown_types, unknown_share, unknown_cpus = _unknowns(con, ingest_id)
    return IngestSummary(
        ingest_id, source_format, files, rows_read, rows_kept, periods, unknown_types, unknown_share, unknown_cpus
    )
