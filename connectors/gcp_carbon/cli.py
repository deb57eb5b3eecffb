"""`cloudcarbon ingest gcp-carbon`: parse the options, call the connector, print its summary."""

from __future__ import annotations

import click

from cloudcarbon.cli_options import EPILOG, db_option, store_path
from cloudcarbon.staging import ingest_staged


@click.command("gcp-carbon", epilog=EPILOG)
@click.argument("sources", nargs=-1)
@click.option("--table", help="The Carbon Footprint export table in BigQuery, project.dataset.table (instead of "
              "SOURCES); needs --month.")
@click.option("--month", help="With --table: the month to read, YYYY-MM.")
@click.option("--billing-project", help="Project that runs (and pays for) the BigQuery job [default: the table's].")
@db_option
@click.pass_context
def ingest_gcp_carbon_command(ctx: click.Context, sources: tuple[str, ...], table: str | None, month: str | None,
                              billing_project: str | None, db: str | None) -> None:
    """Ingest Google Cloud's own reported emissions: the Carbon Footprint BigQuery export, exported as CSV,
    Parquet or newline-delimited JSON (nested fields as BigQuery writes them, or flattened with dots or
    underscores in a CSV), or read in BigQuery with --table and --month.

    SOURCES are files, globs, folders or gs:// URLs. Scope 1, scope 2 (location- and market-based), scope 3 and
    the totals of every project, region, service and month are stored in kg CO2e, apart from usage:
    `cloudcarbon reconcile` sets them beside our estimate. Re-ingesting a project's month replaces it. With
    --table, Application Default Credentials authenticate and only the month asked is scanned.

    \b
    Example:
        cloudcarbon ingest gcp-carbon --table my-project.carbon.carbon_footprint --month 2025-01
        bq extract --destination_format PARQUET my-project:carbon.carbon_footprint gs://bucket/carbon/*.parquet
        cloudcarbon ingest gcp-carbon gs://bucket/carbon/
        cloudcarbon ingest gcp-carbon ./carbon_footprint.csv
    """
    if table and sources:
        raise click.UsageError("give SOURCES or --table, not both")
    if not table and not sources:
        raise click.UsageError("give SOURCES (files, folders, globs, gs:// URLs) or --table project.dataset.table "
                               "--month YYYY-MM")
    if not table and (month or billing_project):
        raise click.UsageError("--month and --billing-project apply to --table only")
    if table:
        from cloudcarbon.connectors.gcp_carbon.bigquery import ingest_gcp_carbon_bigquery
        from cloudcarbon.periods import window

        if not month:
            raise click.UsageError("--table needs --month YYYY-MM: BigQuery bills by the bytes a query scans")
        span = window(month)
        summary = ingest_staged(store_path(ctx, db), lambda con: ingest_gcp_carbon_bigquery(
            con, table, window=span, billing_project=billing_project))
    else:
        from cloudcarbon.connectors.gcp_carbon.ingest import ingest_gcp_carbon

        summary = ingest_staged(store_path(ctx, db), lambda con: ingest_gcp_carbon(con, list(sources)))
    click.echo(summary.line(), err=True)
