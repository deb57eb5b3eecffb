"""`run-monthly`: re-ingest the configured billing sources for a month, then write that month's report.

The config is TOML and never holds a secret: credentials come from each SDK's own chain (profiles,
roles, workload identity), and any value that must be secret is written `{env = "NAME"}` and read from
the environment at run time, handed to the connector and never written anywhere. Source `type` names a
registered connector (connectors/__init__.py): its files are `paths`, or with `mode` (aws `athena`, gcp
`bigquery`, azure `api`) the data is read where it lives for the month being run.
"""

from __future__ import annotations

import inspect
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any

from cloudcarbon import connectors
from cloudcarbon.budget import Budget, load_budgets
from cloudcarbon.connectors.files import is_remote
from cloudcarbon.errors import CloudcarbonError, InputError
from cloudcarbon.ingest import IngestSummary
from cloudcarbon.periods import add_months, parse_month, window
from cloudcarbon.report import build_report, write_report
from cloudcarbon.report.charts import require_renderer
from cloudcarbon.staging import ingest_staged
from cloudcarbon.store import open_store

# Option names that hold credentials: allowed only as {env = "NAME"} references.
SECRET_NAME = re.compile(r"secret|password|passwd|token|credential|private_key|access_key|connection_string|sas",
                         re.IGNORECASE)
SOURCE_KEYS = {"type", "paths", "mode"}
# Parameters of an ingest function that the run supplies (the month's files or window) or that only code can
# pass (a client object, the progress display): never options in the config.
NOT_OPTIONS = {"con", "sources", "window", "progress", "client", "catalog_client", "credential", "poll_seconds"}


@dataclass(frozen=True)
class Source:
    """One billing source: the connector name, its paths (with {month} placeholders) and its options."""

    type: str
    paths: list[str]
    options: dict[str, Any] = field(default_factory=dict)
    mode: str | None = None  # read in place (a warehouse query or an API) instead of `paths`


@dataclass(frozen=True)
class Config:
    path: Path
    db: str | None
    output: str
    by_tag: str | None
    sources: list[Source]
    budgets: list[Budget] = field(default_factory=list)  # [[budgets]]: shown in the report


@dataclass(frozen=True)
class SourceOutcome:
    """What one source's ingest did in a run: its summary, or the one-line error that stopped it."""

    label: str  # sources[N] (type), as the config file numbers them
    summary: IngestSummary | None = None
    error: str | None = None


@dataclass
class MonthlyRun:
    month: str
    outcomes: list[SourceOutcome]
    files: dict[str, Path]
    config: Path | None = None

    @property
    def updated(self) -> list[SourceOutcome]:
        return [outcome for outcome in self.outcomes if outcome.error is None]

    @property
    def failed(self) -> list[SourceOutcome]:
        return [outcome for outcome in self.outcomes if outcome.error is not None]


class PartialRunError(CloudcarbonError):
    """Some sources failed to update; `run` holds every outcome (and the report's files with allow_partial)."""

    def __init__(self, run: MonthlyRun, allow_partial: bool) -> None:
        of = f" of {run.config}" if run.config else ""
        failed = "; ".join(f"{outcome.label}{of} failed: {outcome.error}" for outcome in run.failed)
        updated = ", ".join(outcome.label for outcome in run.updated) or "no other source"
        it = "them" if len(run.failed) > 1 else "it"
        if allow_partial:
            then = f"the report was written without {it} (--allow-partial) and names what is missing"
        else:
            then = ("no report was written from a half-updated month: fix the failed source and rerun, or pass "
                    f"--allow-partial to report without {it}")
        super().__init__(f"run-monthly {run.month}: {failed}; {updated} updated and kept (each source is its own "
                         f"atomic ingest); {then}")
        self.run = run


def connector(name: str, mode: str | None = None) -> Callable[..., IngestSummary]:
    """The ingest function of a registered connector (named as its command, `aws-carbon`, or its folder): of its
    files, or of one of its in-place modes."""
    folder = name.replace("-", "_")
    if folder not in connectors.NAMES:
        raise InputError(f"source type {name!r} is not a connector; choose one of "
                         f"{', '.join(n.replace('_', '-') for n in connectors.NAMES)}")
    registered = connectors.get(folder)
    if mode is None:
        return registered.ingest
    if mode not in registered.modes:
        raise InputError(f"source type {name!r} has no mode {mode!r}; "
                         + (f"choose {', '.join(registered.modes)}, or give paths" if registered.modes
                            else "it reads files: give paths instead"))
    return registered.modes[mode]


