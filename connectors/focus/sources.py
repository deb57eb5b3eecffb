"""Find the FOCUS data files a SOURCE stands for: files, globs, folders, or object-storage prefixes.

Local paths and object storage (s3fs, gcsfs, adlfs through connectors/remote.py) with the same endpoint
settings, bounded retries and one-line messages as the provider connectors.
"""

from __future__ import annotations

from cloudcarbon.connectors.files import (
    FileSet,
    expand_local,
    expand_remote,
    is_data_file,
    is_remote,
    local_filesystem,
    zip_members,
)
from cloudcarbon.connectors.remote import SCHEMES, filesystem, remote_error
from cloudcarbon.errors import InputError


def resolve(sources: list[str], profile: str | None = None) -> FileSet:
    """All data files the SOURCE arguments stand for, with the filesystems needed to read them."""
    fileset = FileSet()
    for source in sources:
        if is_remote(source):
            scheme = source.split("://", 1)[0].lower()
            if scheme not in SCHEMES:
                raise InputError(f"{source}: `ingest focus` reads local paths and s3://, gs:// or az:// URLs")
            fs = fileset.filesystems.setdefault(scheme, filesystem(scheme, profile=profile))
            try:
                names = expand_remote(fs, source)
            except Exception as error:
                friendly = remote_error(scheme, source, error, listing=True, profile=profile)
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
