"""Turn SOURCE arguments (paths, globs, directories, object-storage URLs) into readable data files.

Every connector shares this: it lists files through fsspec, so a local folder and an `s3://` prefix
go through the same code, and DuckDB reads remote files through the same filesystem object
(`con.register_filesystem`), which works offline and against a local moto server.
"""

from __future__ import annotations

import glob
import io
import os
import re
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

import duckdb
import fsspec
from fsspec.implementations.local import LocalFileSystem

from cloudcarbon.errors import InputError, UsageError

# How a connector reads Parquet exports: columns united by name, and each row's file and position in it (from 0),
# which name a row (the first of those left out) without reading the file again in order on one thread.
PARQUET_READER = "read_parquet({files}, union_by_name = true, filename = true, file_row_number = true)"
PARQUET_READER_COLUMNS = "filename, file_row_number"  # what the reader adds to the file's own columns
DATA_SUFFIXES = (".csv", ".csv.gz", ".csv.zip", ".parquet", ".snappy.parquet", ".gz.parquet")


def is_data_file(name: str) -> bool:
    return name.lower().endswith(DATA_SUFFIXES)


def is_remote(source: str) -> bool:
    return "://" in source and not source.startswith("file://")


@dataclass
class FileSet:
    """Files to read and the filesystems DuckDB needs to read them."""

    files: list[str] = field(default_factory=list)
    filesystems: dict[str, fsspec.AbstractFileSystem] = field(default_factory=dict)


# DuckDB types a column of amounts may have: numbers of any width, text (whose bad values each connector
# names by row and column), or Parquet's type of a column with no values at all.
NUMBER_OR_TEXT = re.compile(
    r'U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)|FLOAT|DOUBLE|DECIMAL\(\d+, *\d+\)|VARCHAR|"NULL"')


def refuse_non_numeric(file: str, types: dict[str, str], columns: Iterable[str]) -> None:
    """Refuse a file whose columns of amounts are stored as another type (BOOLEAN, a date, bytes, a struct):
    DuckDB would read `true` as a cost of 1, and a date or bytes only fail later without a column's name."""
    for column in columns:
        kind = types.get(column)
        if kind is not None and not NUMBER_OR_TEXT.fullmatch(kind):
            raise InputError(f"{file}: column {column} is stored as {kind}, but it holds amounts; export it as a "
                             "number (DOUBLE or DECIMAL)")


def expand_local(source: str) -> list[str]:
    """A file, a directory (searched recursively) or a glob, as sorted absolute paths."""
    # Absolute but not symlink-resolved, so messages name files the way the user reached them.
    path = Path(os.path.abspath(os.path.expanduser(source)))
    if path.is_file():
        return [str(path)]
    if path.is_dir():
        found = [str(p) for p in path.rglob("*") if p.is_file()]
        if not found:
            raise InputError(f"{source}: the directory is empty; point at a folder holding billing export files")
        return sorted(found)
    if glob.has_magic(source):
        found = [os.path.abspath(p) for p in glob.glob(os.path.expanduser(source), recursive=True)]
        found = [p for p in found if Path(p).is_file()]
        if not found:
            raise InputError(f"{source}: the pattern matches no file; check the path and quote the glob")
        return sorted(found)
    raise InputError(f"{source}: no such file or directory")


def expand_remote(fs: fsspec.AbstractFileSystem, source: str) -> list[str]:
    """Every object under a URL prefix (or the one object it names), as full URLs."""
    protocol = source.split("://", 1)[0]
    stripped = fs._strip_protocol(source)
    try:
        if fs.isfile(stripped):
            return [source]
        found = sorted(fs.find(stripped))
    except (PermissionError, OSError) as error:
        raise InputError(f"{source}: cannot list objects ({error}); check the URL and your credentials") from None
    if not found:
        raise InputError(f"{source}: no objects under this prefix; check the bucket and prefix")
    return [f"{protocol}://{key}" for key in found]


def manifest_key_parts(manifest: str, key: object, root: str, written: object = None) -> tuple[str, ...]:
    """The folders and name of a data file a manifest lists (`written`, if not `key` itself), below the folder
    or bucket prefix `root` it may name files in. A key that is absolute, climbs out with `..` or is another
    URL is refused: a hostile manifest could otherwise make an ingest read any file the user can."""
    path = PurePosixPath(key) if isinstance(key, str) else None
    if path is None or not path.parts or path.is_absolute() or ".." in path.parts or "://" in str(key):
        raise outside_manifest(manifest, key if written is None else written, root)
    return path.parts