def previous_month(today: date | None = None) -> str:
    return f"{add_months(today or datetime.now(UTC).date(), -1):%Y-%m}"


def _where(config_path: Path, index: int, key: str) -> str:
    return f"{config_path}: sources[{index}].{key}"


def _resolve(value: Any, where: str) -> Any:
    """{env = "NAME"} -> the variable's value at run time (never stored); other values as written."""
    if isinstance(value, dict):
        if set(value) != {"env"} or not isinstance(value["env"], str):
            raise InputError(f"{where}: a table here must be {{env = \"NAME\"}} (an environment variable)")
        if value["env"] not in os.environ:
            raise InputError(f"{where}: environment variable {value['env']} is not set; export it before the run")
        return os.environ[value["env"]]
    return value


def _source(config_path: Path, index: int, table: Any) -> Source:
    if not isinstance(table, dict) or not isinstance(table.get("type"), str):
        raise InputError(f"{config_path}: sources[{index}] needs type = \"aws\" (or another connector name)")
    mode = table.get("mode")
    if mode is not None and not isinstance(mode, str):
        raise InputError(f"{_where(config_path, index, 'mode')}: give a mode name, e.g. mode = \"athena\"")
    paths = table.get("paths", [])
    if isinstance(paths, str):
        paths = [paths]
    if mode is not None and paths:
        raise InputError(f"{_where(config_path, index, 'paths')}: a source with mode = {mode!r} reads in place and "
                         "takes no paths; drop one of them")
    if mode is None and (not paths or not all(isinstance(p, str) for p in paths)):
        raise InputError(f"{_where(config_path, index, 'paths')}: give a list of files, folders or s3:// prefixes")
    options = {k: v for k, v in table.items() if k not in SOURCE_KEYS}
    for key, value in options.items():
        if SECRET_NAME.search(key) and not (isinstance(value, dict) and "env" in value):
            raise InputError(f"{_where(config_path, index, key)}: secrets never go in the config; "
                             f"write {key} = {{env = \"NAME\"}} and set NAME in the environment")
    # Fail on an unknown type or option before anything runs.
    try:
        ingest = connector(table["type"], mode)
    except InputError as error:
        raise InputError(f"{_where(config_path, index, 'mode' if mode else 'type')}: {error}") from None
    parameters = {name: p for name, p in inspect.signature(ingest).parameters.items()
                  if name not in NOT_OPTIONS and p.kind is not inspect.Parameter.VAR_KEYWORD}
    accepted = list(parameters)
    missing = [name for name, p in parameters.items() if p.default is inspect.Parameter.empty and name not in options]
    if missing:
        raise InputError(f"{_where(config_path, index, missing[0])}: the {table['type']} connector"
                         f"{f' in mode {mode!r}' if mode else ''} needs {', '.join(missing)}; add them to the source")
    for key in options:
        if key not in accepted:
            raise InputError(f"{_where(config_path, index, key)}: the {table['type']} connector takes no option "
                             f"{key!r}; choose from {', '.join(accepted) or 'none'}")
    return Source(table["type"], paths, options, mode)


def load_config(path: str | Path) -> Config:
    """Read and validate a cloudcarbon.toml (relative paths in it are relative to the file)."""
    # Absolute, so that messages name the files a source resolved to wherever the run started.
    config_path = Path(path).absolute()
    try:
        data = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"--config {config_path}: no such file; see examples/cloudcarbon.toml") from None
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"--config {config_path}: not valid TOML ({error}); fix the file") from None
    report = data.get("report", {})
    sources = data.get("sources")
    if not isinstance(sources, list) or not sources:
        raise InputError(f"{config_path}: no [[sources]]; add one, e.g. type = \"aws\", paths = [\"s3://...\"]")
    base = config_path.parent
    db = data.get("db")
    return Config(
        path=config_path,
        db=str(base / db) if isinstance(db, str) else None,
        output=str(base / report.get("output", "reports/{month}")),
        by_tag=report.get("by_tag"),
        sources=[_relative_to(base, _source(config_path, n, table)) for n, table in enumerate(sources)],
        budgets=load_budgets(config_path) if "budgets" in data else [],
    )


