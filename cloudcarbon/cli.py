"""The command line: parse options, call the library, format the result. No logic lives here."""

from __future__ import annotations

import os
import signal
import sys
from datetime import date
from types import FrameType
from typing import Any

import click
import duckdb

from cloudcarbon import __version__, connectors
from cloudcarbon.cli_budget import budget_group
from cloudcarbon.cli_doctor import doctor_command
from cloudcarbon.cli_options import EPILOG, YEAR, db_option, name_envvars, output_options, period_options, store_path
from cloudcarbon.cli_planning import estimate_command, prices_group, recommend_region_command, whatif_command
from cloudcarbon.cli_reconcile import reconcile_command
from cloudcarbon.cli_report import report_command, run_monthly_command, serve_command
from cloudcarbon.cli_sci import sci_command
from cloudcarbon.coefficients.loader import cloud_providers
from cloudcarbon.errors import CloudcarbonError, UsageError
from cloudcarbon.periods import add_months
from cloudcarbon.store import (
    DB_ENV_VAR,
    default_db_path,
    interrupt_statements,
    open_store,
    out_of_memory,
    store_damage,
)

# SIGTERM (timeout, systemd, cron wrappers) and SIGINT end a command like an error, so that rollbacks and
# `finally` blocks run: an interrupted ingest removes its scratch store. Inside a statement DuckDB turns the
# exception into its own 'Query interrupted', so the signal is recorded here too.
_signals: list[int] = []


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGINT, raised wherever the main thread is."""


def _interrupt(signum: int, frame: FrameType | None) -> None:
    _signals.append(signum)
    signal.signal(signum, signal.SIG_DFL)  # a second one ends the process at once
    interrupt_statements()
    raise Interrupted(signum)


def _interrupted(signum: int) -> None:
    click.echo(f"interrupted ({signal.Signals(signum).name}); the store is unchanged by the unfinished command",
               err=True)
    sys.exit(128 + signum)


def one_line(error: click.UsageError) -> UsageError:
    """click's usage error as one line (click prints the usage and a hint on two more), exit 2."""
    message = error.format_message().rstrip()
    hint = f" Try '{error.ctx.command_path} --help'." if error.ctx else ""
    return UsageError(f"{message}{'' if message.endswith('.') else '.'}{hint}")


def _file_error(error: BaseException) -> CloudcarbonError | None:
    """A file the system refused (an --output in a missing or read-only folder): the user's to fix, not a bug."""
    if isinstance(error, OSError) and error.filename and error.strerror:
        return CloudcarbonError(f"{error.filename}: {error.strerror}; check the path and its permissions")
    return None


class CloudcarbonGroup(click.Group):
    """Turns user-facing errors into one line (exit 1; usage errors exit 2); tracebacks only with --debug."""

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.exceptions.NoArgsIsHelpError:
            raise
        except click.UsageError as error:  # the group's own options, e.g. `cloudcarbon --bogus`
            raise error if isinstance(error, UsageError) else one_line(error) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.NoArgsIsHelpError, UsageError):
            raise
        except click.UsageError as error:  # a subcommand's options and arguments, an unknown command
            raise one_line(error) from None
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except BrokenPipeError:
            # The reader of stdout stopped (`| head`): not an error of ours. Quiet, and no second failure when
            # Python flushes stdout at exit; 141 = 128 + SIGPIPE, as shells report a command ended by it.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise click.exceptions.Exit(141) from None
        except BaseException as error:
            if _signals:  # whatever the interrupted code turned the signal into
                _interrupted(_signals[0])
            if isinstance(error, KeyboardInterrupt):
                _interrupted(signal.SIGINT)
            if not isinstance(error, Exception) or (ctx.obj and ctx.obj.get("debug")):
                raise
            # DuckDB finding a damaged block of the store mid-query names no file: store_damage does.
            friendly = (error if isinstance(error, CloudcarbonError)
                        else store_damage(error) or out_of_memory(error) or _file_error(error))
            if friendly is not None:
                raise click.ClickException(str(friendly)) from None
            first = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise click.ClickException(
                f"unexpected {error.__class__.__name__}: {first} (rerun with --debug for the traceback "
                "and report it)"
            ) from None


