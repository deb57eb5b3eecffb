"""The ingest every file connector runs: resolve the SOURCEs, register their filesystems, detect each file's
format, refuse empty, foreign or cut-off files, load through the connector's normalising SQL, and on failure
name the file, row and column of the first bad value or the file that cannot be read; then clean up.

A connector subclasses FileIngest and supplies only what differs: how SOURCEs resolve, how a file is detected
and grouped, the SELECT that renames a group into its source relation, and the checks that locate bad values.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from types import ModuleType
from typing import Generic, Protocol, TypeVar

import duckdb
import fsspec

from cloudcarbon.connectors.base import connector_sql
from cloudcarbon.connectors.files import (
    STDIN,
    FileSet,
    ends_with_newline,
    file_size,
    local_filesystem,
    locate_unreadable_file,
    single_threaded,
    stdin_spooled,
)
from cloudcarbon.connectors.read_errors import explain_read_error
from cloudcarbon.errors import InputError
from cloudcarbon.estimation import prepare as prepare_estimation
from cloudcarbon.ingest import Batch, Dropped, IngestSummary, define_ingest_macros, load

# What DuckDB raises for data it cannot read; corrupt pages behind an intact Parquet footer are a bare duckdb.Error.
UNREADABLE = (duckdb.InvalidInputException, duckdb.IOException, duckdb.SerializationException)
TRUNCATED = "{file}: the last line is incomplete, so the file looks truncated; download it again"
# What DuckDB raises for a value that does not parse or a missing required value.
BAD_VALUE = (duckdb.ConversionException, duckdb.ConstraintException, duckdb.InvalidInputException)
# Exports whose every line ends with a newline: one that does not was cut off.
PLAIN_TEXT = (".csv", ".json", ".jsonl", ".ndjson")


class Detected(Protocol):
    file: str
    container: str  # csv | parquet | json

    @property
    def format(self) -> str: ...  # as the store records it: "cur2-parquet", "focus-1.4-csv"


D = TypeVar("D", bound=Detected)


@dataclass(frozen=True)
class Check:
    """A column of the source relation and the SQL condition (over `value`, its text) that marks a bad value."""

    column: str
    condition: str
    problem: str  # "is not a number"


def parses_as(column: str, kind: str) -> Check:
    """A value that is present but does not cast to `kind` (DOUBLE or TIMESTAMPTZ)."""
    return Check(column, f"nullif(value, '') IS NOT NULL AND TRY_CAST(value AS {kind}) IS NULL",
                 "is not a number" if kind == "DOUBLE" else "is not a date/time")


@dataclass(frozen=True)
class ReadOnce:
    """Group attributes read once per usage group (FileIngest.group_attributes): `table` holds each distinct set of
    the group source's columns with the attributes' values, one set per group."""

    table: str
    attributes: tuple[str, ...]

    def lean(self, source_sql: str) -> str:
        """`source_sql` with the attributes NULL: DuckDB then leaves the columns they come from unread."""
        nulls = ", ".join(f"NULL AS {name}" for name in self.attributes)
        return f"SELECT * REPLACE ({nulls}) FROM ({source_sql})"


def _source_key(group_source: Sequence[str]) -> str:
    return f"hash({', '.join(group_source)})"


def _keyed(source_sql: str, group_source: Sequence[str], read_once: ReadOnce | None) -> str:
    """`source_sql`'s rows with `group_source_key`, the hash of the `group_source` columns' hash and $ingest_id (NULL
    without group_source); with `read_once`, the attributes' values joined from its table by the group."""
    if not group_source:
        return f"SELECT *, NULL::UBIGINT AS group_source_key FROM ({source_sql})"
    if read_once is None:
        return f"SELECT *, hash({_source_key(group_source)}, $ingest_id) AS group_source_key FROM ({source_sql})"
    joined = ", ".join(f"o.{name} AS {name}" for name in read_once.attributes)
    return (f"SELECT s.* REPLACE ({joined}), hash(s.source_key, $ingest_id) AS group_source_key "
            f"FROM (SELECT *, {_source_key(group_source)} AS source_key FROM ({source_sql})) s "
            f"LEFT JOIN (SELECT {_source_key(group_source)} AS source_key, {', '.join(read_once.attributes)} "
            f"FROM {read_once.table}) o USING (source_key)")


