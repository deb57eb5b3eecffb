"""Find the exported billing-table files a SOURCE stands for: files, globs, folders or gs:// prefixes."""

from __future__ import annotations

import functools

import fsspec

from cloudcarbon.connectors import quiet_library_logs
from cloudcarbon.connectors.files import FileSet, expand_local, expand_remote, failed_after_retries, is_remote
from cloudcarbon.errors import CloudcarbonError, InputError

DATA_SUFFIXES = (
    ".csv", ".csv.gz", ".parquet", ".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz",
)


def is_data_file(name: str) -> bool:
    return name.lower().endswith(DATA_SUFFIXES)


# Bounded retries with timeouts, so a stalled or failing endpoint ends in a clear error instead of a hang.
# gcsfs retries 5xx, 429, resets, aiohttp's connect/read timeouts and bodies cut off mid-read up to 6 times
# per request, with exponential backoff (about 1, 2, 4, 8, 16 s). Unless given a timeout it sets none at all
# (a stalled request waits forever), and a `total` timeout would end in a TimeoutError that it does not
# retry: hence per-connection and per-read timeouts (seconds; aiohttp.ClientTimeout fields).
GCS_TIMEOUTS = {"sock_connect": 10.0, "sock_read": 60.0}


@functools.cache
def _filesystem_class() -> type[fsspec.AbstractFileSystem]:
    """gcsfs's JSON-API filesystem, with two defaults changed for a command-line tool.

    - The core class, not gcsfs's default subclass: that one also asks the Storage Control API (gRPC,
      outside GCS_TIMEOUTS) for the bucket's layout on every open, warning each time it cannot, only
      to read standard buckets through this same class.
    - Files open with fsspec's readahead cache, not gcsfs's adaptive prefetcher: DuckDB keeps the files
      it reads open until exit, where pending prefetch tasks print "Task was destroyed" on stderr.
    """
    from gcsfs.core import GCSFileSystem

    class ExportFileSystem(GCSFileSystem):
        def _open(self, path: str, mode: str = "rb", **kwargs: object) -> object:
            kwargs.setdefault("cache_type", "readahead")
            return super()._open(path, mode, **kwargs)

    return ExportFileSystem


def gcs_filesystem(project: str | None = None) -> fsspec.AbstractFileSystem:
    """A gcsfs filesystem on Application Default Credentials (anonymous access if there are none);
    STORAGE_EMULATOR_HOST points it at another endpoint."""
    try:
        cls = _filesystem_class()
    except ImportError:
        raise CloudcarbonError("reading gs:// needs the GCP extra: pip install 'cloudcarbon[gcp]'") from None
    # gcsfs logs each exhausted retry with its traceback, google-auth each sign-in that falls back to anonymous.
    quiet_library_logs("gcsfs", "fsspec", "google.auth")
    # `project` only when given: gcsfs warns on None.
    from aiohttp import ClientTimeout

    return cls(**({"project": project} if project else {}), skip_instance_cache=True,
               requests_timeout=ClientTimeout(total=None, **GCS_TIMEOUTS))


def remote_error(name: str, error: Exception, listing: bool = False) -> InputError | None:
    """One line for a read or listing that failed after gcsfs's retries (None for any other error)."""
    from aiohttp import ClientError
    from gcsfs.retry import HttpError

    if not isinstance(error, HttpError | ClientError | OSError):  # OSError: resets, timeouts
        return None
    return failed_after_retries(name, error, listing=listing, settings="your credentials")


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
                raise remote_error(source, error, listing=True) or error from None
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
