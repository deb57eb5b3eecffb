"""The DuckDB store: where it lives, how it is opened, migrated and written atomically."""

from __future__ import annotations

import os
import re
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from importlib.resources import files
from pathlib import Path

import duckdb
import platformdirs

from cloudcarbon.errors import CloudcarbonError, StoreBusyError, StoreDamagedError

DB_ENV_VAR = "CLOUDCARBON_DB"
# How long a writer waits for readers to close the store: a report over a 10M-row month reads for
# 5-10 s, and an ingest is a batch job that can afford to wait. CLOUDCARBON_LOCK_WAIT overrides it.
WRITER_LOCK_WAIT_SECONDS = 60.0
LOCK_WAIT_ENV_VAR = "CLOUDCARBON_LOCK_WAIT"
# DuckDB's memory for every connection to a store, writers and readers. Its default, 80 % of RAM, let a 10M-line
# ingest reach 5.4 GB and recommend-region 4.3 GB; held to this, they spill to <store>.tmp and peak under 1 GB.
# CLOUDCARBON_MEMORY_LIMIT overrides it.
MEMORY_LIMIT = "640MB"
MEMORY_LIMIT_ENV_VAR = "CLOUDCARBON_MEMORY_LIMIT"
# The store this process opened last: DuckDB's error for a damaged block names no file (see store_damage).
_opened: list[Path] = []
# Every DuckDB file this process has open (stores and scratch stores), for interrupt_statements.
_connections: weakref.WeakSet[duckdb.DuckDBPyConnection] = weakref.WeakSet()


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


def memory_limit() -> str:
    """DuckDB's memory limit for every store connection: CLOUDCARBON_MEMORY_LIMIT, else MEMORY_LIMIT."""
    return (os.environ.get(MEMORY_LIMIT_ENV_VAR) or MEMORY_LIMIT).strip()


def out_of_memory(error: BaseException) -> CloudcarbonError | None:
    """DuckDB out of memory within the limit (what it cannot spill), as one line naming the limit and the fix;
    None for any other error. Every command's writes are one transaction, so the store is as it was."""
    if not isinstance(error, duckdb.OutOfMemoryException):
        return None
    return CloudcarbonError(f"DuckDB ran out of memory within its limit of {memory_limit()} ({MEMORY_LIMIT_ENV_VAR}): "
                            f"raise it, e.g. {MEMORY_LIMIT_ENV_VAR}=2GB, and run the command again; the store is "
                            "unchanged")


