"""`cloudcarbon ingest aws-carbon`: parse the options, call the connector, print its summary."""

from __future__ import annotations

import click

from cloudcarbon.cli_options import EPILOG, db_option, period_options, store_path
from cloudcarbon.connectors.aws_carbon.ingest import ingest_aws_carbon
from cloudcarbon.staging import ingest_staged


@click.command("aws-carbon", epilog=EPILOG)
@click.argument("sources", nargs=-1)
@click.option("--profile", help="AWS profile for s3:// sources and --api (default: the boto3 credential chain).")
@click.option("--api", is_flag=True,
              help="Read the period from the AWS Sustainability API (GetEstimatedCarbonEmissions) instead of files.")
@click.option("--region", help="With --api: the region of the API's endpoint (default: the profile's, else us-east-1).")
@period_options
@db_option
@click.pass_context
def ingest_aws_carbon_command(ctx: click.Context, sources: tuple[str, ...], profile: str | None, api: bool,
                              region: str | None, month: str | None, since: str | None, until: str | None,
                              db: str | None) -> None:
    """Ingest AWS's own reported emissions: the Data Exports carbon emissions table (CARBON_EMISSIONS, the
    Customer Carbon Footprint Tool's figures), CSV (also .gz, .zip) or Parquet, or with --api the AWS
    Sustainability API (totals and scopes 1, 2, 3 by method).

    SOURCES are files, globs, folders or s3:// URLs. The figures of every account, region, service and month are
    stored in kg CO2e beside the value and unit reported, apart from usage: `cloudcarbon reconcile` sets them
    beside our estimate. Re-ingesting an account's month replaces it.

    \b
    Example:
        cloudcarbon ingest aws-carbon ./carbon-export/data/
        cloudcarbon ingest aws-carbon s3://billing-bucket/carbon/ --profile billing
        cloudcarbon ingest aws-carbon --api --month 2025-06 --profile billing
    """
    from cloudcarbon.periods import window

    if api:
        if sources:
            raise click.UsageError("--api takes no SOURCES")
        from cloudcarbon.connectors.aws_carbon.api import ingest_api

        span = window(month, since, until)
        summary = ingest_staged(store_path(ctx, db), lambda con: ingest_api(con, window=span, profile=profile,
                                                                            region=region))
    else:
        used = [name for name, value in {"--region": region, "--month": month, "--since": since,
                                         "--until": until}.items() if value]
        if not sources or used:
            raise click.UsageError(f"{used[0]} needs --api" if used else "give SOURCES (files, folders, s3:// URLs) "
                                   "or --api with --month")
        summary = ingest_staged(store_path(ctx, db), lambda con: ingest_aws_carbon(con, list(sources),
                                                                                   profile=profile))
    click.echo(summary.line(), err=True)