@click.group(cls=CloudcarbonGroup, epilog=EPILOG)
@click.option("--db", "group_db", type=click.Path(dir_okay=False), allow_from_autoenv=False,
              help=f"Store file for every command [env var: {DB_ENV_VAR}; default {default_db_path()}].")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.version_option(__version__, prog_name="cloudcarbon")
@click.pass_context
def cli(ctx: click.Context, group_db: str | None, debug: bool) -> None:
    """Carbon footprint of cloud bills: ingest billing exports into a local DuckDB store, then see
    energy and CO2e by service, region, account and instance type, each figure traceable to its sources.

    \b
    Example:
        cloudcarbon demo
        cloudcarbon ingest aws s3://my-cur-bucket/cur/ --profile billing
        cloudcarbon footprint --month 2026-09 --by service,region
    """
    ctx.ensure_object(dict)
    ctx.obj.update(db=group_db, debug=debug)


class ConnectorGroup(click.Group):
    """`ingest`: one command per registered connector (connectors/__init__.py), each imported only when it is
    run or listed, so `cloudcarbon --help` and other commands load no connector, cloud SDK or filesystem."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name.replace("_", "-") for name in connectors.NAMES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        name = cmd_name.replace("-", "_")
        if name not in connectors.NAMES:
            return None
        command = connectors.get(name).command
        name_envvars(command, ["ingest", cmd_name])
        return command


@cli.group(epilog=EPILOG, cls=ConnectorGroup)
def ingest() -> None:
    """Load billing exports into the store (atomic and idempotent per billing period).

    \b
    Example:
        cloudcarbon ingest aws ./cur/2026-09/
    """




@cli.command("footprint", epilog=EPILOG)
@click.option("--by", default="month,service", show_default=True,
              help="Comma-separated groupings: month, provider, account, region, service, instance_type, "
                   "usage_kind, resource, tag:KEY.")
@click.option("--cpu-utilization", type=float,
              help="Central CPU utilisation, 0-1 (default 0.5; burstables at baseline).")
@click.option("--gpu-utilization", type=float, help="Central GPU utilisation, 0-1.")
@click.option("--trace", is_flag=True, help="One row per usage row with every coefficient and its source.")
@click.option("--forecast", is_flag=True,
              help="Forecast next month and the calendar year per --by group (trend of the last complete months; "
                   "with --month M or --until, from the months up to it).")
@click.option("--temporal", type=click.Choice(["annual", "hourly"]), default="annual", show_default=True,
              help="hourly: each hourly bill line at its hour's grid intensity (hour-of-day x month profile of its "
                   "zone), with the change against the annual figure.")
@period_options
@output_options
@db_option
@click.pass_context
def footprint_command(ctx: click.Context, by: str, cpu_utilization: float | None, gpu_utilization: float | None,
                      trace: bool, forecast: bool, temporal: str, month: str | None, since: str | None,
                      until: str | None, fmt: str,
                      output: str | None, db: str | None) -> None:
    """Energy (kWh) and CO2e (operational, embodied, total; low/high) with cost, grouped as asked.

    \b
    Example:
        cloudcarbon footprint --month 2026-09 --by service,region
        cloudcarbon footprint --by month,tag:team --format csv -o footprint.csv
        cloudcarbon footprint --month 2026-09 --trace --format csv -o trace.csv
        cloudcarbon footprint --forecast --by service
        cloudcarbon footprint --month 2026-09 --by region --temporal hourly
    """
    from cloudcarbon import footprint as fp
    from cloudcarbon.output import emit, emit_query, provenance
    from cloudcarbon.periods import window

    if trace and ctx.get_parameter_source("by") is not click.core.ParameterSource.DEFAULT:
        raise UsageError("--trace lists every usage row with its coefficients; it takes no --by (drop one of them)")
    span = window(month, since, until)
    if temporal == "hourly" and (trace or forecast or cpu_utilization is not None or gpu_utilization is not None):
        raise UsageError("--temporal hourly weighs each hour with the library's assumptions; it takes no --trace, "
                         "--forecast or utilisation (drop one of them)")
    if forecast:
        _forecast(ctx, by, span, since, trace or cpu_utilization is not None or gpu_utilization is not None, fmt,
                  output, db)
        return
    meta = provenance(command="footprint", period=span.label(), by=None if trace else by,
                      method="METHODOLOGY.md", cpu_utilization=cpu_utilization, gpu_utilization=gpu_utilization)
    title = f"cloudcarbon footprint — {span.label()}"
    with open_store(store_path(ctx, db), read_only=True) as con:
        if trace:  # a row per usage row: streamed, never held whole, in bounded memory (as every connection)
            sql, params = fp.trace_query(con, window=span, cpu_utilization=cpu_utilization,
                                         gpu_utilization=gpu_utilization)
            if not con.execute(f"SELECT count(*) FROM ({sql}) LIMIT 1", params).fetchall()[0][0]:
                raise CloudcarbonError(_no_usage(con, month, since, until))
            emit_query(con, sql, params, fmt, output, meta=meta, title=title)
            return
        if temporal == "annual" and fmt != "table":  # streamed from DuckDB: no frame, no pandas
            sql, params = fp.footprint_query(con, by=by, window=span, cpu_utilization=cpu_utilization,
                                             gpu_utilization=gpu_utilization, extra=fp.method_columns())
            if not fp.has_usage(con, span):  # every usage row makes a footprint row
                raise CloudcarbonError(_no_usage(con, month, since, until))
            emit_query(con, sql, params, fmt, output, meta=meta, title=title)
            return
        if temporal == "hourly":
            from cloudcarbon.temporal import BASIS, hourly_footprint

            frame = hourly_footprint(con, by=by, window=span)
            meta["temporal"] = BASIS
        else:
            frame = fp.footprint(con, by=by, window=span, cpu_utilization=cpu_utilization,
                                 gpu_utilization=gpu_utilization)
        if frame.empty:
            raise CloudcarbonError(_no_usage(con, month, since, until))
    columns = fp.table_columns(frame)
    if fmt != "table":
        frame = fp.with_method_columns(frame, temporal)
    emit(frame, fmt, output, meta=meta, title=title, table_columns=columns)


def _forecast(ctx: click.Context, by: str, span: object, since: str | None, other: bool, fmt: str,
              output: str | None, db: str | None) -> None:
    """`footprint --forecast`: next month and the year per group, from the stored months up to the window's end."""
    from cloudcarbon.forecast import METHOD, forecast
    from cloudcarbon.output import emit, provenance

    if since or other:
        raise UsageError("--forecast reads the months up to --month/--until with the library's assumptions; it takes "
                         "no --since, --trace or utilisation (drop them)")
    until = span.until.date() if span.until else None
    with open_store(store_path(ctx, db), read_only=True) as con:
        frame = forecast(con, by=by, until=until)
    keys = [key for key in by.split(",") if key.strip() and key.strip() != "month"]
    meta = provenance(command="footprint --forecast", by=",".join(keys), method=METHOD)
    columns = {**{key: key for key in keys}, "next_month": "month", "next_kgco2e": "kgCO2e", "next_kgco2e_low": "low",
               "next_kgco2e_high": "high", "next_cost": "cost", "year": "year", "year_kgco2e": "year kgCO2e",
               "year_cost": "year cost", "basis_months": "basis"}
    emit(frame, fmt, output, meta=meta, title="cloudcarbon footprint --forecast", table_columns=columns)