def normalized(package: str, src: str, source_sql: str, group_source: Sequence[str] = (),
               read_once: ReadOnce | None = None) -> str:
    """The connector's normalize.sql over `source_sql` as its relation `src`, each source row with its
    `group_source_key` (FileIngest.group_source; NULL without one)."""
    keyed = _keyed(source_sql, group_source, read_once)
    return f"WITH {src} AS ({keyed}) SELECT * FROM ({connector_sql(package, 'normalize')})"


def _with_other_columns_null(rows_sql: str, source_sql: str, columns: Sequence[str], quantity: str | None = None
                             ) -> str:
    """`rows_sql`'s `columns` with every other column of `source_sql` NULL, but the consumed `quantity` 1 where given:
    normalised, a group's row then gives each quantity derived from it per unit (usage_store.DERIVED)."""
    listed = ", ".join(columns)
    one = f" REPLACE (1 AS {quantity})" if quantity else ""
    return (f"SELECT g.*, s.* EXCLUDE ({listed}){one} FROM ({rows_sql}) g "
            f"LEFT JOIN (SELECT * FROM ({source_sql}) LIMIT 0) s ON false")


def _read_already(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether this ingest read a TEMP table of distinct sets (FileIngest.drop_distinct_sets clears earlier ones)."""
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = $table",
                            {"table": table}).fetchall()[0][0])


def distinct_rows(source_sql: str, columns: Sequence[str], quantity: str) -> str:
    """Each distinct set of `columns` of `source_sql`'s rows, every other column NULL (of its type) but the consumed
    `quantity`, 1: normalised, the rows give what those columns decide, per unit, and only those columns are read."""
    return _with_other_columns_null(f"SELECT DISTINCT {', '.join(columns)} FROM ({source_sql})", source_sql, columns,
                                    quantity)


def normalized_groups(package: str, src: str, source_sql: str, group_source: Sequence[str], quantity: str
                      ) -> str | None:
    """The usage groups of `source_sql`'s rows (None without `group_source`); `quantity`, its column of the consumed
    quantity."""
    if not group_source:
        return None
    return normalized(package, src, distinct_rows(source_sql, group_source, quantity), group_source)


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, fileset: FileSet) -> Iterator[None]:
    """DuckDB reads remote files through the fileset's filesystems for the length of the ingest."""
    try:
        for fs in fileset.filesystems.values():
            con.register_filesystem(fs)
        yield
    finally:
        for fs in fileset.filesystems.values():
            con.unregister_filesystem(fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0])


