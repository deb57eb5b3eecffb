"""Find the FOCUS data files a SOURCE stands for: files, globs, folders, or object-storage prefixes.

Local paths and `s3://` reuse the shared resolution (and the AWS connector's s3 filesystem, with its
credential messages); `gs://` and `az://`/`abfs://` go through fsspec when gcsfs/adlfs are installed.
"""

from __future__ import annotations

import fsspec

from cloudcarbon.connectors.aws.sources import _credentials_error, s3_filesystem
from cloudcarbon.connectors.files import (
    FileSet,
    expand_local,
    expand_remote,
    extract_zips,
    is_data_file,
    is_remote,
    local_filesystem,
)
from cloudcarbon.errors import CloudcarbonError, InputError

# URL scheme -> (fsspec protocol, pip extra that provides it)
REMOTE = {"s3": ("s3", "aws"), "gs": ("gcs", "gcp"), "gcs": ("gcs", "gcp"), "az": ("abfs", "azure"),
          "abfs": ("abfs", "azure"), "abfss": ("abfs", "azure")}


def _filesystem(scheme: str, profile: str | None) -> fsspec.AbstractFileSystem:
    if scheme == "s3":
        return s3_filesystem(profile)
    protocol, extra = REMOTE[scheme]
    try:
        return fsspec.filesystem(protocol)
    except ImportError:
        raise CloudcarbonError(f"reading {scheme}:// needs the {extra} extra: pip install 'cloudcarbon[{extra}]'"
                               ) from None


def resolve(sources: list[str], profile: str | None = None) -> FileSet:
    """All data files the SOURCE arguments stand for, with the filesystems needed to read them."""
    fileset = FileSet()
    try:
        for source in sources:
            if is_remote(source):
                scheme = source.split("://", 1)[0].lower()
                if scheme not in REMOTE:
                    raise InputError(f"{source}: `ingest focus` reads local paths and s3://, gs:// or az:// URLs")
                fs = fileset.filesystems.setdefault(scheme, _filesystem(scheme, profile))
                try:
                    names = expand_remote(fs, source)
                except Exception as error:
                    friendly = _credentials_error(source, error, profile) if scheme == "s3" else None
                    if friendly is None:
                        raise
                    raise friendly from None
            else:
                fs, names = local_filesystem(), expand_local(source)
            chosen = [name for name in names if is_data_file(name)]
            if not chosen:
                raise InputError(f"{source}: no FOCUS data files found (.csv, .csv.gz, .csv.zip or .parquet)")
            fileset.files.extend(extract_zips(chosen, fs, fileset))
    except BaseException:
        fileset.cleanup()
        raise
    fileset.files = list(dict.fromkeys(fileset.files))
    return fileset
