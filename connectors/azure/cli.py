"""`cloudcarbon ingest azure`: parse the options, call the connector, print its summary."""

from __future__ import annotations

import click

from cloudcarbon.cli_options import EPILOG, db_option, period_options, store_path
from cloudcarbon.connectors.azure.consumption import METRICS, ingest_consumption
from cloudcarbon.connectors.azure.ingest import ingest_azure
from cloudcarbon.periods import window
from cloudcarbon.staging import ingest_staged


@click.command("azure", epilog=EPILOG)
@click.argument("sources", nargs=-1)
@click.option("--scope", help="Read the Consumption API for this ARM scope, e.g. /subscriptions/<id>, "
                               "instead of export files (needs --month or --since/--until).")
@period_options
@click.option("--metric", type=click.Choice(METRICS), default="actualcost", show_default=True,
              help="Cost view of the Consumption API records.")
@db_option
@click.pass_context
def ingest_azure_command(ctx: click.Context, sources: tuple[str, ...], scope: str | None, month: str | None,
                         since: str | None, until: str | None, metric: str, db: str | None) -> None:
    """Ingest Azure Cost Management exports (EA, MCA or legacy usage; actual or amortized; CSV or
    Parquet) or, with --scope, usage records from the Consumption API.

    SOURCES are files, globs, folders, export manifest.json files, or az://container/prefix and
    abfs:// URLs (adlfs; AZURE_STORAGE_CONNECTION_STRING, else AZURE_STORAGE_ACCOUNT_NAME with
    DefaultAzureCredential). Where manifests are present, only the newest run of each export is read.
    Re-ingesting a billing period replaces it.

    \b
    Example:
        cloudcarbon ingest azure ./exports/costs/ActualCost_202509.csv
        cloudcarbon ingest azure az://cost-exports/daily/ --db team.duckdb
        cloudcarbon ingest azure --scope /subscriptions/<id> --month 2025-09
    """
    if bool(sources) == bool(scope):
        raise click.UsageError("give export SOURCES or --scope (not both)")
    if sources and (month or since or until):
        raise click.UsageError("--month/--since/--until apply to --scope; export files carry their own periods")
    if scope:
        span = window(month, since, until)
        summary = ingest_staged(store_path(ctx, db), lambda con: ingest_consumption(con, scope, span, metric=metric))
    else:
        summary = ingest_staged(store_path(ctx, db), lambda con: ingest_azure(con, list(sources)))
    click.echo(summary.line(), err=True)
