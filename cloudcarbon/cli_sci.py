"""`cloudcarbon sci`: Software Carbon Intensity per functional unit, from our footprint and the user's units."""

from __future__ import annotations

import click

from cloudcarbon.cli_options import EPILOG, db_option, output_options, store_path


@click.command("sci", epilog=EPILOG)
@click.option("--units", type=click.Path(dir_okay=False), help="CSV of functional units: month, functional_unit, "
              "count, and optional grouping columns (account, service, region, provider, tag:KEY).")
@click.option("--units-tag", help="Instead of --units: a tag on the bill whose numeric values count the units.")
@click.option("--month", help="With --units-tag: the month, YYYY-MM (a units file names its months).")
@click.option("--by", help="With --units-tag: groupings (account, service, region, provider, tag:KEY).")
@output_options
@db_option
@click.pass_context
def sci_command(ctx: click.Context, units: str | None, units_tag: str | None, month: str | None, by: str | None,
                fmt: str, output: str | None, db: str | None) -> None:
    """Software Carbon Intensity, SCI = (E x I + M) / R, per group and month: our operational (E x I) and embodied
    (M) CO2e over the functional units R you count, in gCO2e per unit with low/high.

    \b
    units.csv:
        month,functional_unit,count,account
        2026-10,requests,125000000,273849501128

    \b
    Example:
        cloudcarbon sci --units units.csv
        cloudcarbon sci --units-tag requests --month 2026-10 --by service --format csv -o sci.csv
    """
    from cloudcarbon.output import emit, provenance
    from cloudcarbon.sci import METHOD, sci
    from cloudcarbon.store import open_store

    if units and (month or by):
        raise click.UsageError("--month and --by go with --units-tag; a units file names its months and groups")
    with open_store(store_path(ctx, db), read_only=True) as con:
        frame = sci(con, units=units, units_tag=units_tag, month=month, by=by)
    keys = [c for c in frame.columns if c not in ("month", "functional_unit", "count") and
            not c.endswith(("kgco2e", "_low", "_high", "unit", "note"))]
    columns = {"month": "month", **{k: k for k in keys}, "functional_unit": "unit", "count": "count",
               "total_kgco2e": "kgCO2e", "sci_gco2e_per_unit": "gCO2e/unit", "sci_gco2e_per_unit_low": "low",
               "sci_gco2e_per_unit_high": "high", "note": "note"}
    # Per month, our footprint in groups that no units row names (emitted, carried by no functional unit).
    meta = provenance(command="sci", method=METHOD, uncovered_kgco2e=frame.attrs["uncovered_kgco2e"])
    emit(frame, fmt, output, meta=meta, title="cloudcarbon sci",
         table_columns=columns)