def outside_manifest(manifest: str, key: object, root: str) -> InputError:
    return InputError(
        f"{manifest}: data file {key} lies outside {root}, where this manifest's own report is; a manifest "
        "may list only its report's files (no other bucket, absolute path or '..'), so nothing was read; "
        "check where the manifest came from"
    )


# Zip members are streamed, never unpacked, but a small hostile archive could still keep an ingest
# decompressing for hours: refuse a member that expands more than real exports do (CUR and Azure CSVs
# compress about 20:1; deflate's limit is about 1000:1) or declares more than one export file holds.
ZIP_MAX_RATIO = 200
ZIP_MAX_MEMBER_BYTES = 64 * 2**30
ZIP_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate", zipfile.ZIP_BZIP2: "bzip2",
               zipfile.ZIP_LZMA: "lzma"}


class _MemberStream(io.RawIOBase):
    """One zip member, decompressed as it is read, closing its archive's handle with it."""

    def __init__(self, handle: IO[bytes], info: zipfile.ZipInfo) -> None:
        super().__init__()
        self._handle = handle
        self._member = zipfile.ZipFile(handle).open(info)  # noqa: SIM115 (closed by close())

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._member.read(len(memoryview(buffer)))
        memoryview(buffer)[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._member.seek(offset, whence)

    def tell(self) -> int:
        return self._member.tell()

    def close(self) -> None:
        if not self.closed:
            self._member.close()
            self._handle.close()
        super().close()


class ZipMembers(fsspec.AbstractFileSystem):
    """The data files inside zip archives as `zip://<archive>/<member>` paths that DuckDB reads through this
    filesystem (registered as `zip`): each read streams the member out of its archive, local or in object
    storage, so nothing is unpacked to disk and every message names the user's archive and member."""

    protocol = "zip"
    cachable = False

    def __init__(self) -> None:
        super().__init__()
        self.members: dict[str, tuple[fsspec.AbstractFileSystem, str, zipfile.ZipInfo]] = {}

    @classmethod
    def _strip_protocol(cls, path: str) -> str:
        return path  # members are known by their whole name

    def add(self, fs: fsspec.AbstractFileSystem, archive: str) -> list[str]:
        """The data files of one archive, refusing it whole if any member is unreadable or too big."""
        try:
            with fs.open(archive, "rb") as handle, zipfile.ZipFile(handle) as opened:
                infos = [i for i in opened.infolist() if not i.is_dir() and is_data_file(i.filename)]
        except (zipfile.BadZipFile, EOFError) as error:
            raise InputError(f"{archive}: corrupt or truncated zip archive ({error}); download it again") from None
        if not infos:
            raise InputError(f"{archive}: the zip archive holds no CSV or Parquet file")
        names = []
        for info in infos:
            name = f"zip://{archive}/{info.filename}"
            if info.flag_bits & 0x1:
                raise InputError(f"{name}: the zip member is encrypted; unzip it with its password and ingest the CSV")
            if info.compress_type not in ZIP_METHODS:
                raise InputError(f"{name}: the zip member is compressed with method {info.compress_type}, not "
                                 f"{', '.join(ZIP_METHODS.values())}; unzip it and ingest the CSV")
            if info.file_size > ZIP_MAX_MEMBER_BYTES:
                raise InputError(f"{name}: the zip member declares {info.file_size:,} bytes, more than the "
                                 f"{ZIP_MAX_MEMBER_BYTES:,} bytes cloudcarbon reads from one member; split the "
                                 "export or unzip it and ingest the CSV")
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > ZIP_MAX_RATIO:
                raise InputError(f"{name}: the zip member would expand {ratio:,.0f} times, beyond the "
                                 f"{ZIP_MAX_RATIO}:1 cloudcarbon reads (exports compress about 20:1), so it looks "
                                 "like a zip bomb and was not read; unzip it yourself if it is genuine")
            self.members[name] = (fs, archive, info)
            names.append(name)
        return names

    def _open(self, path: str, mode: str = "rb", **kwargs: object) -> IO[bytes]:
        fs, archive, info = self.members[path]
        handle = fs.open(archive, "rb")
        try:
            return _MemberStream(handle, info)
        except BaseException:
            handle.close()
            raise

    def info(self, path: str, **kwargs: object) -> dict[str, object]:
        if path not in self.members:
            raise FileNotFoundError(path)
        return {"name": path, "size": self.members[path][2].file_size, "type": "file"}

    def ls(self, path: str, detail: bool = True, **kwargs: object) -> list:
        return [self.info(path) if detail else path]

    def glob(self, path: str, **kwargs: object) -> list[str]:
        return [path] if path in self.members else []


def zip_members(files: list[str], fs: fsspec.AbstractFileSystem, fileset: FileSet) -> list[str]:
    """`files` with each .zip archive replaced by its data files, read through the fileset's `zip` filesystem."""
    readable: list[str] = []
    for name in files:
        if name.lower().endswith(".zip"):
            members = fileset.filesystems.setdefault("zip", ZipMembers())
            readable.extend(members.add(fs, name))  # type: ignore[attr-defined]
        else:
            readable.append(name)
    return readable


def ends_with_newline(fs: fsspec.AbstractFileSystem, name: str) -> bool:
    """Exports end every line with a newline; a plain CSV that does not was cut off."""
    size = fs.size(name)
    if not size:
        return True
    with fs.open(name, "rb") as handle:
        handle.seek(size - 1)
        return handle.read(1) in (b"\n", b"\r")


def file_size(fs: fsspec.AbstractFileSystem, name: str) -> int | None:
    """The file's size, or None where the filesystem cannot tell (the reader then finds out)."""
    try:
        return fs.size(name)
    except OSError:
        return None


def local_filesystem() -> fsspec.AbstractFileSystem:
    return LocalFileSystem()


@contextmanager
def single_threaded(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run on one thread: scans then keep file order (error locators number rows, parallel scans would shuffle them),
    and an aggregate whose every thread would build nearly all its groups costs less CPU in no more time."""
    con.execute("SET threads = 1")
    try:
        yield
    except BaseException:
        with suppress(duckdb.Error):  # an aborted transaction refuses the RESET: the body's error is the one to report
            con.execute("RESET threads")
        raise
    con.execute("RESET threads")


def locate_unreadable_file(
    con: duckdb.DuckDBPyConnection,
    items: list[tuple[str, str, str]],
    explain: Callable[[duckdb.Error, str], str],
) -> str:
    """After a read error over many files, read each alone to name the one that fails.

    `items` are (file, container, SELECT over $files reading just that file)."""
    for file, container, select in items:
        try:
            # Hashing whole rows makes DuckDB decode every column (a count would read only metadata).
            con.execute(f"SELECT bit_xor(hash(t)) FROM ({select}) t", {"files": [file]}).fetchall()
        except duckdb.Error as error:
            return f"{file}: {explain(error, container)}"
    first = items[0][0]
    return f"{first}{' and others' if len(items) > 1 else ''}: could not be read together; ingest them one by one"


def failed_after_retries(name: str, error: BaseException, *, listing: bool, settings: str) -> InputError:
    """One line for an object-store read or listing that still failed after the client's retries: the
    exception's type and first line (later lines carry request ids and response bodies)."""
    text = str(error).strip().splitlines()
    raised = f"{error.__class__.__name__}: {text[0]}" if text else error.__class__.__name__
    if listing:
        return InputError(f"{name}: cannot list it after retries ({raised}); check the URL, the network and "
                          f"{settings}, then retry")
    return InputError(f"{name}: reading it failed after retries ({raised}); check the network and credentials, "
                      "then retry")


STDIN = "-"
# The first bytes of what is piped in -> the suffix that tells the connectors' detection what it is.
MAGIC_SUFFIXES = ((b"PAR1", ".parquet"), (b"\x1f\x8b", ".csv.gz"), (b"PK\x03\x04", ".zip"), (b"{", ".jsonl"))


@contextmanager
def stdin_spooled(sources: list[str]) -> Iterator[tuple[list[str], str | None]]:
    """SOURCES with `-` replaced by a file holding what was piped in (streamed to disk, never held in memory),
    named by its content (Parquet, gzip, zip, JSON lines, else CSV); yields (sources, that file or None) and
    removes it afterwards."""
    if STDIN not in sources:
        yield sources, None
        return
    if sources.count(STDIN) > 1:
        raise UsageError("- (stdin) can be given once")
    if sys.stdin is None or sys.stdin.isatty():
        raise UsageError("- reads an export piped in, but stdin is a terminal; e.g. "
                         "`gunzip -c cur.csv.gz | cloudcarbon ingest aws -`")
    stream = sys.stdin.buffer
    head = stream.read(4)
    suffix = next((suffix for magic, suffix in MAGIC_SUFFIXES if head.startswith(magic)), ".csv")
    folder = tempfile.mkdtemp(prefix="cloudcarbon-stdin-")
    try:
        spool = os.path.join(folder, f"stdin{suffix}")
        with open(spool, "wb") as handle:
            handle.write(head)
            shutil.copyfileobj(stream, handle, 1 << 20)
        yield [spool if source == STDIN else source for source in sources], spool
    finally:
        shutil.rmtree(folder, ignore_errors=True)
