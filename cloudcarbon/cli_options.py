"""Option bundles shared by every command (sqlite-utils style), so each command reads the same way."""

from __future__ import annotations

import functools
from collections.abc import Callable

import click

from cloudcarbon.output import FORMATS
from cloudcarbon.periods import MONTHS
from cloudcarbon.store import DB_ENV_VAR, default_db_path

EPILOG = "Exit codes: 0 ok, 1 error, 2 usage error. Docs: README.md and METHODOLOGY.md."


def db_option(command: Callable) -> Callable:
    # No envvar here: the environment is read last, in store.resolve_db_path, so that
    # `cloudcarbon --db X cmd` beats CLOUDCARBON_DB as documented.
    return click.option(
        "--db",
        "db",
        type=click.Path(dir_okay=False),
        help=f"Store file [env {DB_ENV_VAR}; default {default_db_path()}].",
    )(command)


def period_options(command: Callable) -> Callable:
    options = [
        click.option("--month", help=f"One month, YYYY-MM ({MONTHS})."),
        click.option("--since", help="From this date (YYYY-MM-DD or YYYY-MM), inclusive."),
        click.option("--until", help="Up to this date, exclusive."),
    ]
    return functools.reduce(lambda cmd, opt: opt(cmd), reversed(options), command)


def output_options(command: Callable) -> Callable:
    options = [
        click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
                     help="Output format."),
        click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to this file instead of stdout."),
    ]
    return functools.reduce(lambda cmd, opt: opt(cmd), reversed(options), command)


def store_path(ctx: click.Context, db: str | None) -> str | None:
    """The command's --db, else the group's --db (CLOUDCARBON_DB and the default are read later)."""
    return db or ctx.find_root().obj.get("db")
