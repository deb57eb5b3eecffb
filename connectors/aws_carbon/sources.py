"""Find the carbon emissions export files a SOURCE stands for: files, globs, folders, zip archives or s3:// prefixes
(a Data Export delivers to S3), through connectors/files.py and connectors/remote.py."""

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
from cloudcarbon.connectors.remote import s3_error, s3_filesystem
from cloudcarbon.errors import InputError


def resolve(sources: list[str], profile: str | None = None) -> FileSet:
    """All data files the SOURCE arguments stand for, with the filesystems needed to read them."""
    fileset = FileSet()
    for source in sources:
        if is_remote(source):
            if not source.lower().startswith("s3://"):
                raise InputError(f"{source}: `ingest aws-carbon` reads local paths and s3:// URLs")
            fs = fileset.filesystems.setdefault("s3", s3_filesystem(profile))
            try:
                names = expand_remote(fs, source)
            except Exception as error:
                friendly = s3_error(source, error, profile, listing=True)
                if friendly is None:
                    raise
                raise friendly from None
        else:
            fs, names = local_filesystem(), expand_local(source)
        chosen = [name for name in names if is_data_file(name)]
        if not chosen:
            raise InputError(f"{source}: no carbon emissions export files found (.csv, .csv.gz, .csv.zip or .parquet)")
        fileset.files.extend(zip_members(chosen, fs, fileset))
    fileset.files = list(dict.fromkeys(fileset.files))
    return fileset
