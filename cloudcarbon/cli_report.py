"""`report`, `run-monthly` and `serve`: parse options, call cloudcarbon.report / schedule / serve, print."""

from __future__ import annotations

import click

from cloudcarbon.cli_options import EPILOG, db_option, store_path
from cloudcarbon.periods import MONTHS
from cloudcarbon.store import open_store

TOKEN_ENV_VAR = "CLOUDCARBON_TOKEN"
ALLOWED_HOSTS_ENV_VAR = "CLOUDCARBON_ALLOWED_HOSTS"


class HostNames(click.types.StringParamType):
    """--allowed-host: its environment variable lists names separated by commas."""

    name = "name"
    envvar_list_splitter = ","


def _print_files(files: dict[str, object]) -> None:
    for kind, path in files.items():
        click.echo(f"{kind:>4}: {path}")


@click.command("report", epilog=EPILOG)
@click.option("--month", required=True, help=f"The month to report, YYYY-MM ({MONTHS}).")
@click.option("--output", "-o", "output", required=True, type=click.Path(file_okay=False),
              help="Directory for report-<month>.html, .csv, .json and .md (created if missing).")
@click.option("--by-tag", help="Also break the month down by this tag key, e.g. team.")
@click.option("--budgets", type=click.Path(dir_okay=False),
              help="TOML file with [[budgets]] (as `budget check --config`): the report shows each against the month.")
@click.option("--units", type=click.Path(dir_okay=False),
              help="CSV of functional units (as `cloudcarbon sci --units`): the report shows SCI per unit.")
@click.option("--carbon-price", type=float,
              help="USD per tonne of CO2e: the headline also says what the month's emissions cost at that price.")
@db_option
@click.pass_context
def report_command(ctx: click.Context, month: str, output: str, by_tag: str | None, budgets: str | None,
                   units: str | None, carbon_price: float | None, db: str | None) -> None:
    """The monthly FinOps report: one self-contained HTML page (opens offline, prints to PDF), the same
    data as CSV and JSON (FOCUS column names plus x_ emission columns) and a Markdown summary.

    \b
    Example:
        cloudcarbon demo
        cloudcarbon report --month 2026-10 --output out/ --by-tag team
        cloudcarbon report --month 2026-10 --output out/ --budgets budgets.toml
    """
    from cloudcarbon.budget import load_budgets
    from cloudcarbon.report import build_report, write_report
    from cloudcarbon.report.charts import require_renderer

    require_renderer()
    limits = load_budgets(budgets) if budgets else []
    with open_store(store_path(ctx, db), read_only=True) as con:
        report = build_report(con, month, by_tag=by_tag, budgets=limits, carbon_price=carbon_price, units=units)
    _print_files(write_report(report, output))


@click.command("run-monthly", epilog=EPILOG)
@click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False),
              help="cloudcarbon.toml: the store, the billing sources and the report settings.")
@click.option("--month", help="Month to re-ingest and report, YYYY-MM [default: the previous month].")
@click.option("--allow-partial", is_flag=True,
              help="Write the report even if a source failed (it names the sources not updated); still exit 1.")
@db_option
@click.pass_context
def run_monthly_command(ctx: click.Context, config_path: str, month: str | None, allow_partial: bool,
                        db: str | None) -> None:
    """Re-ingest the configured billing sources for a month (idempotent: restated bills replace the
    earlier rows), then write that month's report. For cron, CI or an orchestrator.

    Each source is its own atomic ingest: a source that fails leaves its billing periods as they were, the
    others still run and their new rows stay. Each updated source's ingest line is printed; if any source
    failed, the error names it and why, the exit code is 1, and no report is written from the
    half-updated month unless --allow-partial is given.

    \b
    Example:
        cloudcarbon run-monthly --config cloudcarbon.toml
        cloudcarbon run-monthly --config cloudcarbon.toml --month 2026-10 --allow-partial
    """
    from cloudcarbon.schedule import MonthlyRun, PartialRunError, run_monthly

    def show(run: MonthlyRun) -> None:
        for outcome in run.updated:
            click.echo(f"{outcome.label}: {outcome.summary.line()}", err=True)
        _print_files(run.files)

    try:
        result = run_monthly(config_path, month=month, db=store_path(ctx, db), allow_partial=allow_partial)
    except PartialRunError as error:
        show(error.run)
        raise
    show(result)


@click.command("serve", epilog=EPILOG)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; anything but loopback requires a token.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option("--token", envvar=TOKEN_ENV_VAR, show_envvar=True,
              help="Bearer token every request must send (Authorization: Bearer TOKEN).")
@click.option("--allowed-host", "allowed_hosts", multiple=True, type=HostNames(), envvar=ALLOWED_HOSTS_ENV_VAR,
              show_envvar=True, help="Another host name clients reach the service by (repeatable; the variable is "
                                     "comma-separated). Loopback names and --host are always answered.")
@db_option
@click.pass_context
def serve_command(ctx: click.Context, host: str, port: int, token: str | None, allowed_hosts: tuple[str, ...],
                  db: str | None) -> None:
    """A read-only HTTP service over the store: the report pages and JSON endpoints for footprint,
    unknowns, whatif and recommend-region (same parameters and fields as the CLI); OpenAPI at
    /openapi.json. A request whose Host header is not 127.0.0.1, localhost, [::1], --host or an
    --allowed-host gets 400 (a web page whose DNS name is rebound to this machine cannot read it).

    \b
    Example:
        cloudcarbon serve --port 8080
        CLOUDCARBON_TOKEN=... cloudcarbon serve --host 0.0.0.0 --allowed-host carbon.example.com
        curl 'http://127.0.0.1:8080/api/footprint?month=2026-10&by=service,region'
    """
    from cloudcarbon.serve import serve

    serve(store_path(ctx, db), host=host, port=port, token=token, allowed=allowed_hosts)
