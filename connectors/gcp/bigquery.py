"""`cloudcarbon ingest gcp --table`: run the aggregate in BigQuery, load only the aggregate (through Arrow).

The aggregate is gcp/aggregate.sql, written once in DuckDB SQL and transpiled to
BigQuery with sqlglot. Values travel as query parameters; the table name, an identifier, is checked
against BigQuery's naming rules and quoted. Application Default Credentials authenticate.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb

from cloudcarbon.coefficients import loader
from cloudcarbon.connectors import bigquery_runner
from cloudcarbon.connectors.base import connector_sql
from cloudcarbon.connectors.file_ingest import BAD_VALUE
from cloudcarbon.connectors.gcp import catalog
from cloudcarbon.connectors.gcp.ingest import GcpBilling
from cloudcarbon.errors import InputError, UsageError
from cloudcarbon.ingest import Batch, IngestSummary, load
from cloudcarbon.periods import Window

# Rows reach the partition (export day) a little after their usage hour: widen the partition scan.
PARTITION_SLACK = timedelta(days=3)
AGGREGATE_VIEW = "gcp_bigquery_aggregate"
EXAMPLE_TABLE = "my-proj.billing.gcp_billing_export_resource_v1_0123AB_4567CD_89EF01"


def aggregate_sql(table: str) -> str:
    """The BigQuery text of the aggregate over `table` (named parameters @scan_start, @first_month, @last_month)."""
    import sqlglot
    from sqlglot import exp

    bigquery_runner.checked_table(table, EXAMPLE_TABLE)
    tree = sqlglot.parse_one(connector_sql(__package__, "aggregate"), read="duckdb")
    tree = tree.transform(
        lambda node: exp.Table(this=exp.to_identifier(table, quoted=True))
        if isinstance(node, exp.Table) and node.name == "billing_export" else node
    )
    return tree.sql(dialect="bigquery", comments=False)


def invoice_months(window: Window, today: datetime | None = None) -> tuple[datetime, str, str]:
    """(scan start, first and last invoice month YYYYMM) covering the window, widened to whole months."""
    if window.since is None:
        raise UsageError("--table needs --month YYYY-MM or --since DATE: scanning the whole billing table is costly")
    first = window.since.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    last_day = (window.until - timedelta(microseconds=1)) if window.until else (today or datetime.now(UTC))
    return first - PARTITION_SLACK, f"{first:%Y%m}", f"{last_day:%Y%m}"


def fetch_aggregate(client: object, table: str, window: Window) -> object:
    """Run the aggregate in BigQuery and return it as an Arrow table."""
    scan_start, first_month, last_month = invoice_months(window)
    return bigquery_runner.run_query(client, table, aggregate_sql(table), [
        ("scan_start", "TIMESTAMP", scan_start.replace(tzinfo=UTC)),
        ("first_month", "STRING", first_month),
        ("last_month", "STRING", last_month),
    ])


def ingest_gcp_bigquery(
    con: duckdb.DuckDBPyConnection,
    table: str,
    *,
    window: Window,
    billing_project: str | None = None,
    client: object | None = None,
    use_catalog: bool | None = None,
    catalog_client: object | None = None,
    progress: bool | None = None,
) -> IngestSummary:
    """Ingest the invoice months `window` covers from the BigQuery billing export `table`."""
    aggregate_sql(table)  # a malformed name or a missing period fails before any credential lookup
    invoice_months(window)
    arrow = fetch_aggregate(client or bigquery_runner.client_for(billing_project, table), table, window)
    source = f"bigquery://{table}"
    loader.register(con)
    con.register(AGGREGATE_VIEW, arrow)
    try:
        source_sql = (f"SELECT *, NULL AS location_zone, NULL AS resource_id, NULL AS resource_name, "
                      "NULL::MAP(VARCHAR, VARCHAR) AS tags, "
                      f"$source AS source_file FROM {AGGREGATE_VIEW}")
        params = {"source": source}
        rows_read = con.execute(f"SELECT count(*) FROM ({source_sql})", params).fetchall()[0][0]
        if rows_read == 0:
            raise InputError(f"BigQuery {table}: no billing rows for invoice months {window.label()}; "
                             "check --month/--since and that the export is running")
        catalog.register_sku_groups(con, [(source_sql, params)], use_catalog=use_catalog, client=catalog_client)
        rows = GcpBilling()
        try:
            return load(con, provider=rows.provider, source_format="gcp-bigquery-aggregate", files=[source],
                        batches=[Batch(rows.normalize(source_sql), params, rows_read)], progress=progress)
        except BAD_VALUE:
            located = rows.first_bad_value(con, source_sql, params, lambda _, column: column)
            if located:
                raise InputError(located) from None
            raise
    finally:
        con.unregister(AGGREGATE_VIEW)
