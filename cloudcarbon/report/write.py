"""Write a built report as files: report-<month>.html (self-contained page), .csv and .json (the FOCUS-keyed
rows; the JSON also the whole document) and .md (a short summary naming the other files)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from cloudcarbon.errors import InputError
from cloudcarbon.output import records, write_csv
from cloudcarbon.report.build import Report
from cloudcarbon.report.render import render_html, render_markdown


def _html(report: Report, path: Path, _: dict[str, str]) -> None:
    path.write_text(render_html(report), encoding="utf-8")


def _csv(report: Report, path: Path, _: dict[str, str]) -> None:
    write_csv(report.rows, path)


def _json(report: Report, path: Path, _: dict[str, str]) -> None:
    path.write_text(json.dumps({**report.document, "rows": records(report.rows)}, indent=2) + "\n", encoding="utf-8")


def _markdown(report: Report, path: Path, names: dict[str, str]) -> None:
    path.write_text(render_markdown(report, names), encoding="utf-8")


# File suffix -> writer(report, path, the file names of every suffix); written in this order.
REPORT_FILES: dict[str, Callable[[Report, Path, dict[str, str]], None]] = {
    "html": _html, "csv": _csv, "json": _json, "md": _markdown,
}


def write_report(report: Report, directory: str | Path) -> dict[str, Path]:
    """Write report-<month>.<suffix> of every REPORT_FILES entry into `directory`; return their paths by suffix."""
    target = Path(directory)
    if target.exists() and not target.is_dir():
        raise InputError(f"--output {target}: is a file; give a directory for the report files")
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"--output {target}: cannot create the directory ({error.strerror})") from None
    paths = {kind: target / f"report-{report.month}.{kind}" for kind in REPORT_FILES}
    names = {kind: path.name for kind, path in paths.items()}
    for kind, write in REPORT_FILES.items():
        write(report, paths[kind], names)
    return paths