def _relative_to(base: Path, source: Source) -> Source:
    """Local paths of a source, relative to the config file's folder (URLs and absolute paths as written)."""
    paths = [p if is_remote(p) or Path(p).expanduser().is_absolute() else str(base / p) for p in source.paths]
    return Source(source.type, paths, source.options, source.mode)


def _month_paths(paths: list[str], month: str) -> list[str]:
    """Fill {month} (2026-10) and {cur_period} (20261001-20261101, legacy CUR folders) in each path."""
    first = parse_month(month)
    period = f"{first:%Y%m%d}-{add_months(first, 1):%Y%m%d}"
    return [p.replace("{month}", month).replace("{cur_period}", period) for p in paths]


def _config_terms(message: str, options: dict[str, Any]) -> str:
    """A connector's error in the config's terms. It names options as the CLI spells them: `--profile` becomes
    `profile`, the source's key. A value read from {env = "NAME"} may be secret, so it never shows: the text says
    `the value of NAME`, and a command to run (between backticks) says "$NAME", so it still runs as printed."""
    parts = message.split("`")
    for index, part in enumerate(parts):
        in_command = index % 2 == 1
        for key, value in options.items():
            variable = value.get("env") if isinstance(value, dict) else None
            resolved = os.environ.get(variable) if isinstance(variable, str) else None
            if resolved and in_command:
                part = part.replace(resolved, f'"${variable}"')
            elif resolved:
                part = part.replace(repr(resolved), resolved).replace(resolved, f"the value of {variable}")
            if not in_command:
                part = re.sub(rf"--{re.escape(key.replace('_', '-'))}(?![\w-])", key, part)
        parts[index] = part
    return "`".join(parts)


def run_monthly(config: Config | str | Path, *, month: str | None = None, db: str | None = None,
                allow_partial: bool = False) -> MonthlyRun:
    """Re-ingest every configured source for `month` (default: the previous calendar month, UTC), then
    write the month's report. Each source is its own atomic ingest: one that fails leaves its billing periods as
    they were, and the others still run and stay. If any failed, raise PartialRunError, without writing the
    report unless `allow_partial` (then the report names the sources that were not updated)."""
    require_renderer()  # before any source is ingested: the run ends in a report
    month = f"{parse_month(month):%Y-%m}" if month else previous_month()
    if not isinstance(config, Config):
        config = load_config(config)
    # Resolve every {env = ...} first, so a missing variable stops the run before the store is touched.
    resolved = [{k: _resolve(v, _where(config.path, n, k)) for k, v in source.options.items()}
                for n, source in enumerate(config.sources)]
    outcomes = [_ingest(db or config.db, number, source, options, month)
                for number, (source, options) in enumerate(zip(config.sources, resolved, strict=True))]
    run = MonthlyRun(month, outcomes, {}, config.path)
    if run.failed and not allow_partial:
        raise PartialRunError(run, allow_partial)
    missing = [f"{outcome.label}: {outcome.error}" for outcome in run.failed]
    with open_store(db or config.db, read_only=True) as con:
        report = build_report(con, month, by_tag=config.by_tag, missing_sources=missing, budgets=config.budgets)
    run.files = write_report(report, config.output.replace("{month}", month))
    if run.failed:
        raise PartialRunError(run, allow_partial)
    return run


def _ingest(db: str | None, number: int, source: Source, options: dict[str, Any], month: str) -> SourceOutcome:
    label = f"sources[{number}] ({source.type})"
    if source.mode is None:
        ingest = partial(connector(source.type), sources=_month_paths(source.paths, month), **options)
    else:
        ingest = partial(connector(source.type, source.mode), window=window(month, None, None), **options)
    try:
        # Usage and provider figures are staged; a connector of another table (telemetry, Kubernetes allocations)
        # matches what it reads with the store's usage, so it runs on the store itself, in its own transaction.
        if connectors.get(source.type.replace("-", "_")).table not in ("usage", "provider_emissions"):
            with open_store(db) as con:
                return SourceOutcome(label, summary=ingest(con))
        return SourceOutcome(label, summary=ingest_staged(db, ingest))
    except CloudcarbonError as error:
        return SourceOutcome(label, error=_config_terms(str(error), source.options))
