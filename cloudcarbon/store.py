"""The DuckDB store: where it lives, how it is opened, migrated and written atomically."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from importlib.resources import files
from pathlib import Path

import duckdb
import platformdirs

from cloudcarbon.errors import CloudcarbonError, StoreBusyError

DB_ENV_VAR = "CLOUDCARBON_DB"
# How long a writer waits for readers to close the store: a report over a 10M-row month reads for
# 10-25 s, and an ingest is a batch job that can afford to wait. CLOUDCARBON_LOCK_WAIT overrides it.
WRITER_LOCK_WAIT_SECONDS = 60.0
LOCK_WAIT_ENV_VAR = "CLOUDCARBON_LOCK_WAIT"


def writer_lock_wait() -> float:
    """Seconds a writer waits for readers (CLOUDCARBON_LOCK_WAIT, else WRITER_LOCK_WAIT_SECONDS)."""
    given = os.environ.get(LOCK_WAIT_ENV_VAR)
    if given is None:
        return WRITER_LOCK_WAIT_SECONDS
    try:
        seconds = float(given)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 86400:
        raise CloudcarbonError(f"{LOCK_WAIT_ENV_VAR}={given!r}: give the seconds a writer waits for readers, e.g. 60")
    return seconds


def default_db_path() -> Path:
    """The store used when neither --db nor CLOUDCARBON_DB is given (the user data directory)."""
    return Path(platformdirs.user_data_dir("cloudcarbon")) / "cloudcarbon.duckdb"


def resolve_db_path(db: str | os.PathLike[str] | None) -> Path:
    """--db wins, then CLOUDCARBON_DB, then the default location."""
    chosen = db or os.environ.get(DB_ENV_VAR) or default_db_path()
    return Path(chosen).expanduser()


def _migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every numbered file in queries/migrations, in order."""
    found = []
    for entry in files("cloudcarbon.queries").joinpath("migrations").iterdir():
        match = re.fullmatch(r"(\d{4})_(\w+)\.sql", entry.name)
        if match:
            found.append((int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    return sorted(found)


def _busy_message(path: Path, error: duckdb.Error) -> str:
    holder = re.search(r"\(PID (\d+)\)", str(error))
    who = f"process {holder[1]}" if holder else "another process"
    # DuckDB's lock error does not say whether the holder reads or writes.
    return f"store {path} is busy: {who} has it open; retry when it has finished"


def make_store_directory(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CloudcarbonError(f"cannot create the store directory {path.parent}: {error.strerror}") from None


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the store file, turning lock conflicts and unreadable files into one-line errors."""
    if read_only and not path.exists():
        raise CloudcarbonError(
            f"no store at {path}: run `cloudcarbon ingest aws ...` (or `cloudcarbon demo`) first, "
            f"or point --db / {DB_ENV_VAR} at an existing store"
        )
    if not read_only:
        make_store_directory(path)
    # A writer waits for readers to finish (writer_lock_wait()); readers never wait, and a writer still
    # blocked after its wait gets the one-line "busy" error naming the holder.
    if read_only:
        _refuse_while_a_writer_waits(path)
    deadline = time.monotonic() + (0 if read_only else writer_lock_wait())
    with _writer_waiting(path, enabled=not read_only) as waiting:
        while True:
            try:
                return duckdb.connect(str(path), read_only=read_only)
            except duckdb.IOException as error:
                if "lock" not in str(error).lower():
                    raise CloudcarbonError(f"cannot open store {path}: {str(error).splitlines()[0]}") from None
                if time.monotonic() >= deadline:
                    raise StoreBusyError(_busy_message(path, error)) from None
                waiting()
                time.sleep(0.2)
            except duckdb.Error as error:
                raise CloudcarbonError(
                    f"{path} is not a cloudcarbon store DuckDB can open ({str(error).splitlines()[0]}); "
                    "choose another --db"
                ) from None


# A writer blocked by readers leaves this marker (holding its PID) beside the store; new readers are
# refused while it is there, so a stream of overlapping readers (a busy `serve`) cannot starve an ingest.
def _marker(path: Path) -> Path:
    return path.with_name(path.name + ".writer-waiting")


@contextmanager
def _writer_waiting(path: Path, *, enabled: bool) -> Iterator[Callable[[], None]]:
    """Yields a function that announces the wait (once); the marker goes when the writer gets in or gives up."""
    marker = _marker(path)
    placed = False

    def announce() -> None:
        nonlocal placed
        if enabled and not placed:
            with suppress(OSError):  # a read-only directory: no announcement, the plain wait still applies
                marker.write_text(str(os.getpid()))
                placed = True

    try:
        yield announce
    finally:
        if placed:
            with suppress(OSError):
                marker.unlink()


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _refuse_while_a_writer_waits(path: Path) -> None:
    """A new reader steps aside for a live writer that is waiting for the store (it would be refused
    for the whole ingest anyway, once the writer is in)."""
    try:
        pid = int(_marker(path).read_text().strip() or 0)
    except (OSError, ValueError):
        return
    if pid and pid != os.getpid() and pid_alive(pid):  # not a marker a killed writer left behind
        raise StoreBusyError(f"store {path} is busy: process {pid} is waiting to write to it; "
                             "retry when it has finished")


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
    ).fetchall()[0][0]
    if not exists:
        return 0
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchall()[0][0]


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply pending numbered migrations, each in its own transaction; return the schema version."""
    current = schema_version(con)
    pending = [m for m in _migrations() if m[0] > current]
    for version, name, sql in pending:
        with transaction(con):
            for statement in con.extract_statements(sql):
                con.execute(statement)
            con.execute("INSERT INTO schema_migrations VALUES ($1, $2, now())", [version, name])
        current = version
    return current


def open_store(db: str | os.PathLike[str] | None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating and migrating when writable) the store named by --db / env / default."""
    path = resolve_db_path(db)
    con = connect(path, read_only=read_only)
    latest = _migrations()[-1][0]
    if read_only:
        found = schema_version(con)
        if found < latest:
            con.close()
            if found == 0:
                raise CloudcarbonError(f"{path} is not a cloudcarbon store; choose another --db")
            # Upgrade in place once, then reopen read-only.
            con = connect(path)
            migrate(con)
            con.close()
            con = connect(path, read_only=True)
    else:
        if schema_version(con) == 0 and _has_tables(con):
            con.close()
            raise CloudcarbonError(
                f"{path} is a DuckDB database but not a cloudcarbon store; choose another --db"
            )
        migrate(con)
    return con


def _has_tables(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE NOT temporary").fetchall()[0][0])


# DuckDB's wording when a file cannot be written (disk full, a file size limit, a read-only directory).
WRITE_FAILURE = re.compile(
    r'(?:Could not write|Cannot open|Could not create|Could not truncate) file "([^"]+)": ([^\n]+)'
)


def write_failure(error: BaseException, store_file: str) -> CloudcarbonError | None:
    """A failure to write the store, its WAL or its spill files (all named after the store file), as one
    line naming the file and the fix; None for any other error (an unreadable input file, say)."""
    found = WRITE_FAILURE.search(str(error)) if isinstance(error, duckdb.Error) else None
    if not found or not store_file or not found[1].startswith(store_file):
        return None
    return CloudcarbonError(
        f"cannot write the store ({found[1]}: {found[2].strip()}): free disk space, make the store's directory "
        "writable or choose another --db; the store is unchanged"
    )


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """BEGIN ... COMMIT, or ROLLBACK on any error (DuckDB has no context manager for this).

    A failed COMMIT (the WAL cannot be written) is rolled back the same way; nothing is committed."""
    store_file = con.execute(
        "SELECT coalesce(path, '') FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()[0][0]
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException as error:
        # A failed COMMIT has already ended the transaction, and a fatal error invalidates the database.
        with suppress(duckdb.Error):
            con.execute("ROLLBACK")
        friendly = write_failure(error, store_file)
        if friendly is not None:
            raise friendly from None
        raise
