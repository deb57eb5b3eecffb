"""`cloudcarbon doctor`: check a store's integrity; exit 1 with one line per problem."""

from __future__ import annotations

import click

from cloudcarbon.cli_options import EPILOG, db_option, output_options, store_path


@click.command("doctor", epilog=EPILOG)
@click.option("--deep", is_flag=True,
              help="Also read every block of the file, so damage no query has reached yet is found "
                   "(about 0.4 s per million usage rows).")
@output_options
@db_option
@click.pass_context
def doctor_command(ctx: click.Context, deep: bool, fmt: str, output: str | None, db: str | None) -> None:
    """Check the store: schema version against the migrations, and that every billing period holds
    exactly the rows of the ingest that logged it (no mixed, stale, short or orphaned periods).
    Read-only; exit 0 when healthy, 1 with one line per problem (one line in all for a damaged store).

    \b
    Example:
        cloudcarbon doctor
        cloudcarbon doctor --deep --db /data/cloudcarbon.duckdb --format json
    """
    from cloudcarbon.doctor import doctor
    from cloudcarbon.output import emit, provenance

    health = doctor(store_path(ctx, db), deep=deep)
    if fmt == "table" and output is None:
        for problem in health.problems.itertuples(index=False):
            where = " ".join(str(v) for v in (problem.provider, problem.billing_account, problem.period) if v)
            click.echo(f"{problem.check}{' ' + where if where else ''}: {problem.detail}")
    else:
        emit(health.problems, fmt, output, meta=provenance(command="doctor", schema_version=health.schema_version),
             title="cloudcarbon doctor — problems")
    summary = (f"schema version {health.schema_version}, {health.periods} period(s), {health.rows:,} usage rows, "
               f"{health.ingests} ingest(s)")
    if not health.healthy:
        click.echo(f"{len(health.problems)} problem(s) found ({summary})", err=True)
        ctx.exit(1)
    click.echo(f"store is healthy{' (every block read back intact)' if deep else ''}: {summary}", err=True)
