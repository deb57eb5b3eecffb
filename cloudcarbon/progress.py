"""Progress on stderr for long DuckDB statements, shown only on a terminal."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TypeVar

import duckdb
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

T = TypeVar("T")


def run_with_progress(
    con: duckdb.DuckDBPyConnection, label: str, work: Callable[[], T], *, enabled: bool | None = None
) -> T:
    """Run `work` (one long statement on `con`) while a bar follows DuckDB's own query progress."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        return work()
    outcome: dict[str, object] = {}
    # Not Thread.join: a signal interrupting join() marks the thread finished while it still runs (CPython 3.11).
    finished = threading.Event()

    def target() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # re-raised in the caller's thread
            outcome["error"] = error
        finally:
            finished.set()

    worker = threading.Thread(target=target, daemon=True)
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with progress:
        task = progress.add_task(label, total=100)
        worker.start()
        try:
            while not finished.wait(0.2):
                done = con.query_progress()
                if done >= 0:
                    progress.update(task, completed=done)
        except BaseException:  # a signal: the statement stops before the caller rolls back or closes `con`
            con.interrupt()
            finished.wait()
            raise
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]
