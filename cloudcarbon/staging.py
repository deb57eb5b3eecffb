"""Ingest into a scratch store beside the store, then move the rows in with one short transaction.

Reading, checking and normalising the exports is most of an ingest (20-50 s for a 10M-line month). DuckDB
lets one process write a file or any number read it, so an ingest that held the store from its start
locked every report and footprint out for all that time. Staged, the store is untouched until the rows are
ready: readers keep answering from the data as it was, and are refused (or make the writer wait) only while
the finished rows are copied in and the periods they restate are replaced, atomically as before.
"""

from __future__ import annotations

import glob
import os
import shutil
from collections.abc import Callable
from contextlib import suppress
from dataclasses import replace
from pathlib import Path

import duckdb

from cloudcarbon import stored_footprint
from cloudcarbon.errors import CloudcarbonError, StoreBusyError
from cloudcarbon.ingest import IngestSummary, record_periods
from cloudcarbon.progress import run_with_progress
from cloudcarbon.provider_emissions import move_staged
from cloudcarbon.store import (
    configured,
    damage_reported,
    make_store_directory,
    migrate,
    open_store,
    pid_alive,
    resolve_db_path,
    tracked,
    transaction,
    verify_store,
    write_failure,
    writer_lock_wait,
)
from cloudcarbon.usage_store import move_usage

STAGING_INFIX = ".staging-"


def staging_path(store: Path, pid: int) -> Path:
    """The scratch store of process `pid`: beside the store, on the disk the rows are going to anyway."""
    return store.with_name(f"{store.name}{STAGING_INFIX}{pid}")


def _remove(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        with suppress(FileNotFoundError):
            leftover.unlink()
    shutil.rmtree(path.with_name(path.name + ".tmp"), ignore_errors=True)  # DuckDB's spill directory


def remove_stale_staging(store: Path) -> None:
    """Delete scratch stores left by killed ingests (their process is gone)."""
    for found in glob.glob(glob.escape(str(store)) + STAGING_INFIX + "[0-9]*"):
        pid = found.rsplit(STAGING_INFIX, 1)[1]
        if pid.isdigit() and not pid_alive(int(pid)):
            _remove(Path(found))


def _check_store(store: Path) -> bool:
    """Refuse a --db that is not a cloudcarbon store, or a damaged one, before reading any export (not after):
    nothing is written into a damaged store. Every block is read here, beside other readers, rather than
    while the move holds the store; False if the store was in use (the move verifies it then)."""
    if not store.exists():
        return True
    try:
        with open_store(store, read_only=True) as con:
            verify_store(con, store)
    except StoreBusyError:  # in use: the move waits for it, and says busy if it must
        return False
    return True


def _scratch(path: Path) -> duckdb.DuckDBPyConnection:
    try:
        con = tracked(configured(duckdb.connect(str(path))))
    except duckdb.Error as error:
        reason = str(error).splitlines()[0]
        raise CloudcarbonError(f"cannot write beside the store ({path}: {reason}): make the store's directory "
                               "writable, free disk space or choose another --db; the store is unchanged") from None
    # A checkpoint merges the partly filled row groups that each thread's share of an INSERT leaves: worth it in the
    # store, where it also reclaims replaced rows, not here where nothing is replaced (its commit, 10M lines: 0.9
    # CPU-s against 0.26).
    con.execute("SET max_vacuum_tasks = 0")
    migrate(con)
    return con


def _move_into_store(store: Path, scratch: Path, staged: IngestSummary, *, verified: bool) -> IngestSummary:
    with open_store(store) as con, damage_reported(store):
        if not verified:
            verify_store(con, store)
        con.execute("ATTACH ? AS staged (READ_ONLY)", [str(scratch)])
        try:
            with transaction(con):
                run_with_progress(con, f"storing {staged.rows_kept:,} rows",
                                  lambda: move_usage(con, "staged"))
                periods = record_periods(con, staged.ingest_id)
                # Finished when its rows are in the store: that orders the replacements (see doctor).
                con.execute("INSERT INTO ingests BY NAME SELECT * REPLACE (now() AS finished_at) FROM staged.ingests")
                periods += move_staged(con, staged.ingest_id)  # a provider's own figures (provider_emissions)
                stored_footprint.refresh(con)  # the emissions of the periods just replaced
        finally:
            with suppress(duckdb.Error):  # a failed commit may have invalidated the connection: its error wins
                con.execute("DETACH staged")
    return replace(staged, periods=periods)


def ingest_staged(
    db: str | os.PathLike[str] | None, ingest: Callable[[duckdb.DuckDBPyConnection], IngestSummary]
) -> IngestSummary:
    """Run `ingest` (a connector, given a connection) against a fresh scratch store, then move what it
    loaded into the store named by `db` in one transaction (or, when there is no store yet, make the scratch store
    the store). Any failure leaves the store as it was."""
    store = resolve_db_path(db)
    writer_lock_wait()  # a bad setting is refused before any export is read, whichever path the rows take
    verified = _check_store(store)
    make_store_directory(store)
    remove_stale_staging(store)
    scratch = staging_path(store, os.getpid())
    try:
        con = _scratch(scratch)
        try:
            staged = ingest(con)
            first = not store.exists() and _finish_as_store(con, staged)
            con.execute("CHECKPOINT")
        except duckdb.Error as error:
            friendly = write_failure(error, str(scratch))
            if friendly is not None:
                raise friendly from None
            raise
        finally:
            con.close()
        if first and _claim(scratch, store):
            return staged
        return _move_into_store(store, scratch, staged, verified=verified)
    finally:
        _remove(scratch)


def _finish_as_store(con: duckdb.DuckDBPyConnection, staged: IngestSummary) -> bool:
    """For a store not created yet: finish the scratch store as the store itself (what _move_into_store does in
    the store: the ingest finished now, its emissions stored), so that it can take the store's name instead of
    being copied (a 10M-line month: 10 s saved). A provider's own figures take the usual path."""
    if con.execute("SELECT count(*) FROM provider_ingests").fetchall()[0][0]:
        return False
    with transaction(con):
        con.execute("UPDATE ingests SET finished_at = now() WHERE ingest_id = $id", {"id": staged.ingest_id})
        stored_footprint.refresh(con)
    return True


def _claim(scratch: Path, store: Path) -> bool:
    """Give the finished scratch store the store's name, unless a store appeared meanwhile (another ingest won:
    ours then moves its rows in as usual) or the file system links no files (then the rows are copied)."""
    # A write-ahead log beside either file belongs to it: DuckDB would replay a store's leftover log into ours.
    if any(path.with_name(path.name + ".wal").exists() for path in (scratch, store)):
        return False
    try:
        os.link(scratch, store)  # never replaces a file, unlike a rename
    except OSError:
        return False
    return True
