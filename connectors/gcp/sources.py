"""Find the exported billing-table files a SOURCE stands for: files, globs, folders or gs:// prefixes."""

from __future__ import annotations

import fsspec

from cloudcarbon.connectors.files import FileSet, expand_local, expand_remote, is_remote
from cloudcarbon.errors import CloudcarbonError, InputError

DATA_SUFFIXES = (
    ".csv", ".csv.gz", ".parquet", ".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz",
)


def is_data_file(name: str) -> bool:
    return name.lower().endswith(DATA_SUFFIXES)


def gcs_filesystem(project: str | None = None) -> fsspec.AbstractFileSystem:
    """A gcsfs filesystem on Application Default Credentials (anonymous access if there are none)."""
    try:
        import gcsfs
    except ImportError:
        raise CloudcarbonError("reading gs:// needs the GCP extra: pip install 'cloudcarbon[gcp]'") from None
    return gcsfs.GCSFileSystem(project=project, skip_instance_cache=True)


def resolve(sources: list[str], project: str | None = None) -> FileSet:
    """All data files the SOURCE arguments stand for, with the filesystems needed to read them."""
    fileset = FileSet()
    for source in sources:
        if is_remote(source):
            if not source.startswith("gs://"):
                raise InputError(f"{source}: `ingest gcp` reads local paths and gs:// URLs")
            fs = fileset.filesystems.setdefault("gs", gcs_filesystem(project))
            names = expand_remote(fs, source)
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
