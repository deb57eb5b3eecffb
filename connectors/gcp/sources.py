"""Find the exported billing-table files a SOURCE stands for: files, globs, folders or gs:// prefixes."""

from __future__ import annotations

from cloudcarbon.connectors.files import FileSet, expand_local, expand_remote, is_remote
from cloudcarbon.connectors.remote import gcs_error, gcs_filesystem
from cloudcarbon.errors import InputError

DATA_SUFFIXES = (
    ".csv", ".csv.gz", ".parquet", ".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz",
)


def is_data_file(name: str) -> bool:
    return name.lower().endswith(DATA_SUFFIXES)


def resolve(sources: list[str], project: str | None = None) -> FileSet:
    """All data files the SOURCE arguments stand for, with the filesystems needed to read them."""
    fileset = FileSet()
    for source in sources:
        if is_remote(source):
            if not source.startswith("gs://"):
                raise InputError(f"{source}: `ingest gcp` reads local paths and gs:// URLs")
            fs = fileset.filesystems.setdefault("gs", gcs_filesystem(project))
            try:
                names = expand_remote(fs, source)
            except Exception as error:
                raise gcs_error(source, error, listing=True) or error from None
        else:
            names = expand_local(source)
        chosen = [n for n in names if is_data_file(n)]
        if not chosen:
            raise InputError(
                f"{source}: no billing export files found (.csv, .csv.gz, .jsonl, .json, .json.gz or .parquet)"
            )
        fileset.files.extend(chosen)
    fileset.files = list(dict.fromkeys(fileset.files))
    return fileset