def configured(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """`con`, with DuckDB's memory held to MEMORY_LIMIT (or CLOUDCARBON_MEMORY_LIMIT; what exceeds it spills) and
    UTC as its time zone: exports' times without an offset are UTC, and so is every time the store holds, whatever
    the machine's zone (DuckDB would read them in it)."""
    limit = memory_limit()
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", limit, flags=re.IGNORECASE):
        con.close()
        raise CloudcarbonError(f"{MEMORY_LIMIT_ENV_VAR}={limit!r}: give DuckDB's memory limit as a size, "
                               "e.g. 768MB or 2GB")
    con.execute(f"SET memory_limit = '{limit}'")  # a SET takes no parameters; the pattern above allows no quote
    con.execute("SET TimeZone = 'UTC'")
    return con


def default_db_path() -> Path:
    """The store used when neither --db nor CLOUDCARBON_DB is given (the user data directory)."""
    return Path(platformdirs.user_data_dir("cloudcarbon")) / "cloudcarbon.duckdb"


def resolve_db_path(db: str | os.PathLike[str] | None) -> Path:
    """--db wins, then CLOUDCARBON_DB, then the default location."""
    chosen = db or os.environ.get(DB_ENV_VAR) or default_db_path()
    return Path(chosen).expanduser()


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every numbered file in queries/migrations, in order."""
    found = []
    for entry in files("cloudcarbon.queries").joinpath("migrations").iterdir():
        match = re.fullmatch(r"(\d{4})_(\w+)\.sql", entry.name)
        if match:
            found.append((int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    return sorted(found)


def newest_schema() -> int:
    """The schema version this cloudcarbon writes: its newest migration."""
    return migrations()[-1][0]


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
                con = duckdb.connect(str(path), read_only=read_only)
            except duckdb.IOException as error:
                if "lock" in str(error).lower():
                    if time.monotonic() >= deadline:
                        raise StoreBusyError(_busy_message(path, error)) from None
                    waiting()
                    time.sleep(0.2)
                    continue
                raise _unopenable(path, error) from None
            except duckdb.Error as error:
                raise _unopenable(path, error) from None
            _opened[:] = [path]
            return tracked(configured(con))


def tracked(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """`con`, registered so that interrupt_statements reaches it."""
    _connections.add(con)
    return con


def interrupt_statements() -> None:
    """Stop the statements running on this process's stores now (on SIGTERM or SIGINT): left alone, DuckDB
    finishes a long read of an export first (18 s of a 1M-line month), then reports the interruption."""
    for con in list(_connections):
        with suppress(duckdb.Error):  # closed already
            con.interrupt()


def _unopenable(path: Path, error: duckdb.Error) -> CloudcarbonError:
    """Why DuckDB cannot open the file at `path`, and what to do, in one line."""
    first = str(error).splitlines()[0]
    if "can only read storage versions" in first:
        return CloudcarbonError(f"store {path} was written by a newer DuckDB ({first}): upgrade cloudcarbon "
                                "(pip install -U cloudcarbon) or choose another --db")
    if isinstance(error, duckdb.IOException) and not _is_damage(error, path) and "valid DuckDB" not in first:
        return CloudcarbonError(f"cannot open store {path}: {first}")  # permissions, a directory, ...
    with suppress(OSError), path.open("rb") as file:
        if file.read(12)[8:] == DUCKDB_MAGIC:
            return damaged(path, _reason(error))
    return CloudcarbonError(
        f"{path} is not a DuckDB file ({first}): if it was your cloudcarbon store, it is damaged: restore your "
        "latest backup or re-ingest your billing exports into a new store; otherwise choose another --db"
    )


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


# ---------------------------------------------------------------------------------------------
# Damage. DuckDB verifies a block's checksum whenever it reads the block, so damage is found only where
# something reads: every command checks the file's length and reads the small tables at open (milliseconds);
# `doctor --deep`, `backup` and every ingest, before it writes, read every block in use (verify_store).
# ---------------------------------------------------------------------------------------------

# A DuckDB file: three 4 KiB headers, then blocks; bytes 8-11 of the first header are "DUCK".
FILE_HEADERS = 3 * 4096
DUCKDB_MAGIC = b"DUCK"
# The tables that grow with the bills (seconds to read whole at 10M usage rows; the stored footprint holds a row per
# usage group and day, or month): read at open only where a query reaches them. The others hold a few rows per ingest.
BULK_TABLES = ("usage_line", "usage_group", "usage_resource", "usage_tags", "footprint", "footprint_monthly")
# DuckDB's words for a block or segment of a database file that does not read back as written.
DAMAGE = re.compile(
    r"corrupt database file|database file appears to be corrupted|Corrupted [^:]*segment|Corrupted index buffer"
    r"|Corrupt WAL file|No more data remaining in MetadataReader",
    re.IGNORECASE,
)
SHORT_READ = re.compile(r'Could not read enough bytes from file "([^"]+)"')


def damaged(path: Path, reason: str) -> StoreDamagedError:
    return StoreDamagedError(
        f"store {path} is damaged ({reason}): restore your latest backup (`cloudcarbon backup` makes one), or move "
        "the file aside and re-ingest your billing exports into a new store"
    )


def _reason(error: duckdb.Error) -> str:
    text = str(error)
    if found := re.search(r"in block at location (\d+)", text):
        return f"the block at byte {found[1]} fails its checksum"
    if found := re.search(r"attempted to read \d+ bytes from location (\d+)", text):
        return f"the file ends before byte {found[1]}: truncated"
    return text.splitlines()[0]


def _is_damage(error: BaseException, path: Path) -> bool:
    if not isinstance(error, duckdb.Error):
        return False
    short = SHORT_READ.search(str(error))
    if short:  # an input file cut short is the input's problem, not the store's
        return Path(short[1]) in (path, path.with_name(path.name + ".wal"))
    return bool(DAMAGE.search(str(error)))


@contextmanager
def damage_reported(path: Path) -> Iterator[None]:
    """DuckDB finding a damaged block of the store at `path` becomes the one-line damaged-store error."""
    try:
        yield
    except duckdb.Error as error:
        if _is_damage(error, path):
            raise damaged(path, _reason(error)) from None
        raise


def store_damage(error: BaseException) -> StoreDamagedError | None:
    """`error` as the damaged-store error, if it is DuckDB finding the store this process opened damaged."""
    if not _opened or not isinstance(error, duckdb.Error) or not _is_damage(error, _opened[0]):
        return None
    return damaged(_opened[0], _reason(error))


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [t for (t,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND NOT temporary "
        "ORDER BY table_name").fetchall()]


def _check_length(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """A truncated file, found at open rather than when a query reaches a missing block: N blocks in use have
    distinct numbers, so the file holds at least N whole blocks (free blocks at its end may be cut off)."""
    blocks, block_size = con.execute(
        "SELECT used_blocks, block_size FROM pragma_database_size() WHERE database_name = current_database()"
    ).fetchall()[0]
    needed = FILE_HEADERS + blocks * block_size
    size = path.stat().st_size
    if size < needed:
        raise damaged(path, f"the file is {size} bytes, too short for its {blocks} blocks in use: truncated")


def _read_whole(con: duckdb.DuckDBPyConnection, tables: list[str]) -> None:
    """Read every block of `tables`: each value of each column, and each key through its index."""
    for table in tables:
        con.execute(f'SELECT bit_xor(hash(COLUMNS(*))) FROM "{table}"').fetchall()
    keys = con.execute(
        "SELECT table_name, constraint_column_names[1] FROM duckdb_constraints() "
        "WHERE database_name = current_database() AND constraint_type IN ('PRIMARY KEY', 'UNIQUE') "
        "AND len(constraint_column_names) = 1"
    ).fetchall()
    # A lookup of a single key is what makes DuckDB load an index from disk; the smallest and the largest
    # reach both ends of it (a store's keyed tables hold a few thousand rows at most).
    for table, column in keys:
        if table in tables:
            for pick in ("min", "max"):
                con.execute(f'SELECT count(*) FROM "{table}" WHERE "{column}" = '
                            f'(SELECT {pick}("{column}") FROM "{table}")').fetchall()


def check_at_open(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Every command's check, in milliseconds: the file is as long as its blocks, and the small tables (all
    but BULK_TABLES) read back whole."""
    with damage_reported(path):
        _check_length(con, path)
        if schema_version(con):  # a new file, or a foreign one (refused next), has no tables of ours
            _read_whole(con, [t for t in _tables(con) if t not in BULK_TABLES])


def verify_store(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Read every block in use of the store behind `con` (about 0.4 s per million usage rows): raises the
    one-line damaged-store error if any fails DuckDB's checksum or lies past the end of the file."""
    with damage_reported(path):
        _check_length(con, path)
        _read_whole(con, _tables(con))


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
    for version, name, sql in pending_migrations(con):
        with transaction(con):
            for statement in con.extract_statements(sql):
                con.execute(statement)
            con.execute("INSERT INTO schema_migrations VALUES ($1, $2, now())", [version, name])
        current = max(current, version)
    return current


def pending_migrations(con: duckdb.DuckDBPyConnection) -> list[tuple[int, str, str]]:
    """Every migration not yet applied, also one numbered below the newest applied (a development store may have
    taken a migration before a lower number, reserved for other work in progress, existed)."""
    applied = ({row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
               if schema_version(con) else set())
    return [m for m in migrations() if m[0] not in applied]


def refuse_newer_schema(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """A newer release's migration may change what a column means: this one must neither read nor write it."""
    found, newest = schema_version(con), newest_schema()
    if found > newest:
        raise CloudcarbonError(f"store {path} has schema version {found}, this cloudcarbon knows up to {newest}: "
                               "upgrade cloudcarbon (pip install -U cloudcarbon) or choose another --db")


def open_store(db: str | os.PathLike[str] | None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating and migrating when writable) the store named by --db / env / default, refusing a damaged
    store (check_at_open) and one of a newer release."""
    path = resolve_db_path(db)
    con = connect(path, read_only=read_only)
    try:  # any failure closes the connection it holds (a closed one closes again harmlessly)
        check_at_open(con, path)
        refuse_newer_schema(con, path)
        latest = newest_schema()
        if read_only:
            found = schema_version(con)
            if found < latest or (found and pending_migrations(con)):
                con.close()
                if found == 0:
                    raise CloudcarbonError(f"{path} is not a cloudcarbon store; choose another --db")
                # Upgrade in place once, then reopen read-only.
                con = connect(path)
                migrate(con)
                con.close()
                con = connect(path, read_only=True)
            if _footprint_stale(con):
                con.close()
                _refresh_footprint_if_free(path)
                con = connect(path, read_only=True)
        else:
            if schema_version(con) == 0 and _has_tables(con):
                raise CloudcarbonError(
                    f"{path} is a DuckDB database but not a cloudcarbon store; choose another --db"
                )
            migrate(con)
            if _footprint_stale(con):
                refresh_footprint(con)
    except BaseException:
        con.close()
        raise
    return con


def _footprint_stale(con: duckdb.DuckDBPyConnection) -> bool:
    from cloudcarbon.stored_footprint import stale_periods  # the estimation code loads only when asked for

    return stale_periods(con) > 0


def refresh_footprint(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute the stored footprint of stale periods (cloudcarbon/stored_footprint.py) in one transaction."""
    from cloudcarbon.stored_footprint import refresh

    with transaction(con):
        refresh(con)


def _refresh_footprint_if_free(path: Path) -> None:
    """A reader found stale figures: recompute them if no one else holds the store, else leave them (readers
    then compute from usage, which gives the same figures, more slowly)."""
    try:
        con = configured(duckdb.connect(str(path)))
    except duckdb.IOException:
        return
    try:
        refresh_footprint(con)
    finally:
        con.close()


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