def _no_usage(con: duckdb.DuckDBPyConnection, month: str | None, since: str | None, until: str | None) -> str:
    """Why a period has no rows, as `report` says it: what the store holds instead, and how to fill it."""
    from cloudcarbon.periods import parse_month

    held = [parse_month(m) for (m,) in con.execute(
        "SELECT DISTINCT strftime(charge_period_start, '%Y-%m') FROM usage ORDER BY 1").fetchall()]
    if not held:
        return "the store holds no usage yet: ingest a billing export first (cloudcarbon ingest aws PATH), or try " \
               "cloudcarbon demo"
    runs: list[list[date]] = []
    for first in held:  # consecutive months as one run: 2026-08 to 2026-10
        if runs and add_months(runs[-1][-1], 1) == first:
            runs[-1].append(first)
        else:
            runs.append([first])
    holds = ", ".join(f"{run[0]:%Y-%m}" + (f" to {run[-1]:%Y-%m}" if len(run) > 1 else "") for run in runs)
    asked = f"--month {month}" if month else " ".join(f"--{name} {value}" for name, value in
                                                       (("since", since), ("until", until)) if value)
    return (f"{asked}: the store holds no usage for that period (it holds {holds}); ingest its billing export "
            "first, e.g. cloudcarbon ingest aws PATH")


