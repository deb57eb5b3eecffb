"""`cloudcarbon ingest focus`: parse the options, call the connector, print its summary."""

from __future__ import annotations

import click

from cloudcarbon.cli_options import EPILOG, db_option, store_path
from cloudcarbon.connectors.focus.ingest import ingest_focus
from cloudcarbon.staging import ingest_staged


@click.command("focus", epilog=EPILOG)
@click.argument("sources", nargs=-1, required=True)
@click.option("--profile", help="AWS profile for s3:// sources (default: the boto3 credential chain).")
@db_option
@click.pass_context
def ingest_focus_command(ctx: click.Context, sources: tuple[str, ...], profile: str | None, db: str | None) -> None:
    """Ingest FOCUS 1.0 to 1.4 exports from any provider (AWS Data Exports FOCUS tables, Azure
    FocusCost, GCP's FOCUS view), CSV (also .gz) or Parquet; the version is recognised from the columns.

    SOURCES are files, globs, folders or s3://, gs://, az:// URLs. Usage rows only; ServiceProviderName
    (ProviderName before FOCUS 1.3) picks the coefficient tables, and a provider without tables is kept with its
    cost and listed by `unknowns`. A HostProviderName other than the service provider is kept as the tag
    x_HostProviderName; allocated rows (FOCUS 1.3 split cost allocation) keep their pod and its tags as tags
    (x_AllocatedResourceName, `unallocated` for the unused rest). Re-ingesting a billing period replaces it.

    \b
    Example:
        cloudcarbon ingest focus ./exports/focus/2026-09/
        cloudcarbon ingest focus s3://billing-bucket/focus/ --profile billing
    """
    summary = ingest_staged(store_path(ctx, db), lambda con: ingest_focus(con, list(sources), profile=profile))
    click.echo(summary.line(), err=True)
