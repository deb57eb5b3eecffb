"""Load the providers' own reported emissions into `provider_emissions`, atomically and idempotently per
(provider, account, month), as ingest.py does usage per billing period.

A connector hands over SELECTs of figures (one row per scope and method), each carrying `x_row`, the number of
its source row within its file. Inside one ingest, two figures for the same account, month, region, service,
scope and method are one figure delivered twice: the latest refresh (`last_refresh_timestamp`) is kept, an
identical copy is dropped, and two different values of the same refresh are refused. Then every
(provider, account, month) the ingest holds loses the figures of earlier ingests: a restatement replaces.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import duckdb

from cloudcarbon import __version__
from cloudcarbon.connectors.files import single_threaded
from cloudcarbon.errors import InputError
from cloudcarbon.ingest import Batch, IngestSummary, Period, data_rule_error, define_ingest_macros
from cloudcarbon.progress import run_with_progress
from cloudcarbon.store import transaction

# Units of CO2e the providers state (AWS: MTCO2e, metric tonnes; GCP and Azure: kg) -> kg; NULL for any other.
KG_PER_UNIT = """
CREATE OR REPLACE TEMP MACRO kg_per_unit(unit) AS
    CASE lower(regexp_replace(coalesce(unit, ''), '[\\s_]', '', 'g'))
        WHEN 'mtco2e' THEN 1000.0 WHEN 'tco2e' THEN 1000.0 WHEN 'tonnesco2e' THEN 1000.0
        WHEN 'metrictonsco2e' THEN 1000.0 WHEN 'metrictonco2e' THEN 1000.0
        WHEN 'kgco2e' THEN 1.0
        WHEN 'lbco2e' THEN 0.45359237 WHEN 'lbsco2e' THEN 0.45359237
        WHEN 'gco2e' THEN 0.001
    END
"""
# The figure a provider reports once per month: two rows of one ingest with this key are one figure twice.
FIGURE_KEY = ("provider_name", "sub_account_id", "billing_period_start", "region_id", "service_name", "resource_id",
              "scope", "method")


@dataclass
class ProviderEmissionsSummary(IngestSummary):
    """An ingest of provider figures: source rows as for usage, plus the figures stored."""

    figures: int = 0
    superseded: int = 0  # source rows whose every figure a later refresh in the same ingest replaced
    notes: list[str] = field(default_factory=list)  # what the provider left out (refused subscriptions)

    def line(self) -> str:
        periods = ", ".join(f"{p.provider} {p.billing_account_id} {p.billing_period_start:%Y-%m}"
                            + (" (replaced)" if p.rows_replaced else " (new)") for p in self.periods)
        text = (f"ingested {len(self.files)} file(s) ({self.source_format}): {self.rows_read:,} rows read, "
                f"{self.rows_kept:,} kept, {self.figures:,} provider figure(s) stored")
        if self.dropped:
            shown = [f"{d.rows:,} {d.reason} (first: {d.first})" for d in self.dropped]
            text += f" ({sum(d.rows for d in self.dropped):,} left out: {', '.join(shown)})"
        if self.duplicates_dropped:
            text += f"; {self.duplicates_dropped:,} duplicate line(s) dropped (identical copies)"
        if self.superseded:
            text += f"; {self.superseded:,} line(s) superseded by a later refresh of the same figures"
        text += f"; {len(self.periods)} period(s): {periods or 'none'} -> cloudcarbon reconcile"
        return "".join([text, *(f"\nwarning: {note}" for note in self.notes)])


def load(con: duckdb.DuckDBPyConnection, *, provider: str, source_format: str, files: list[str],
         batches: list[Batch], progress: bool | None = None) -> ProviderEmissionsSummary:
    """Insert every batch of figures and replace the (provider, account, month) they cover, in one transaction."""
    ingest_id = uuid.uuid4().hex
    rows_read = sum(b.rows_read for b in batches)
    define_ingest_macros(con)
    con.execute(KG_PER_UNIT)
    try:
        # One thread, so that x_row numbers the rows in file order (messages name them); the providers' exports
        # hold one row per account, region, service and month: thousands, not millions. (Reset after rollback.)
        with single_threaded(con), transaction(con):
            con.execute("CREATE OR REPLACE TEMP TABLE new_figures AS "
                        "SELECT *, NULL::BIGINT AS x_row FROM provider_emissions LIMIT 0")
            for number, batch in enumerate(batches, start=1):
                params = {**batch.params, "ingest_id": ingest_id}
                run_with_progress(
                    con, f"ingesting {provider} figures, batch {number}/{len(batches)}",
                    lambda b=batch, p=params: con.execute(f"INSERT INTO new_figures BY NAME {b.select_sql}", p),
                    enabled=progress)
            rows_kept, duplicates, superseded = _one_figure_each(con, files)
            con.execute("INSERT INTO provider_emissions BY NAME SELECT * EXCLUDE (x_row) FROM new_figures")
            con.execute("DROP TABLE new_figures")
            periods = record_periods(con, ingest_id)
            figures = sum(p.rows_kept for p in periods)
            con.execute("INSERT INTO provider_ingests VALUES ($id, $provider, now(), now(), $format, $files, $read, "
                        "$kept, $tool)", {"id": ingest_id, "provider": provider, "format": source_format,
                                          "files": files, "read": rows_read, "kept": figures, "tool": __version__})
    except duckdb.InvalidInputException as error:
        raise data_rule_error(error) or error from None
    return ProviderEmissionsSummary(ingest_id, source_format, files, rows_read, rows_kept, periods,
                                    duplicates_dropped=duplicates, figures=figures, superseded=superseded)


def _one_figure_each(con: duckdb.DuckDBPyConnection, files: list[str]) -> tuple[int, int, int]:
    """Keep one of each figure delivered more than once (the latest refresh, then the earliest file); refuse two
    values of one refresh. Returns the source rows kept, and those dropped as identical copies or superseded."""
    key = ", ".join(FIGURE_KEY)
    conflict = con.execute(
        f"""
        SELECT sub_account_id, billing_period_start, coalesce(region_id, any_value(region_name), '(no region)'),
               coalesce(service_name, '(no service)') || coalesce(', resource ' || resource_id, ''), scope,
               coalesce(method, ''),
               arg_min(x_source_file || ' data row ' || x_row, list_position($files, x_source_file) * 1e12 + x_row),
               arg_max(x_source_file || ' data row ' || x_row, list_position($files, x_source_file) * 1e12 + x_row)
        FROM new_figures GROUP BY {key}, x_refreshed_at HAVING count(DISTINCT kgco2e) > 1
        ORDER BY ALL LIMIT 1
        """,
        {"files": files},
    ).fetchall()
    if conflict:
        account, month, region, service, scope, method, first, second = conflict[0]
        raise InputError(f"{second}: gives account {account}, {month:%Y-%m}, {region}, {service}, {scope} "
                         f"{method + '-based ' if method else ''}emissions another value than {first}, with the same "
                         "refresh time; ingest one delivery of the export")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE figure_fate AS
        SELECT figure, x_source_file, x_row, rank > 1 AS dropped,
               x_refreshed_at IS NOT DISTINCT FROM kept_refresh AS same_refresh
        FROM (SELECT rowid AS figure, x_source_file, x_row, x_refreshed_at,
                     row_number() OVER figure AS rank, first_value(x_refreshed_at) OVER figure AS kept_refresh
              FROM new_figures
              WINDOW figure AS (PARTITION BY {key}
                                ORDER BY x_refreshed_at DESC NULLS LAST, list_position($files, x_source_file), x_row))
        """,
        {"files": files},
    )
    kept, duplicates, superseded = con.execute(
        """
        SELECT count(*) FILTER (WHERE NOT all_dropped),
               count(*) FILTER (WHERE all_dropped AND same_refresh),
               count(*) FILTER (WHERE all_dropped AND NOT same_refresh)
        FROM (SELECT bool_and(dropped) AS all_dropped, bool_and(same_refresh) AS same_refresh
              FROM figure_fate GROUP BY x_source_file, x_row)
        """
    ).fetchall()[0]
    con.execute("DELETE FROM new_figures WHERE rowid IN (SELECT figure FROM figure_fate WHERE dropped)")
    con.execute("DROP TABLE figure_fate")
    return kept, duplicates, superseded