@cli.command("unknowns", epilog=EPILOG)
@period_options
@output_options
@db_option
@click.pass_context
def unknowns_command(ctx: click.Context, month: str | None, since: str | None, until: str | None, fmt: str,
                     output: str | None, db: str | None) -> None:
    """Usage that could not be mapped to coefficients (unknown instance types, unmodelled usage types,
    regions without grid data), with rows, hours and cost. Nothing is dropped silently.

    \b
    Example:
        cloudcarbon unknowns --month 2026-09
    """
    from cloudcarbon.output import emit, provenance
    from cloudcarbon.periods import window
    from cloudcarbon.unknowns import TABLE_COLUMNS, unknowns

    span = window(month, since, until)
    with open_store(store_path(ctx, db), read_only=True) as con:
        frame = unknowns(con, window=span)
    emit(frame, fmt, output, meta=provenance(command="unknowns", period=span.label()),
         title=f"cloudcarbon unknowns — {span.label()}", table_columns=TABLE_COLUMNS)


@cli.group("coefficients", epilog=EPILOG)
def coefficients_group() -> None:
    """Inspect the coefficient library (versioned data with sources).

    \b
    Example:
        cloudcarbon coefficients show p4d.24xlarge --region us-east-1
    """


@coefficients_group.command("show", epilog=EPILOG)
@click.argument("instance_type")
@click.option("--region", help="Also show PUE, grid intensity and per-hour results in this region.")
@click.option("--provider", default="aws", show_default=True, type=click.Choice(cloud_providers()))
@click.option("--year", type=YEAR, help="Year for grid intensity and PUE (default: this year).")
@output_options
def coefficients_show_command(instance_type: str, region: str | None, provider: str, year: int | None, fmt: str,
                              output: str | None) -> None:
    """Every coefficient used for INSTANCE_TYPE and where it came from.

    \b
    Example:
        cloudcarbon coefficients show m5.large --region eu-west-1
    """
    import duckdb

    from cloudcarbon.coefficients_show import show_instance
    from cloudcarbon.output import emit, provenance

    with duckdb.connect() as con:
        frame = show_instance(con, instance_type, provider=provider, region=region, year=year)
    # An accelerator (H100, tpu-v5p) belongs to no provider: its title says what it is.
    kind = "accelerator" if not frame.empty and frame["coefficient"].iloc[0] == "accelerator" else provider
    emit(frame, fmt, output, meta=provenance(command="coefficients show", instance_type=instance_type,
                                             region=region), title=f"{kind} {instance_type}")


