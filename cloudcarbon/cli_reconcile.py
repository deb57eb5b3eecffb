"""`cloudcarbon reconcile`: our footprint beside the provider's own reported emissions, the gap explained."""

from __future__ import annotations

import click

from cloudcarbon.cli_options import EPILOG, db_option, output_options, store_path


@click.command("reconcile", epilog=EPILOG)
@click.option("--month", required=True, help="The month to compare, YYYY-MM.")
@click.option("--provider", help="Only this provider: aws, gcp or azure.")
@click.option("--by", default="provider,account,region,service", show_default=True,
              help="Comma-separated groupings: provider, account, region, service.")
@output_options
@db_option
@click.pass_context
def reconcile_command(ctx: click.Context, month: str, provider: str | None, by: str, fmt: str, output: str | None,
                      db: str | None) -> None:
    """Our footprint beside the provider's own reported emissions (ingested with `ingest aws-carbon`): per group,
    our total with its range, their location- and market-based figures, the ratio, whether theirs lies inside our
    range, and the difference split into named parts (scope 3 we count and they do not, groups only one side
    has, and the unexplained rest).

    \b
    Example:
        cloudcarbon ingest aws-carbon ./carbon-export/
        cloudcarbon reconcile --month 2025-01 --provider aws
        cloudcarbon reconcile --month 2025-01 --by service --format csv -o reconcile.csv
    """
    from cloudcarbon.output import emit, provenance
    from cloudcarbon.reconcile import COMPARED, TABLE_COLUMNS, parse_by, reconcile
    from cloudcarbon.store import open_store

    with open_store(store_path(ctx, db), read_only=True) as con:
        frame = reconcile(con, month=month, provider=provider, by=by)
    meta = provenance(command="reconcile", period=month, by=by, provider=provider,
                      method="METHODOLOGY.md, 'Provider-reported emissions'",
                      compared=COMPARED)
    emit(frame, fmt, output, meta=meta, title=f"cloudcarbon reconcile — {month}",
         table_columns={**{key: key for key in parse_by(by)}, **TABLE_COLUMNS})
