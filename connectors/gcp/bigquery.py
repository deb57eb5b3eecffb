"""`cloudcarbon ingest gcp --table`: run the aggregate in BigQuery, load only the aggregate (through Arrow).

The aggregate is gcp/aggregate.sql, written once in DuckDB SQL and transpiled to
BigQuery with sqlglot. Values travel as query parameters; the table name, an identifier, is checked
against BigQuery's naming rules and quoted. Application Default Credentials authenticate.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import duckdb

from cloudcarbon.coefficients import loader
from cloudcarbon.connectors.base import connector_sql
from cloudcarbon.connectors.file_ingest import BAD_VALUE
from cloudcarbon.connectors.gcp import catalog
from cloudcarbon.connectors.gcp.ingest import GcpBilling
from cloudcarbon.errors import CloudcarbonError, InputError, UsageError
from cloudcarbon.ingest import Batch, IngestSummary, load
from cloudcarbon.periods import Window

# project (optionally domain-scoped, `example.com:proj`) . dataset . table
TABLE_NAME = re.compile(r"^(?:[a-z0-9.-]+:)?[a-z][a-z0-9-]{4,29}\.[A-Za-z0-9_]{1,1024}\.[A-Za-z0-9_$-]{1,1024}$")
# Rows reach the partition (export day) a little after their usage hour: widen the partition scan.
PARTITION_SLACK = timedelta(days=3)
AGGREGATE_VIEW = "gcp_bigquery_aggregate"
# Bounded retries: google-cloud-bigquery retries 5xx, 429 and dropped connections with exponential backoff
# (1 s, doubling to 60 s) until a deadline, and re-runs a failed query job until a longer one. Its defaults
# (10 and 40 minutes) are long for a command; after these the ingest ends in one line naming the table.
BIGQUERY_RETRY_DEADLINES = {"request": 300.0, "job": 600.0}


def aggregate_sql(table: str) -> str:
    """The BigQuery text of the aggregate over `table` (named parameters @scan_start, @first_month, @last_month)."""
    import sqlglot
    from sqlglot import exp

    if not TABLE_NAME.match(table):
        raise UsageError(f"--table {table!r}: expected project.dataset.table, e.g. "
                         "my-proj.billing.gcp_billing_export_resource_v1_0123AB_4567CD_89EF01")
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


def bigquery_client(billing_project: str | None, table: str) -> object:
    """A BigQuery client on Application Default Credentials, billing the job to billing_project."""
    try:
        from google.cloud import bigquery
    except ImportError:
        raise CloudcarbonError("--table needs the GCP extra: pip install 'cloudcarbon[gcp]'") from None
    import google.auth.exceptions

    project = billing_project or table.split(".")[0].split(":")[-1]
    try:
        return bigquery.Client(project=project)
    except google.auth.exceptions.DefaultCredentialsError:
        raise InputError(f"--table: no Google Application Default Credentials found; {catalog.ADC_HELP}") from None


def fetch_aggregate(client: object, table: str, window: Window) -> object:
    """Run the aggregate in BigQuery and return it as an Arrow table."""
    from google.api_core import exceptions as api
    from google.cloud import bigquery

    scan_start, first_month, last_month = invoice_months(window)
    config = bigquery.QueryJobConfig(query_parameters=[
        bigquery.ScalarQueryParameter("scan_start", "TIMESTAMP", scan_start.replace(tzinfo=UTC)),
        bigquery.ScalarQueryParameter("first_month", "STRING", first_month),
        bigquery.ScalarQueryParameter("last_month", "STRING", last_month),
    ])
    from google.cloud.bigquery.retry import DEFAULT_JOB_RETRY, DEFAULT_RETRY

    try:
        rows = client.query_and_wait(
            aggregate_sql(table), job_config=config,
            retry=DEFAULT_RETRY.with_deadline(BIGQUERY_RETRY_DEADLINES["request"]),
            job_retry=DEFAULT_JOB_RETRY.with_deadline(BIGQUERY_RETRY_DEADLINES["job"]),
        )
        return rows.to_arrow(create_bqstorage_client=False)
    except api.RetryError as error:  # not a GoogleAPICallError: the deadline passed while retrying
        cause = error
        while isinstance(cause, api.RetryError) and cause.cause is not None:
            cause = cause.cause
        last = getattr(cause, "message", None) or (str(cause).splitlines() or [cause.__class__.__name__])[0]
        raise InputError(f"BigQuery {table}: still failing after retries ({last}); check the network and the "
                         "BigQuery status, then retry") from None
    except api.GoogleAPICallError as error:
        message = getattr(error, "message", None) or str(error).splitlines()[0]
        raise InputError(f"BigQuery {table}: {message}; check the table name and that the credentials may read "
                         "it and run jobs in the billing project") from None


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
    arrow = fetch_aggregate(client or bigquery_client(billing_project, table), table, window)
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
