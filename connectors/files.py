"""Turn SOURCE arguments (paths, globs, directories, object-storage URLs) into readable data files.

Every connector shares this: it lists files through fsspec, so a local folder and an `s3://` prefix
go through the same code, and DuckDB reads remote files through the same filesystem object
(`con.register_filesystem`), which works offline and against a local moto server.
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import duckdb
import fsspec
from fsspec.implementations.local import LocalFileSystem

from cloudcarbon.errors import InputError

DATA_SUFFIXES = (".csv", ".csv.gz", ".csv.zip", ".parquet", ".snappy.parquet", ".gz.parquet")


def is_data_file(name: str) -> bool:
    return name.lower().endswith(DATA_SUFFIXES)


def is_remote(source: str) -> bool:
    return "://" in source and not source.startswith("file://")


@dataclass
class FileSet:
    """Files to read, the filesystems DuckDB needs to read them, and scratch space to clean up."""

    files: list[str] = field(default_factory=list)
    filesystems: dict[str, fsspec.AbstractFileSystem] = field(default_factory=dict)
    scratch: list[Path] = field(default_factory=list)

    def cleanup(self) -> None:
        for folder in self.scratch:
            shutil.rmtree(folder, ignore_errors=True)
        self.scratch.clear()


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


def extract_zips(files: list[str], fs: fsspec.AbstractFileSystem, fileset: FileSet) -> list[str]:
    """DuckDB cannot read .csv.zip: unpack each member into scratch space and read that instead."""
    readable: list[str] = []
    for name in files:
        if not name.lower().endswith(".zip"):
            readable.append(name)
            continue
        scratch = Path(tempfile.mkdtemp(prefix="cloudcarbon-unzip-"))
        fileset.scratch.append(scratch)
        try:
            with fs.open(name, "rb") as handle, zipfile.ZipFile(handle) as archive:
                members = [m for m in archive.namelist() if is_data_file(m) and not m.endswith("/")]
                if not members:
                    raise InputError(f"{name}: the zip archive holds no CSV or Parquet file")
                for member in members:
                    target = scratch / Path(member).name
                    with archive.open(member) as src, open(target, "wb") as dst:
                        shutil.copyfileobj(src, dst)
                    readable.append(str(target))
        except (zipfile.BadZipFile, EOFError) as error:
            raise InputError(f"{name}: corrupt or truncated zip archive ({error}); download it again") from None
    return readable


def ends_with_newline(fs: fsspec.AbstractFileSystem, name: str) -> bool:
    """Exports end every line with a newline; a plain CSV that does not was cut off."""
    size = fs.size(name)
    if not size:
        return True
    with fs.open(name, "rb") as handle:
        handle.seek(size - 1)
        return handle.read(1) in (b"\n", b"\r")


def local_filesystem() -> fsspec.AbstractFileSystem:
    return LocalFileSystem()


@contextmanager
def single_threaded(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Scan in file order: error locators number rows, and parallel scans would shuffle them."""
    con.execute("SET threads = 1")
    try:
        yield
    finally:
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
