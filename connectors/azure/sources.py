"""Find the Azure export files a SOURCE stands for: files, globs, folders, or az:// / abfs:// prefixes.

Scheduled exports re-run (daily for month-to-date) and each run holds the whole period so far.
Partitioned exports write a `manifest.json` per run; when manifests are present, only the newest
run of each export and date range is read, so older runs next to it are not counted twice.
"""

from __future__ import annotations

import json
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
    zip_members,
)
from cloudcarbon.connectors.remote import azure_error, azure_filesystem
from cloudcarbon.errors import InputError

PROTOCOLS = ("az", "abfs", "abfss")
MANIFEST = "manifest.json"

def _read_manifest(fs: fsspec.AbstractFileSystem, name: str) -> dict:
    try:
        with fs.open(name, "rb") as handle:
            manifest = json.load(handle)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InputError(f"{name}: not a valid export manifest ({error.__class__.__name__}: {error})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("blobs"), list):
        raise InputError(f"{name}: an Azure export manifest must list 'blobs'; point at the export's data files")
    if not all(isinstance(blob, dict) and "blobName" in blob for blob in manifest["blobs"]):
        raise InputError(f"{name}: every entry of the manifest's 'blobs' needs a 'blobName'; download the run again")
    return manifest


def _run_key(name: str, manifest: dict) -> tuple[str, str]:
    """(export and date range, run time) of a manifest: newer manifests say so in exportConfig/runInfo;
    older ones (`manifestVersion` 2021-01-01) only in their path `<range>/<run time>/<guid>/`."""
    run_info = manifest.get("runInfo") or {}
    if run_info:
        config = manifest.get("exportConfig") or {}
        export = config.get("resourceId") or config.get("exportName") or ""
        return f"{export}|{run_info.get('startDate')}|{run_info.get('endDate')}", str(run_info.get("submittedTime"))
    parts = PurePosixPath(name).parts
    return str(PurePosixPath(*parts[:-3])) if len(parts) > 3 else "", "/".join(parts[-3:-1])


def _locate(fs: fsspec.AbstractFileSystem, manifest_path: str, blob: object, prefix: str) -> str:
    """Where a manifest's blob is: in the manifest's run folder (the blob name's trailing folders matched
    there, never above it, so a manifest cannot name files of other runs or exports)."""
    folder = PurePosixPath(manifest_path).parent
    parts = manifest_key_parts(f"{prefix}{manifest_path}", blob, f"{prefix}{folder}/")
    for start in range(len(parts)):
        candidate = folder.joinpath(*parts[start:])
        if fs.isfile(str(candidate)):
            return prefix + str(candidate).lstrip("/") if prefix else str(candidate)
    raise InputError(
        f"{prefix}{manifest_path}: data file {blob} listed in the manifest was not found in {prefix}{folder}/; "
        "copy the whole run folder"
    )


def _newest_runs(fs: fsspec.AbstractFileSystem, manifests: list[str], prefix: str) -> list[str]:
    """The blobs of the newest run of each export and date range."""
    newest: dict[str, tuple[str, str, dict]] = {}
    for name in manifests:
        path = fs._strip_protocol(name) if prefix else name
        manifest = _read_manifest(fs, path)
        key, run = _run_key(path, manifest)
        if key not in newest or run > newest[key][0]:
            newest[key] = (run, path, manifest)
    return [
        _locate(fs, path, blob["blobName"], prefix)
        for _, path, manifest in newest.values()
        for blob in manifest["blobs"]
    ]


def _add_files(fileset: FileSet, fs: fsspec.AbstractFileSystem, source: str, names: list[str], remote: bool) -> None:
    manifests = [n for n in names if PurePosixPath(n).name == MANIFEST]
    prefix = source.split("://", 1)[0] + "://" if remote else ""
    chosen = _newest_runs(fs, manifests, prefix) if manifests else [n for n in names if is_data_file(n)]
    if not chosen:
        raise InputError(f"{source}: no Azure export files found (.csv, .csv.gz, .parquet or a manifest.json)")
    fileset.files.extend(zip_members(chosen, fs, fileset))


def resolve(sources: list[str]) -> FileSet:
    """All data files the SOURCE arguments stand for, with the filesystems needed to read them."""
    fileset = FileSet()
    for source in sources:
        if is_remote(source):
            protocol = source.split("://", 1)[0]
            if protocol not in PROTOCOLS:
                raise InputError(f"{source}: `ingest azure` reads local paths and az:// or abfs:// URLs")
            fs = fileset.filesystems.setdefault(protocol, azure_filesystem(protocol))
            try:
                _add_files(fileset, fs, source, expand_remote(fs, source), remote=True)
            except Exception as error:
                raise azure_error(source, error, listing=True) or error from None
        else:
            _add_files(fileset, local_filesystem(), source, expand_local(source), remote=False)
    fileset.files = list(dict.fromkeys(fileset.files))
    return fileset