class FileIngest(Generic[D]):
    provider: str  # the store's provider label ("AWS")
    src: str  # the relation the connector's normalize.sql reads ("cur_src")
    package: str  # the connector's package, whose normalize.sql is read
    formats: ModuleType  # the connector's formats.py: detect(con, file, size) and source_select(group)
    kind: str = "export"  # what a file is called in messages ("billing rows", "line items")
    # The column of the source relation whose value says whether a row is usage (bad values elsewhere matter less).
    row_filter: str | None = None
    # SQL over the source relation: why normalize.sql leaves a row out ('line type Tax'), NULL for a row it keeps.
    dropped_as: str | None = None
    # The source relation's columns that decide every usage-group column normalize.sql gives a row
    # (cloudcarbon/usage_store.py: provider, accounts, service, region, usage type, kind, file...). Given,
    # normalize.sql passes on `group_source_key`, their hash with the ingest's id, as the row's group key, and the
    # groups are normalised from each distinct set of them, read into a TEMP table before the lines (read_group_rows;
    # the lines then go through the module's normalized(), not an override of normalize()).
    group_source: tuple[str, ...] = ()
    # With a group source, the source relation's column of the consumed quantity, which normalize.sql derives the
    # instance-, vCPU-, storage-hours... from: a group is normalised with it 1, giving them per unit of it.
    quantity: str | None = None
    # Source columns costly to read on every line whose value is the group's (AWS: the vCPUs and region of the product
    # map, most of the cost of reading a CUR 2.0 line). Where each distinct set of the group source holds one value
    # of them, they are read with those sets only and reach the lines by a join on the group; else they are read on
    # every line and decide the group too.
    group_attributes: tuple[str, ...] = ()
    # Likewise the columns that decide a row's resource and tags in normalize.sql, and whether it is kept: given, the
    # resources and tag sets are found among the normalised distinct sets of them, not among every line.
    key_source: tuple[str, ...] = ()
    # The store table that names the rows' file and ingest, and the ingest log (a pipe's spool file is renamed `-` in
    # both): for usage, its groups (the key of a group is opaque: renaming its file keeps it).
    table, log = "usage_group", "ingests"

    # --- what each connector supplies ---------------------------------------------------------------------
    def resolve(self, sources: list[str]) -> FileSet:
        raise NotImplementedError

    def detect(self, con: duckdb.DuckDBPyConnection, file: str, size: int | None) -> D:
        """What a file is, from its header or schema alone (its formats.py)."""
        return self.formats.detect(con, file, size)

    def group(self, detected: D) -> Hashable:
        """Files read together by one SELECT: one format by default (or one container, or one header)."""
        return detected.format

    def source_select(self, group: list[D]) -> str:
        """SELECT over $files renaming a group's columns into the source relation (its formats.py)."""
        return self.formats.source_select(group)

    def checks(self) -> Sequence[Check]:
        """Bad values to look for, in order, after the load failed on one."""
        return ()

    def spelled(self, detected: D, column: str) -> str:
        """A source relation column as the file spells it."""
        return column

    def source_format(self, groups: dict[Hashable, list[D]]) -> str:
        return "+".join(sorted({d.format for group in groups.values() for d in group}))

    def logged_files(self, fileset: FileSet) -> list[str]:
        """The files as the store records them (x_source_file and the ingest log)."""
        return fileset.files

    def remote_error(self, file: str, error: Exception) -> InputError | None:
        """One line for an object-store request that failed after the client's retries."""
        return None

    def explain(self, error: duckdb.Error, container: str) -> str:
        return explain_read_error(error, container)

    def line_based(self, file: str) -> bool:
        """A plain-text export written line by line, whose last line lacks its newline only when it was cut off."""
        return file.lower().endswith(PLAIN_TEXT)

    def cut_off(self, fs: fsspec.AbstractFileSystem, file: str, size: int, detected: D) -> bool:
        """A line-based export whose last line lacks its newline was cut off."""
        return self.line_based(file) and not ends_with_newline(fs, file)

    def key_columns(self, group: list[D]) -> tuple[str, ...]:
        """key_source for a group of files (a connector whose rows' resources depend on more in some files)."""
        return self.key_source

    @property
    def full_group_source(self) -> tuple[str, ...]:
        """What decides a row's group when its group attributes are read on every line."""
        return (*self.group_source, *self.group_attributes)

    def normalize(self, source_sql: str) -> str:
        return normalized(self.package, self.src, source_sql, self.full_group_source)

    def normalized_groups(self, source_sql: str) -> str | None:
        return normalized_groups(self.package, self.src, source_sql, self.full_group_source, self._quantity())

    def _quantity(self) -> str:
        if not self.quantity:
            raise TypeError(f"{type(self).__name__} has a group_source but no quantity")
        return self.quantity

    def key_rows_table(self, number: int) -> str:
        """The TEMP table of the distinct key sets of batch `number` (the group at that position of the ingest's)."""
        return f"key_rows_{number}"

    def key_rows(self, con: duckdb.DuckDBPyConnection, source_sql: str, group: list[D], number: int) -> str | None:
        """Rows with the resources and tags of the group's lines (None without key columns), normalised from the
        distinct sets of its key columns: a TEMP table holds them, read before the lines, from which prepare() may
        derive more (aws: the tag sets)."""
        columns = self.key_columns(group)
        if not columns:
            return None
        table = self.key_rows_table(number)
        listed = ", ".join(columns)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT DISTINCT {listed} FROM ({source_sql})",
                    {"files": [d.file for d in group]})
        return self.normalize(_with_other_columns_null(f"SELECT * FROM {table}", source_sql, columns))

    def group_rows_table(self, number: int) -> str:
        """The TEMP table of the distinct group sets of batch `number` (the group at that position of the ingest's)."""
        return f"group_rows_{number}"

    def read_group_rows(self, con: duckdb.DuckDBPyConnection, source_sql: str, files: list[str], number: int
                        ) -> ReadOnce | None:
        """Read the distinct sets of batch `number`'s group source and attributes into its TEMP table, before the
        lines: the groups are normalised from it, and prepare() may classify it instead of every line. Return how
        the lines get the attributes once per group, or None where a set of the group source holds two values of
        them (they are then read on every line)."""
        table = self.group_rows_table(number)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT DISTINCT {', '.join(self.full_group_source)} "
                    f"FROM ({source_sql})", {"files": files})
        if not self.group_attributes:
            return None
        rows, groups = con.execute(
            f"SELECT count(*), count(DISTINCT {_source_key(self.group_source)}) FROM {table}").fetchall()[0]
        return ReadOnce(table, self.group_attributes) if rows == groups else None

    def classified_rows(self, con: duckdb.DuckDBPyConnection, group: list[D], number: int) -> str:
        """The rows to classify what depends on a row's group alone (aws, focus: the kinds of line) from: batch
        `number`'s distinct group sets (read_group_rows) with every other column NULL, or every row of its files
        where the connector built the batch itself. Reads $files."""
        table = self.group_rows_table(number)
        source_sql = self.source_select(group)
        return (_with_other_columns_null(f"SELECT * FROM {table}", source_sql, self.full_group_source)
                if _read_already(con, table) else source_sql)

    def key_sets(self, con: duckdb.DuckDBPyConnection, number: int) -> str | None:
        """The distinct key sets of batch `number` (key_rows), raw as the source relation holds them, for prepare()
        to derive more from; None where they were not read (no key columns, or a batch the connector built)."""
        table = self.key_rows_table(number)
        return f"SELECT * FROM {table}" if _read_already(con, table) else None

    def prepare(self, con: duckdb.DuckDBPyConnection, groups: dict[Hashable, list[D]]) -> None:
        """Anything the normalising SQL needs beside the coefficient tables (e.g. a classification table)."""

    def load(self, con: duckdb.DuckDBPyConnection, *, provider: str, source_format: str, files: list[str],
             batches: list[Batch], progress: bool | None) -> IngestSummary:
        """Store the batches in one transaction (usage rows by default; provider figures go elsewhere)."""
        return load(con, provider=provider, source_format=source_format, files=files, batches=batches,
                    progress=progress)

    # --- the template ---------------------------------------------------------------------------------------
    def ingest(self, con: duckdb.DuckDBPyConnection, sources: list[str], *, progress: bool | None = None
               ) -> IngestSummary:
        """Ingest SOURCES (`-` is what is piped in, recorded as `-`)."""
        with stdin_spooled(sources) as (sources, spool):
            if spool is None:
                return self.ingest_files(con, sources, progress)
            try:
                summary = self.ingest_files(con, sources, progress)
            except InputError as error:
                raise InputError(str(error).replace(spool, "- (stdin)")) from None
            # Inside the ingest's scratch store: the rows and the log name the pipe, not a removed file.
            con.execute(f"UPDATE {self.table} SET x_source_file = $stdin WHERE x_ingest_id = $id "
                        "AND x_source_file = $spool", {"stdin": STDIN, "id": summary.ingest_id, "spool": spool})
            con.execute(f"UPDATE {self.log} SET source_files = list_transform(source_files, lambda f: "
                        "CASE WHEN f = $spool THEN $stdin ELSE f END) WHERE ingest_id = $id",
                        {"stdin": STDIN, "id": summary.ingest_id, "spool": spool})
            summary.files = [STDIN if file == spool else file for file in summary.files]
            return summary

    def ingest_files(self, con: duckdb.DuckDBPyConnection, sources: list[str], progress: bool | None
                     ) -> IngestSummary:
        fileset = self.resolve(sources)
        with registered(con, fileset):
            prepare_estimation(con)  # the coefficient tables, once: the stored footprint reads them too
            define_ingest_macros(con)  # prepare() may run normalising SQL already (aws/split.sql)
            groups = self.detect_all(con, fileset)
            try:
                # Batches and prepare() may read whole files too (group attributes; aws: the kinds of line, split
                # line items): the same errors.
                batches = self.batches(con, groups)
                self.prepare(con, groups)
                summary = self.load(con, provider=self.provider, source_format=self.source_format(groups),
                                    files=self.logged_files(fileset), batches=batches, progress=progress)
            except duckdb.Error as error:
                if isinstance(error, BAD_VALUE):
                    located = next(filter(None, (self.locate_bad_value(con, group) for group in groups.values())),
                                   None)
                    if located:
                        raise InputError(located) from None
                if isinstance(error, UNREADABLE) or type(error) is duckdb.Error:
                    raise InputError(self.locate_unreadable(con, groups)) from None
                raise
            self.drop_distinct_sets(con, len(groups))
            if summary.rows_kept + summary.duplicates_dropped < summary.rows_read:
                summary.dropped = self.count_dropped(con, groups)
            return summary

    def drop_distinct_sets(self, con: duckdb.DuckDBPyConnection, batches: int) -> None:
        """Drop the TEMP tables of distinct group and key sets: after the load, and any an earlier ingest on this
        connection left, which classified_rows and key_sets would otherwise take for this ingest's."""
        for number in range(batches):
            con.execute(f"DROP TABLE IF EXISTS {self.group_rows_table(number)}")
            con.execute(f"DROP TABLE IF EXISTS {self.key_rows_table(number)}")

    def positioned(self, group: list[D]) -> bool:
        """Whether the group's source relation carries each row's data row number (`source_row`) as the reader
        gives it (Parquet's file_row_number), so that rows need not be numbered in file order on one thread."""
        return False

    def count_dropped(self, con: duckdb.DuckDBPyConnection, groups: dict[Hashable, list[D]]) -> list[Dropped]:
        """The rows left out, by reason, with the first of each by file and data row."""
        if self.dropped_as is None:
            return []
        found: dict[str, list] = {}
        one_file = sum(len(group) for group in groups.values()) == 1
        for group in groups.values():
            positioned = self.positioned(group)
            numbered = ("SELECT source_file, source_row AS row_no" if positioned else
                        "SELECT source_file, row_number() OVER (PARTITION BY source_file) AS row_no")
            with nullcontext() if positioned else single_threaded(con):  # numbered in file order: one thread
                rows = con.execute(
                    f"""
                    WITH src AS ({self.source_select(group)}),
                    numbered AS ({numbered}, {self.dropped_as} AS reason FROM src)
                    SELECT reason, count(*), arg_min(source_file, row_no), min(row_no)
                    FROM numbered WHERE reason IS NOT NULL GROUP BY reason
                    """,
                    {"files": [d.file for d in group]},
                ).fetchall()
            for reason, count, file, row in rows:
                first = f"data row {row}" if one_file else f"{file} data row {row}"
                found.setdefault(reason, [0, first])[0] += count
        return sorted((Dropped(reason, count, first) for reason, (count, first) in found.items()),
                      key=lambda d: (-d.rows, d.reason))

    def filesystem(self, fileset: FileSet, file: str) -> fsspec.AbstractFileSystem:
        scheme = file.split("://", 1)[0].lower() if "://" in file else None
        return fileset.filesystems.get(scheme, local_filesystem()) if scheme else local_filesystem()

    def detect_all(self, con: duckdb.DuckDBPyConnection, fileset: FileSet) -> dict[Hashable, list[D]]:
        """Group the files, refusing any that is empty, foreign or cut off."""
        groups: dict[Hashable, list[D]] = defaultdict(list)
        for file in fileset.files:
            fs = self.filesystem(fileset, file)
            with self.remote_errors(file):
                size = file_size(fs, file)
            try:
                detected = self.detect(con, file, size)
            except InputError:
                # A last line cut off mid-record can break detection itself (JSON lines): say what happened.
                with self.remote_errors(file):
                    if size and self.line_based(file) and not ends_with_newline(fs, file):
                        raise InputError(TRUNCATED.format(file=file)) from None
                raise
            with self.remote_errors(file):
                cut = bool(size) and self.cut_off(fs, file, size or 0, detected)
            if cut:
                raise InputError(TRUNCATED.format(file=file))
            groups[self.group(detected)].append(detected)
        return groups

    @contextmanager
    def remote_errors(self, file: str) -> Iterator[None]:
        try:
            yield
        except Exception as error:  # an object-store request that failed after the client's retries
            friendly = self.remote_error(file, error) if "://" in file else None
            if friendly is None:
                raise
            raise friendly from None

    def batches(self, con: duckdb.DuckDBPyConnection, groups: dict[Hashable, list[D]]) -> list[Batch]:
        self.drop_distinct_sets(con, len(groups))
        batches = []
        for group in groups.values():
            files = [d.file for d in group]
            source_sql = self.source_select(group)
            try:
                rows_read = con.execute(f"SELECT count(*) FROM ({source_sql})", {"files": files}).fetchall()[0][0]
            except duckdb.Error as error:
                if isinstance(error, UNREADABLE) or type(error) is duckdb.Error:
                    raise InputError(self.locate_unreadable(con, {None: group})) from None
                raise
            if rows_read == 0:
                raise InputError(f"{files[0]}: holds a header but no {self.kind}; is the export complete?")
            batches.append(self.batch(con, group, source_sql, rows_read, len(batches)))
        return batches

    def batch(self, con: duckdb.DuckDBPyConnection, group: list[D], source_sql: str, rows_read: int, number: int
              ) -> Batch:
        """The rows group `number` loads (the source relation is kept to name the data rows of identical copies),
        with its usage groups and keys, whose distinct sets are read first."""
        files = [d.file for d in group]
        if not self.group_source:
            return Batch(self.normalize(source_sql), {"files": files}, rows_read, source_sql,
                         keys_sql=self.key_rows(con, source_sql, group, number))
        read_once = self.read_group_rows(con, source_sql, files, number)
        lines = read_once.lean(source_sql) if read_once else source_sql
        keyed_by = self.group_source if read_once else self.full_group_source
        groups = _with_other_columns_null(f"SELECT * FROM {self.group_rows_table(number)}", lines,
                                          self.full_group_source, self._quantity())
        return Batch(normalized(self.package, self.src, lines, keyed_by, read_once), {"files": files}, rows_read,
                     source_sql, normalized(self.package, self.src, groups, keyed_by),
                     self.key_rows(con, lines, group, number))

    def locate_bad_value(self, con: duckdb.DuckDBPyConnection, group: list[D]) -> str | None:
        """Name the file, data row and column (as the file spells it) of the group's first bad value."""
        by_file = {d.file: d for d in group}
        return self.first_bad_value(con, self.source_select(group), {"files": list(by_file)},
                                    lambda file, column: self.spelled(by_file[file], column))

    def first_bad_value(self, con: duckdb.DuckDBPyConnection, source_sql: str, params: dict[str, object],
                        spell: Callable[[str, str], str]) -> str | None:
        """The first value of the source relation `source_sql` that a check finds, as one line naming source, row
        and column (`spell(source, column)`). Runs only after a failed ingest, single-threaded so that row numbers
        follow the file's order; a source that cannot be read at all is left to locate_unreadable."""
        usage = f", CAST({self.row_filter} AS VARCHAR) AS row_filter" if self.row_filter else ""
        with single_threaded(con):
            for check in self.checks():
                try:
                    found = con.execute(
                        f"""
                        WITH src AS ({source_sql}),
                        numbered AS (SELECT source_file, row_number() OVER (PARTITION BY source_file) AS row_no,
                                            CAST({check.column} AS VARCHAR) AS value{usage} FROM src)
                        SELECT source_file, row_no, value FROM numbered WHERE {check.condition} LIMIT 1
                        """,
                        params,
                    ).fetchall()
                except duckdb.Error:
                    return None
                if found:
                    source, row, value = found[0]
                    shown = f"{value!r} " if value else ""
                    return (f"{source}: data row {row}, column {spell(source, check.column)}: {shown}{check.problem}; "
                            "fix or re-export the file")
        return None

    def locate_unreadable(self, con: duckdb.DuckDBPyConnection, groups: dict[Hashable, list[D]]) -> str:
        items = [(d.file, d.container, self.source_select([d])) for group in groups.values() for d in group]
        return locate_unreadable_file(con, items, self.explain)

