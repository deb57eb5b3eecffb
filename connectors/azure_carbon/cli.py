"""`cloudcarbon ingest azure-carbon`: parse the options, call the connector, print its summary."""

from __future__ import annotations

import click

from cloudcarbon.cli_options import EPILOG, db_option, store_path
from cloudcarbon.staging import ingest_staged


@click.command("azure-carbon", epilog=EPILOG)
@click.argument("sources", nargs=-1)
@click.option("--scope", help="Read from the Carbon Optimization API instead of files: /subscriptions/ID (several "
              "separated by commas); needs --month.")
@click.option("--month", help="The month reported, YYYY-MM: with --scope, the month to read; with SOURCES, for "
              "responses saved without their request (item-detail items carry no date).")
@click.option("--carbon-scopes", help="With SOURCES saved without their request: the carbonScopeList the report "
              "asked for, e.g. Scope1,Scope2,Scope3.")
@db_option
@click.pass_context
def ingest_azure_carbon_command(ctx: click.Context, sources: tuple[str, ...], scope: str | None, month: str | None,
                                carbon_scopes: str | None, db: str | None) -> None:
    """Ingest Microsoft's own reported Azure emissions: Carbon Optimization's emissions reports
    (carbonEmissionReports, item details by resource or subscription), as the REST API returns them (JSON, the
    response alone or beside its request) or as CSV with the API's field names, or read from the API with --scope.

    SOURCES are files, globs, folders or az:// URLs. Each resource's kg CO2e is stored as reported, with its
    subscription, region, resource type and the carbon scopes it covers, apart from usage: `cloudcarbon reconcile`
    sets them beside our estimate. Microsoft's scope 2 is market-based. Re-ingesting a subscription's month replaces
    it. With --scope, DefaultAzureCredential signs in (`az login`, a service principal's AZURE_* variables or a
    managed identity) and needs the Carbon Optimization Reader role.

    \b
    Example:
        cloudcarbon ingest azure-carbon --scope /subscriptions/00000000-0000-0000-0000-000000000000 --month 2025-06
        cloudcarbon ingest azure-carbon ./carbon-reports/
        cloudcarbon ingest azure-carbon body.json --month 2025-06 --carbon-scopes Scope1,Scope2,Scope3
    """
    from cloudcarbon.periods import parse_month

    if scope and sources:
        raise click.UsageError("give SOURCES or --scope, not both")
    if not scope and not sources:
        raise click.UsageError("give SOURCES (files, folders, globs, az:// URLs) or --scope /subscriptions/ID "
                               "--month YYYY-MM")
    first = f"{parse_month(month):%Y-%m-%d}" if month else None
    if scope:
        from cloudcarbon.connectors.azure_carbon.api import ingest_api
        from cloudcarbon.periods import window

        if carbon_scopes:
            raise click.UsageError("--carbon-scopes applies to SOURCES: --scope reads every scope")
        if not month:
            raise click.UsageError("--scope needs --month YYYY-MM")
        span = window(month)
        summary = ingest_staged(store_path(ctx, db), lambda con: ingest_api(con, window=span, scope=scope))
    else:
        from cloudcarbon.connectors.azure_carbon.ingest import carbon_scopes as parse_scopes
        from cloudcarbon.connectors.azure_carbon.ingest import ingest_azure_carbon

        scopes = parse_scopes(carbon_scopes)
        summary = ingest_staged(store_path(ctx, db), lambda con: ingest_azure_carbon(
            con, list(sources), month=first, scopes=scopes))
    click.echo(summary.line(), err=True)
