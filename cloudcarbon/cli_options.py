"""Option bundles shared by every command (sqlite-utils style), so each command reads the same way."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import click

from cloudcarbon.output import FORMATS
from cloudcarbon.periods import FIRST_MONTH, LAST_MONTH, MONTHS
from cloudcarbon.store import DB_ENV_VAR, default_db_path

EPILOG = ("Exit codes: 0 ok, 1 error, 2 usage error. Every option --NAME can also be set as CLOUDCARBON_<COMMAND>_NAME "
          "(shown with each option). Docs: README.md and METHODOLOGY.md.")
ENV_PREFIX = "CLOUDCARBON"
# --year: the years the months of periods.py span.
YEAR = click.IntRange(FIRST_MONTH.year, LAST_MONTH.year)


def db_option(command: Callable) -> Callable:
    # No envvar of its own: CLOUDCARBON_DB is read last, in store.resolve_db_path, so that
    # `cloudcarbon --db X cmd` beats it as documented.
    return click.option(
        "--db",
        "db",
        type=click.Path(dir_okay=False),
        allow_from_autoenv=False,
        help=f"Store file [env var: {DB_ENV_VAR}; default {default_db_path()}].",
    )(command)


def envvar_name(command_path: list[str], option: click.Option) -> str:
    """CLOUDCARBON_<COMMAND PATH>_<LONGEST OPTION NAME>, upper case with '_' for '-': `ingest aws --profile`
    is CLOUDCARBON_INGEST_AWS_PROFILE, `footprint --format` CLOUDCARBON_FOOTPRINT_FORMAT."""
    longest = max(option.opts, key=len).lstrip("-")
    return "_".join([ENV_PREFIX, *command_path, longest]).upper().replace("-", "_")


def name_envvars(command: click.Command, command_path: list[str] | None = None) -> None:
    """Give every option of `command` and its subcommands an environment variable (envvar_name, unless it
    names its own) and show it in --help. Named from the option, not the Python parameter (`--format` is
    `fmt` inside), so the rule in README holds for every option."""
    path = command_path or []
    for param in command.params:
        # --db reads CLOUDCARBON_DB itself; --version and --help are not values.
        if not isinstance(param, click.Option) or not param.allow_from_autoenv or not param.expose_value:
            continue
        param.envvar = param.envvar or envvar_name(path, param)
        param.show_envvar = True
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            name_envvars(sub, [*path, name])


def period_options(command: Callable) -> Callable:
    options = [
        click.option("--month", help=f"One month, YYYY-MM ({MONTHS})."),
        click.option("--since", help="From this date (YYYY-MM-DD or YYYY-MM), inclusive."),
        click.option("--until", help="Up to this date, exclusive."),
    ]
    return functools.reduce(lambda cmd, opt: opt(cmd), reversed(options), command)


def _in_a_folder(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """--output in a folder that does not exist is refused before any work."""
    if value is not None and not Path(value).absolute().parent.is_dir():
        raise click.BadParameter(f"{value}: the folder {Path(value).absolute().parent} does not exist; create it "
                                 "first", ctx, param)
    return value


def output_options(command: Callable) -> Callable:
    options = [
        click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
                     help="Output format."),
        click.option("--output", "-o", type=click.Path(dir_okay=False), callback=_in_a_folder,
                     help="Write to this file instead of stdout."),
    ]
    return functools.reduce(lambda cmd, opt: opt(cmd), reversed(options), command)


def store_path(ctx: click.Context, db: str | None) -> str | None:
    """The command's --db, else the group's --db (CLOUDCARBON_DB and the default are read later)."""
    return db or ctx.find_root().obj.get("db")
