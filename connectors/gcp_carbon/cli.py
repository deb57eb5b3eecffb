"""`cloudcarbon ingest gcp-carbon`: parse the options, call the connector, print its summary."""

from __future__ import annotations

import click

from cloudcarbon.cli_options import EPILOG, db_option, store_path
from cloudcarbon.connectors.gcp_carbon.ingest import ingest_gcp_carbon
from cloudcarbon.staging import ingest_staged


@click.command("gcp-carbon", epilog=EPILOG)
@click.argument("sources", nargs=-1, required=True)
@db_option
@click.pass_context
def ingest_gcp_carbon_command(ctx: click.Context, sources: tuple[str, ...], db: str | None) -> None:
    """Ingest Google Cloud's own reported emissions: the Carbon Footprint BigQuery export, exported as CSV,
    Parquet or newline-delimited JSON (nested fields as BigQuery writes them, or flattened with dots or
    underscores in a CSV).

    SOURCES are files, globs, folders or gs:// URLs. Scope 1, scope 2 (location- and market-based), scope 3 and
    the totals of every project, region, service and month are stored in kg CO2e, apart from usage:
    `cloudcarbon reconcile` sets them beside our estimate. Re-ingesting a project's month replaces it.

    \b
    Example:
        bq extract --destination_format PARQUET my-project:carbon.carbon_footprint gs://bucket/carbon/*.parquet
        cloudcarbon ingest gcp-carbon gs://bucket/carbon/
        cloudcarbon ingest gcp-carbon ./carbon_footprint.csv
    """
    summary = ingest_staged(store_path(ctx, db), lambda con: ingest_gcp_carbon(con, list(sources)))
    click.echo(summary.line(), err=True)