@coefficients_group.command("zones", epilog=EPILOG)
@click.argument("search", required=False)
@click.option("--year", type=YEAR, help="Year of the intensity shown (default: each zone's latest).")
@output_options
def coefficients_zones_command(search: str | None, year: int | None, fmt: str, output: str | None) -> None:
    """Grid zones an on-premises inventory's `location` can name (id or name), with their intensity.

    \b
    Example:
        cloudcarbon coefficients zones germany
        cloudcarbon coefficients zones US- --year 2024
    """
    import duckdb

    from cloudcarbon.coefficients_show import zones
    from cloudcarbon.output import emit, provenance

    with duckdb.connect() as con:
        frame = zones(con, search, year)
    emit(frame, fmt, output, meta=provenance(command="coefficients zones", search=search, year=year),
         title="Electricity Maps zones" + (f" matching {search!r}" if search else ""))


@cli.command("demo", epilog=EPILOG)
@db_option
@click.pass_context
def demo_command(ctx: click.Context, db: str | None) -> None:
    """Create a store, ingest the bundled demo CUR (three months of a small company) and a synthetic AWS carbon
    export for it, and print its footprint.

    \b
    Example:
        cloudcarbon demo
        cloudcarbon --db /tmp/demo.duckdb demo
    """
    from cloudcarbon.demo import run_demo
    from cloudcarbon.footprint import table_columns
    from cloudcarbon.output import emit

    path = store_path(ctx, db)
    summary, frame = run_demo(path)
    click.echo(summary.line(), err=True)
    emit(frame, "table", None, title="cloudcarbon demo — footprint by month and service",
         table_columns=table_columns(frame))
    totals = frame[["energy_kwh", "total_kgco2e", "total_kgco2e_low", "total_kgco2e_high", "water_l", "cost"]].sum()
    click.echo(
        f"Total: {totals.energy_kwh:,.0f} kWh, {totals.total_kgco2e / 1000:,.2f} tCO2e "
        f"(range {totals.total_kgco2e_low / 1000:,.2f}-{totals.total_kgco2e_high / 1000:,.2f}), "
        f"{totals.water_l:,.0f} L of water, cost {totals.cost:,.0f} {frame.currency.iloc[0]}",
        err=True,
    )
    click.echo(
        "Next: cloudcarbon footprint --by service,region   ·   cloudcarbon unknowns   ·   "
        "cloudcarbon reconcile --month 2026-10 --by service   ·   "
        "cloudcarbon coefficients show p4d.24xlarge --region us-east-1",
        err=True,
    )


@cli.command("backup", epilog=EPILOG)
@click.argument("destination", type=click.Path(dir_okay=True))
@db_option
@click.pass_context
def backup_command(ctx: click.Context, destination: str, db: str | None) -> None:
    """Copy the store to DESTINATION (a file, or a folder for a time-stamped file), after reading every
    block of it back intact. Ingests wait while it copies; reports keep answering. To restore, copy the
    backup back over the store (README: Backup and restore).

    \b
    Example:
        cloudcarbon backup /backups/cloudcarbon.duckdb
        cloudcarbon --db /data/cloudcarbon.duckdb backup /backups/
    """
    from cloudcarbon.backup import backup

    written = backup(store_path(ctx, db), destination)
    click.echo(f"backed up to {written} ({written.stat().st_size:,} bytes, every block read back intact)",
               err=True)


cli.add_command(doctor_command)
cli.add_command(report_command)
cli.add_command(run_monthly_command)
cli.add_command(serve_command)

cli.add_command(estimate_command)
cli.add_command(recommend_region_command)
cli.add_command(whatif_command)
cli.add_command(prices_group)
cli.add_command(reconcile_command)
cli.add_command(budget_group)
cli.add_command(sci_command)


# Last, once every command is registered: each option's CLOUDCARBON_... variable.
name_envvars(cli)


def main() -> None:
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _interrupt)
    # prog_name fixes the completion variable: _CLOUDCARBON_COMPLETE=bash_source cloudcarbon (README).
    cli(prog_name="cloudcarbon")
