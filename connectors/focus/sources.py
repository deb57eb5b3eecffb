"""Find the FOCUS data files a SOURCE stands for: files, globs, folders, or object-storage prefixes.

Local paths and object storage reuse the shared resolution and each provider connector's filesystem
(s3fs, gcsfs, adlfs), with its endpoint settings, bounded retries and one-line messages.
"""

from __future__ import annotations

import fsspec

from cloudcarbon.connectors.aws.sources import _credentials_error, s3_filesystem
from cloudcarbon.connectors.azure.sources import azure_filesystem
from cloudcarbon.connectors.azure.sources import remote_error as azure_error
from cloudcarbon.connectors.files import (
    FileSet,
    expand_local,
    expand_remote,
    is_data_file,
    is_remote,
    local_filesystem,
    zip_members,
)
from cloudcarbon.connectors.gcp.sources import gcs_filesystem
from cloudcarbon.connectors.gcp.sources import remote_error as gcs_error
from cloudcarbon.errors import InputError

# URL scheme -> the provider connector whose filesystem reads it
REMOTE = {"s3": "aws", "gs": "gcp", "gcs": "gcp", "az": "azure", "abfs": "azure", "abfss": "azure"}


def _filesystem(scheme: str, profile: str | None) -> fsspec.AbstractFileSystem:
    """Each provider's own connector's filesystem: the same endpoint settings, credentials, bounded retries
    and timeouts as `ingest aws|gcp|azure`."""
    if REMOTE[scheme] == "aws":
        return s3_filesystem(profile)
    if REMOTE[scheme] == "gcp":
        return gcs_filesystem()
    return azure_filesystem(scheme)


def remote_error(scheme: str, source: str, error: Exception, listing: bool = False) -> InputError | None:
    """One line for a failed sign-in, or a read or listing that failed after the client's retries."""
    if REMOTE[scheme] == "aws":
        return _credentials_error(source, error, None)
    if REMOTE[scheme] == "gcp":
        return gcs_error(source, error, listing)
    return azure_error(source, error, listing)


def resolve(sources: list[str], profile: str | None = None) -> FileSet:
    """All data files the SOURCE arguments stand for, with the filesystems needed to read them."""
    fileset = FileSet()
    for source in sources:
        if is_remote(source):
            scheme = source.split("://", 1)[0].lower()
            if scheme not in REMOTE:
                raise InputError(f"{source}: `ingest focus` reads local paths and s3://, gs:// or az:// URLs")
            fs = fileset.filesystems.setdefault(scheme, _filesystem(scheme, profile))
            try:
                names = expand_remote(fs, source)
            except Exception as error:
                friendly = (_credentials_error(source, error, profile) if scheme == "s3"
                            else remote_error(scheme, source, error, listing=True))
                if friendly is None:
                    raise
                raise friendly from None
        else:
            fs, names = local_filesystem(), expand_local(source)
        chosen = [name for name in names if is_data_file(name)]
        if not chosen:
            raise InputError(f"{source}: no FOCUS data files found (.csv, .csv.gz, .csv.zip or .parquet)")
        fileset.files.extend(zip_members(chosen, fs, fileset))
    fileset.files = list(dict.fromkeys(fileset.files))
    return fileset
