"""`cloudcarbon ingest aws`: parse the options, call the connector, print its summary."""

from __future__ import annotations

import click

from cloudcarbon.cli_options import EPILOG, db_option, store_path
from cloudcarbon.connectors.aws.ingest import ingest_aws
from cloudcarbon.store import open_store


@click.command("aws", epilog=EPILOG)
@click.argument("sources", nargs=-1, required=True)
@click.option("--profile", help="AWS profile for s3:// sources (default: the boto3 credential chain).")
@db_option
@click.pass_context
def ingest_aws_command(ctx: click.Context, sources: tuple[str, ...], profile: str | None, db: str | None) -> None:
    """Ingest AWS Cost and Usage Reports: legacy CUR (CSV, Parquet/Athena) or CUR 2.0 (Parquet, CSV).

    SOURCES are files, globs, folders, CUR manifest JSON files or s3://bucket/prefix URLs; where
    manifests are present they pick the current files of each billing period. Re-ingesting a
    period replaces it.

    \b
    Example:
        cloudcarbon ingest aws ./exports/cur2/*.parquet
        cloudcarbon ingest aws s3://billing-bucket/cur/my-report/ --profile billing
    """
    with open_store(store_path(ctx, db)) as con:
        summary = ingest_aws(con, list(sources), profile=profile)
    click.echo(summary.line(), err=True)