def record_periods(con: duckdb.DuckDBPyConnection, ingest_id: str) -> list[Period]:
    """Log the (provider, account, month) this ingest holds, then delete earlier ingests' figures of them."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE provider_scope AS
        SELECT provider_name, sub_account_id, billing_period_start, count(*) AS rows_kept
        FROM provider_emissions WHERE x_ingest_id = $id GROUP BY ALL
        """,
        {"id": ingest_id},
    )
    con.execute(
        """
        INSERT INTO provider_ingest_periods
        SELECT $id, s.provider_name, s.sub_account_id, s.billing_period_start, s.rows_kept, coalesce(r.replaced, 0)
        FROM provider_scope s
        LEFT JOIN (SELECT provider_name, sub_account_id, billing_period_start, count(*) AS replaced
                   FROM provider_emissions SEMI JOIN provider_scope USING (provider_name, sub_account_id,
                                                                           billing_period_start)
                   WHERE x_ingest_id <> $id GROUP BY ALL) r
            USING (provider_name, sub_account_id, billing_period_start)
        """,
        {"id": ingest_id},
    )
    con.execute(
        """
        DELETE FROM provider_emissions
        WHERE x_ingest_id <> $id AND (provider_name, sub_account_id, billing_period_start) IN (
            SELECT (provider_name, sub_account_id, billing_period_start) FROM provider_scope)
        """,
        {"id": ingest_id},
    )
    con.execute("DROP TABLE provider_scope")
    rows = con.execute(
        """
        SELECT provider_name, sub_account_id, billing_period_start, rows_kept, rows_replaced
        FROM provider_ingest_periods WHERE ingest_id = $id ORDER BY ALL
        """,
        {"id": ingest_id},
    ).fetchall()
    return [Period(*row) for row in rows]


def move_staged(con: duckdb.DuckDBPyConnection, ingest_id: str) -> list[Period]:
    """Inside the store's transaction (staging.py): the figures a scratch store attached as `staged` holds, moved
    in, replacing earlier ingests' figures of their (provider, account, month). No figures: nothing to do."""
    if not con.execute("SELECT count(*) FROM staged.provider_ingests WHERE ingest_id = $id",
                       {"id": ingest_id}).fetchall()[0][0]:
        return []
    con.execute("INSERT INTO provider_emissions BY NAME SELECT * FROM staged.provider_emissions")
    periods = record_periods(con, ingest_id)
    con.execute("INSERT INTO provider_ingests BY NAME SELECT * REPLACE (now() AS finished_at) "
                "FROM staged.provider_ingests")
    return periods
