"""`cloudcarbon backup`: a copy of the store, taken while no writer can change it, of a store whose every block
read back intact (a damaged store is never copied over a good backup).

The copy is the DuckDB file itself, byte for byte: restoring is copying it back (README, "Backup and
restore"). DuckDB's `EXPORT DATABASE` / `COPY FROM DATABASE` would rewrite every row instead: 83 s for a
9.3M-row store where verifying and copying the file take 4 s.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from cloudcarbon.errors import CloudcarbonError
from cloudcarbon.store import check_at_open, connect, open_store, resolve_db_path, verify_store


def _target(store: Path, destination: str | os.PathLike[str]) -> Path:
    target = Path(destination).expanduser()
    if target.is_dir():  # a folder of backups: one file per run, named by the time it was taken
        target = target / f"{store.stem}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}{store.suffix}"
    if target.exists() and target.resolve() == store.resolve():
        raise CloudcarbonError(f"{target} is the store itself: give another file or a folder for the backup")
    return target


def _copy(store: Path, target: Path) -> None:
    """Copy under a temporary name, check that the copy opens, then rename: a failed or interrupted backup
    never replaces a good one."""
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        shutil.copyfile(store, partial)
        with partial.open("rb+") as file:
            os.fsync(file.fileno())
        with connect(partial, read_only=True) as copy:
            check_at_open(copy, partial)
        partial.replace(target)
    except OSError as error:
        raise CloudcarbonError(f"cannot write the backup {target} ({error.strerror}): free disk space or choose "
                               "another destination; the store is unchanged") from None
    finally:
        partial.unlink(missing_ok=True)


def backup(db: str | os.PathLike[str] | None, destination: str | os.PathLike[str]) -> Path:
    """Copy the store named by `db` to `destination` (a file, or a folder for a time-stamped file) after reading
    every block of it; return the backup's path."""
    store = resolve_db_path(db)
    target = _target(store, destination)
    wal = store.with_name(store.name + ".wal")
    if wal.exists():  # rows a killed writer committed but did not checkpoint: fold them into the file first
        with open_store(store) as con:
            con.execute("CHECKPOINT")
    # A reader's shared lock: ingests wait until the copy is done, reports keep answering.
    with open_store(store, read_only=True) as con:
        if wal.exists():
            raise CloudcarbonError(f"store {store} was written to while the backup started; run the backup again")
        verify_store(con, store)
        _copy(store, target)
    return target
