"""`cloudcarbon budget check`: the month's footprint against carbon and cost budgets, failing on a breach so a
pipeline can gate on it."""

from __future__ import annotations

import click

from cloudcarbon.cli_options import EPILOG, db_option, output_options, store_path


@click.group("budget", epilog=EPILOG)
def budget_group() -> None:
    """Carbon and cost budgets per month: per account, service, region, provider or tag value.

    \b
    Example:
        cloudcarbon budget check --config budgets.toml --month 2025-01
    """


@budget_group.command("check", epilog=EPILOG)
@click.option("--config", "config", required=True, type=click.Path(dir_okay=False),
              help="TOML file with [[budgets]] tables (a budgets file, or the run-monthly config).")
@click.option("--month", help="The month to check, YYYY-MM [default: the latest month in the store].")
@output_options
@db_option
@click.pass_context
def budget_check_command(ctx: click.Context, config: str, month: str | None, fmt: str, output: str | None,
                         db: str | None) -> None:
    """Set the month's footprint (total kgCO2e, central and high) and cost beside each budget. Exit code 1 and
    one line per breach on stderr when a group is over its limit, so a pipeline can fail on it; a limit that only
    our high bound exceeds is shown as "at risk" and does not fail.

    \b
    budgets.toml:
        [[budgets]]
        tag = "team=ml"      # or account = "...", service = "...", region = "...", provider = "..."; none: all
        kgco2e = 500         # per month, and/or
        cost = 20000         # in the bill's currency

    \b
    Example:
        cloudcarbon budget check --config budgets.toml --month 2025-01
        cloudcarbon budget check --config cloudcarbon.toml --format json -o budgets.json
    """
    from cloudcarbon.budget import TABLE_COLUMNS, check, load_budgets
    from cloudcarbon.output import emit, provenance
    from cloudcarbon.store import open_store

    budgets = load_budgets(config)
    with open_store(store_path(ctx, db), read_only=True) as con:
        frame = check(con, budgets, month)
    checked = str(frame["month"].iloc[0])
    meta = provenance(command="budget check", period=checked, config=str(config),
                      method="total kgCO2e (operational + embodied, location-based) and billed cost of the month")
    emit(frame, fmt, output, meta=meta, title=f"cloudcarbon budget check — {checked}", table_columns=TABLE_COLUMNS)
    breaches = frame[frame["status"] == "breach"]
    for row in breaches.itertuples():
        named = row.budget if row.budget == row.group else f"{row.budget} ({row.group})"
        click.echo(f"budget breach: {named} {row.month}: {row.note}", err=True)
    if len(breaches):
        ctx.exit(1)
