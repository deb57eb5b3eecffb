"""`cloudcarbon ingest onprem`: parse the options, call the connector, print its summary."""

from __future__ import annotations

import click

from cloudcarbon.cli_options import EPILOG, db_option, store_path
from cloudcarbon.connectors.onprem.ingest import DEFAULT_INVENTORY, ingest_onprem
from cloudcarbon.staging import ingest_staged


@click.command("onprem", epilog=EPILOG)
@click.argument("sources", nargs=-1, required=True)
@click.option("--inventory", default=DEFAULT_INVENTORY, show_default=True,
              help="Name of this inventory (e.g. one per data centre). Re-ingesting the same inventory and "
                   "month replaces it.")
@db_option
@click.pass_context
def ingest_onprem_command(ctx: click.Context, sources: tuple[str, ...], inventory: str, db: str | None) -> None:
    """Ingest on-premises server inventories: CSV, one row per server and month.

    \b
    Required columns: server, month (YYYY-MM), hours (powered on that month), location (Electricity
    Maps zone id or name: DE, FR, US-CAL-CISO; see `cloudcarbon coefficients zones`), vcpus (logical
    CPUs, i.e. hardware threads).
    Optional: cpu_model or microarchitecture, memory_gib, sockets, gpu_model, gpu_count, ssds, hdds,
    pue (site; default the Uptime Institute survey average), embodied_kgco2e (replaces the component
    model), site, account, model, cost and currency, and tag:KEY columns.

    \b
    Example:
        cloudcarbon ingest onprem ./inventory-2026-09.csv --inventory dc-frankfurt
    """
    summary = ingest_staged(store_path(ctx, db), lambda con: ingest_onprem(con, list(sources), inventory=inventory))
    click.echo(summary.line(), err=True)
