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
from cloudcarbon.progress import run_with_progress
from cloudcarbon.store import transaction


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
        else:
            text += "; no unknown instance types"
        return text


@dataclass(frozen=True)
class Batch:
    """One SELECT of canonical usage rows, its parameters, and how many source rows it reads."""

    select_sql: str
    params: dict[str, object]
    rows_read: int


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: object = None) -> object:
    return con.execute(sql, params).fetchall()[0][0]


def _touched_periods(con: duckdb.DuckDBPyConnection, ingest_id: str) -> list[tuple[str, str, date, int]]:
    return con.execute(
        """
        SELECT provider_name, billing_account_id, billing_period_start, count(*)
        FROM usage WHERE x_ingest_id = $id
        GROUP BY ALL ORDER BY ALL
        """,
        {"id": ingest_id},
    ).fetchall()


def _replace_older_rows(con: duckdb.DuckDBPyConnection, ingest_id: str) -> dict[tuple, int]:
    """Delete earlier ingests' rows of the periods this ingest covers; return counts per period."""
    replaced = con.execute(
        """
        SELECT u.provider_name, u.billing_account_id, u.billing_period_start, count(*)
        FROM usage u
        SEMI JOIN (SELECT DISTINCT provider_name, billing_account_id, billing_period_start
                   FROM usage WHERE x_ingest_id = $id) n
          USING (provider_name, billing_account_id, billing_period_start)
        WHERE u.x_ingest_id <> $id
        GROUP BY ALL
        """,
        {"id": ingest_id},
    ).fetchall()
    if replaced:
        con.execute(
            """
            DELETE FROM usage u
            WHERE u.x_ingest_id <> $id
              AND (u.provider_name, u.billing_account_id, u.billing_period_start) IN (
                  SELECT (provider_name, billing_account_id, billing_period_start)
                  FROM usage WHERE x_ingest_id = $id)
            """,
            {"id": ingest_id},
        )
    return {(p, a, d): n for p, a, d, n in replaced}


def _unknowns(con: duckdb.DuckDBPyConnection, ingest_id: str) -> tuple[int, float]:
    count, unknown_cost, total_cost = con.execute(
        """
        SELECT count(DISTINCT u.x_instance_type) FILTER (WHERE unknown),
               sum(abs(u.effective_cost)) FILTER (WHERE unknown),
               sum(abs(u.effective_cost))
        FROM usage u
        LEFT JOIN coef_instances i
          ON i.provider = lower(u.provider_name) AND i.instance_type = u.x_instance_type,
        LATERAL (SELECT u.x_instance_type IS NOT NULL AND i.instance_type IS NULL AS unknown)
        WHERE u.x_ingest_id = $id
        """,
        {"id": ingest_id},
    ).fetchall()[0]
    share = (unknown_cost or 0.0) / total_cost if total_cost else 0.0
    return count or 0, share


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
    with transaction(con):
        for number, batch in enumerate(batches, start=1):
            label = f"ingesting {provider} batch {number}/{len(batches)}"
            params = {**batch.params, "ingest_id": ingest_id}
            run_with_progress(
                con, label, lambda b=batch, p=params: con.execute(f"INSERT INTO usage BY NAME {b.select_sql}", p),
                enabled=progress,
            )
        replaced = _replace_older_rows(con, ingest_id)
        touched = _touched_periods(con, ingest_id)
        periods = [
            Period(p, a, d, n, replaced.get((p, a, d), 0)) for p, a, d, n in touched
        ]
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
        con.executemany(
            "INSERT INTO ingest_periods VALUES ($1, $2, $3, $4, $5, $6, NULL)",
            [[ingest_id, p.provider, p.billing_account_id, p.billing_period_start, p.rows_kept, p.rows_replaced]
             for p in periods],
        )
        con.execute(
            """
            UPDATE ingest_periods ip SET effective_cost = s.cost
            FROM (SELECT provider_name, billing_account_id, billing_period_start, sum(effective_cost) AS cost
                  FROM usage WHERE x_ingest_id = $id GROUP BY ALL) s
            WHERE ip.ingest_id = $id AND ip.provider_name = s.provider_name
              AND ip.billing_account_id = s.billing_account_id
              AND ip.billing_period_start = s.billing_period_start
            """,
            {"id": ingest_id},
        )
        unknown_types, unknown_share = _unknowns(con, ingest_id)
    return IngestSummary(
        ingest_id, source_format, files, rows_read, rows_kept, periods, unknown_types, unknown_share
    )
