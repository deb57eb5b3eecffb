"""`cloudcarbon ingest gcp`: parse the options, call the connector, print its summary."""

from __future__ import annotations

import click

from cloudcarbon.cli_options import EPILOG, db_option, period_options, store_path
from cloudcarbon.staging import ingest_staged


@click.command("gcp", epilog=EPILOG)
@click.argument("sources", nargs=-1)
@click.option("--table", help="BigQuery billing export table, project.dataset.table (instead of SOURCES).")
@click.option("--billing-project", help="Project that runs (and pays for) the BigQuery job [default: the table's].")
@click.option("--project", help="Project for gs:// access (default: from the credentials).")
@click.option("--catalog/--no-catalog", default=None,
              help="Classify unplaced SKUs with the Cloud Catalog API [default: when ADC is configured].")
@period_options
@db_option
@click.pass_context
def ingest_gcp_command(ctx: click.Context, sources: tuple[str, ...], table: str | None, billing_project: str | None,
                       project: str | None, catalog: bool | None, month: str | None, since: str | None,
                       until: str | None, db: str | None) -> None:
    """Ingest the GCP Cloud Billing export (standard or detailed/resource-level).

    SOURCES are files exported from the billing table (CSV, JSON lines, Parquet; .gz too), globs, folders
    or gs://bucket/prefix URLs. With --table, the aggregate (per day, project, region, service, SKU, machine
    type) runs in BigQuery on Application Default Credentials and only it is loaded; --month or
    --since/--until pick the invoice months. Re-ingesting a billing account's month replaces it.

    \b
    Example:
        cloudcarbon ingest gcp ./billing-export/*.jsonl
        cloudcarbon ingest gcp gs://billing-exports/2025-01/
        cloudcarbon ingest gcp --table my-proj.billing.gcp_billing_export_v1_0123AB_4567CD_89EF01 \\
            --month 2025-01
    """
    if table and sources:
        raise click.UsageError("give SOURCES or --table, not both")
    if not table and not sources:
        raise click.UsageError("give SOURCES (files, folders, globs, gs:// URLs) or --table project.dataset.table")
    if not table and (month or since or until or billing_project):
        raise click.UsageError("--month/--since/--until and --billing-project apply to --table only")
    if table:
        from cloudcarbon.connectors.gcp.bigquery import ingest_gcp_bigquery
        from cloudcarbon.periods import window

        span = window(month, since, until)
        summary = ingest_staged(store_path(ctx, db), lambda con: ingest_gcp_bigquery(
            con, table, window=span, billing_project=billing_project, use_catalog=catalog))
    else:
        from cloudcarbon.connectors.gcp.ingest import ingest_gcp

        summary = ingest_staged(store_path(ctx, db), lambda con: ingest_gcp(
            con, list(sources), project=project, use_catalog=catalog))
    click.echo(summary.line(), err=True)
