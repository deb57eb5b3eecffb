"""BigQuery for the connectors that read a table in place (`ingest gcp --table`, `ingest gcp-carbon --table`):
the table name checked before anything else, a client on Application Default Credentials, and one parameterised
query run with bounded retries, every failure a line naming the table."""

from __future__ import annotations

import re

from cloudcarbon.errors import CloudcarbonError, InputError, UsageError

# project (optionally domain-scoped, `example.com:proj`) . dataset . table
TABLE_NAME = re.compile(r"^(?:[a-z0-9.-]+:)?[a-z][a-z0-9-]{4,29}\.[A-Za-z0-9_]{1,1024}\.[A-Za-z0-9_$-]{1,1024}$")
ADC_HELP = (
    "run `gcloud auth application-default login` or set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file"
)
# Bounded retries: google-cloud-bigquery retries 5xx, 429 and dropped connections with exponential backoff
# (1 s, doubling to 60 s) until a deadline, and re-runs a failed query job until a longer one. Its defaults
# (10 and 40 minutes) are long for a command; after these the ingest ends in one line naming the table.
RETRY_DEADLINES = {"request": 300.0, "job": 600.0}


def checked_table(table: str, example: str) -> str:
    """`table` if it is a BigQuery project.dataset.table name (it is quoted into SQL as an identifier)."""
    if not TABLE_NAME.match(table):
        raise UsageError(f"--table {table!r}: expected project.dataset.table, e.g. {example}")
    return table


def client_for(billing_project: str | None, table: str) -> object:
    """A BigQuery client on Application Default Credentials, billing the job to billing_project (default: the
    table's project)."""
    try:
        from google.cloud import bigquery
    except ImportError:
        raise CloudcarbonError("--table needs the GCP extra: pip install 'cloudcarbon[gcp]'") from None
    import google.auth.exceptions

    project = billing_project or table.split(".")[0].split(":")[-1]
    try:
        return bigquery.Client(project=project)
    except google.auth.exceptions.DefaultCredentialsError:
        raise InputError(f"--table: no Google Application Default Credentials found; {ADC_HELP}") from None


def run_query(client: object, table: str, sql: str, parameters: list[tuple[str, str, object]]) -> object:
    """Run `sql` (named parameters: (name, BigQuery type, value)) and return the result as an Arrow table."""
    from google.api_core import exceptions as api
    from google.cloud import bigquery
    from google.cloud.bigquery.retry import DEFAULT_JOB_RETRY, DEFAULT_RETRY

    config = bigquery.QueryJobConfig(query_parameters=[
        bigquery.ScalarQueryParameter(name, kind, value) for name, kind, value in parameters])
    try:
        rows = client.query_and_wait(
            sql, job_config=config,
            retry=DEFAULT_RETRY.with_deadline(RETRY_DEADLINES["request"]),
            job_retry=DEFAULT_JOB_RETRY.with_deadline(RETRY_DEADLINES["job"]),
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
