"""`cloudcarbon ingest aws-carbon`: parse the options, call the connector, print its summary."""

from __future__ import annotations

import click

from cloudcarbon.cli_options import EPILOG, db_option, store_path
from cloudcarbon.connectors.aws_carbon.ingest import ingest_aws_carbon
from cloudcarbon.staging import ingest_staged


@click.command("aws-carbon", epilog=EPILOG)
@click.argument("sources", nargs=-1, required=True)
@click.option("--profile", help="AWS profile for s3:// sources (default: the boto3 credential chain).")
@db_option
@click.pass_context
def ingest_aws_carbon_command(ctx: click.Context, sources: tuple[str, ...], profile: str | None,
                              db: str | None) -> None:
    """Ingest AWS's own reported emissions: the Data Exports carbon emissions table (CARBON_EMISSIONS, the
    Customer Carbon Footprint Tool's figures), CSV (also .gz, .zip) or Parquet.

    SOURCES are files, globs, folders or s3:// URLs. The location- and market-based totals of every account,
    region, service and month are stored in kg CO2e beside the export's own value and unit, apart from usage:
    `cloudcarbon reconcile` sets them beside our estimate. Re-ingesting an account's month replaces it.

    \b
    Example:
        cloudcarbon ingest aws-carbon ./carbon-export/data/
        cloudcarbon ingest aws-carbon s3://billing-bucket/carbon/ --profile billing
    """
    summary = ingest_staged(store_path(ctx, db), lambda con: ingest_aws_carbon(con, list(sources), profile=profile))
    click.echo(summary.line(), err=True)
