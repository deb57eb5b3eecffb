"""Find the CUR data files a SOURCE stands for: files, globs, folders, manifests, or S3 prefixes.

AWS rewrites a billing period's files on every refresh and points at the current set from a
manifest, so when manifests are present they decide which files are read; stale assemblies next to
them are ignored.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath

import fsspec

from cloudcarbon.connectors.files import (
    FileSet,
    expand_local,
    expand_remote,
    is_data_file,
    is_remote,
    local_filesystem,
    manifest_key_parts,
    outside_manifest,
    zip_members,
)
from cloudcarbon.connectors.remote import s3_error, s3_filesystem
from cloudcarbon.errors import InputError

# Legacy CUR writes one manifest per period folder (20240101-20240201/) pointing at the latest
# assembly, plus a copy inside every assembly folder; only the period-level one is current.
LEGACY_PERIOD_DIR = re.compile(r"^\d{8}-\d{8}$")

def is_manifest(name: str) -> bool:
    return name.endswith("-Manifest.json")


def _is_current_manifest(name: str) -> bool:
    """Period-level legacy manifests and CUR 2.0 metadata manifests; not per-assembly copies."""
    parent = PurePosixPath(name).parent
    return bool(LEGACY_PERIOD_DIR.match(parent.name)) or parent.name.startswith("BILLING_PERIOD=") or (
        not LEGACY_PERIOD_DIR.match(parent.parent.name)
    )


def _read_manifest(fs: fsspec.AbstractFileSystem, name: str) -> dict:
    try:
        with fs.open(name, "rb") as handle:
            manifest = json.load(handle)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InputError(f"{name}: not a valid CUR manifest ({error.__class__.__name__}: {error})") from None
    if not isinstance(manifest, dict) or not ({"reportKeys", "dataFiles"} & manifest.keys()):
        raise InputError(f"{name}: a manifest must list 'reportKeys' (legacy CUR) or 'dataFiles' (CUR 2.0)")
    if not isinstance(manifest.get("dataFiles") or manifest.get("reportKeys") or [], list):
        raise InputError(f"{name}: the manifest's 'reportKeys' or 'dataFiles' is not a list of keys; "
                         "download the report's manifest again")
    return manifest


def _report_root(manifest: PurePosixPath) -> PurePosixPath:
    """The folder a manifest's data files live under: the report above a legacy period folder
    (`<report>/20240101-20240201/`), the export above CUR 2.0's `<export>/metadata/BILLING_PERIOD=…/`,
    else the manifest's own folder."""
    parent = manifest.parent
    if LEGACY_PERIOD_DIR.match(parent.name):
        return parent.parent
    if parent.name.startswith("BILLING_PERIOD=") and parent.parent.name == "metadata":
        return parent.parent.parent
    return parent


def _locate_remote(manifest_name: str, key: object, bucket_field: object) -> str:
    """The URL of a manifest's data key, which must lie in the manifest's own bucket and report prefix."""
    protocol, path = manifest_name.split("://", 1)
    bucket, root = path.split("/", 1)[0], _report_root(PurePosixPath(path))
    where = f"{protocol}://{root}/"
    if isinstance(key, str) and key.startswith(f"{protocol}://"):
        key_bucket, _, in_bucket = key[len(protocol) + 3:].partition("/")
        named: object = key
    else:  # a legacy reportKey, in the manifest's `bucket`
        key_bucket, in_bucket = bucket_field or bucket, key
        named = key if key_bucket == bucket else f"{key} (in bucket {key_bucket})"
    located = PurePosixPath(bucket, *manifest_key_parts(manifest_name, in_bucket, where, named))
    if key_bucket != bucket or not located.is_relative_to(root):
        raise outside_manifest(manifest_name, named, where)
    return f"{protocol}://{located}"


def _locate_local(fs: fsspec.AbstractFileSystem, manifest_name: str, key: object) -> str:
    """A data key in a local copy of the bucket: the key's trailing folders matched under the folders from
    the manifest's up to its report's (never above, so a key cannot reach files of other reports)."""
    manifest = PurePosixPath(manifest_name)
    root = _report_root(manifest)
    in_bucket = key.split("://", 1)[1].partition("/")[2] if isinstance(key, str) and key.startswith("s3://") else key
    parts = manifest_key_parts(manifest_name, in_bucket, f"{root}/", key)
    folders = [manifest.parent, *manifest.parent.parents]
    for folder in folders[: folders.index(root) + 1]:
        for start in range(len(parts)):
            candidate = folder.joinpath(*parts[start:])
            if fs.isfile(str(candidate)):
                return str(candidate)
    raise InputError(
        f"{manifest_name}: data file {key} listed in the manifest was not found under {root}/; "
        "copy the whole report folder"
    )


def _manifest_files(fs: fsspec.AbstractFileSystem, manifest_name: str, remote: bool) -> list[str]:
    manifest = _read_manifest(fs, manifest_name)
    keys = manifest.get("dataFiles") or manifest.get("reportKeys") or []
    if remote:
        return [_locate_remote(manifest_name, key, manifest.get("bucket")) for key in keys]
    return [_locate_local(fs, manifest_name, key) for key in keys]


def _select(fs: fsspec.AbstractFileSystem, names: list[str], remote: bool) -> list[str]:
    """Manifest-listed files when manifests are present, else every data file."""
    manifests = [n for n in names if is_manifest(n) and _is_current_manifest(n)]
    if manifests:
        selected: list[str] = []
        for manifest in manifests:
            selected.extend(_manifest_files(fs, manifest, remote))
        return sorted(dict.fromkeys(selected))
    return [n for n in names if is_data_file(n)]


def _add_files(fileset: FileSet, fs: fsspec.AbstractFileSystem, source: str, names: list[str], remote: bool) -> None:
    chosen = _select(fs, names, remote)
    if not chosen:
        raise InputError(
            f"{source}: no CUR data files found (.csv, .csv.gz, .csv.zip, .parquet or a -Manifest.json)"
        )
    fileset.files.extend(zip_members(chosen, fs, fileset))


def resolve(sources: list[str], profile: str | None = None) -> FileSet:
    """All data files the SOURCE arguments stand for, with the filesystems needed to read them."""
    fileset = FileSet()
    local = local_filesystem()
    for source in sources:
        if is_remote(source):
            if not source.startswith("s3://"):
                raise InputError(f"{source}: `ingest aws` reads local paths and s3:// URLs")
            fs = fileset.filesystems.setdefault("s3", s3_filesystem(profile))
            try:
                _add_files(fileset, fs, source, expand_remote(fs, source), remote=True)
            except Exception as error:
                friendly = s3_error(source, error, profile)
                if friendly is None:
                    raise
                raise friendly from None
        else:
            _add_files(fileset, local, source, expand_local(source), remote=False)
    fileset.files = list(dict.fromkeys(fileset.files))
    return fileset
