"""Object storage for every connector: S3, GCS and Azure Blob filesystems with bounded retries and timeouts,
and one-line messages for their credential and network failures. Connectors share these, never each other's."""

from __future__ import annotations

import functools
import logging
import os

import fsspec

from cloudcarbon.connectors.files import (
    FileSet,
    expand_local,
    expand_remote,
    failed_after_retries,
    is_data_file,
    is_remote,
    local_filesystem,
    zip_members,
)
from cloudcarbon.errors import CloudcarbonError, InputError


def quiet_library_logs(*names: str) -> None:
    """Give these libraries' loggers a NullHandler. With no logging configured, Python prints their
    warnings on stderr (retries exhausted, with tracebacks; incomplete downloads) beside the CLI's one-line
    error; an application that configures logging still receives them."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(handler, logging.NullHandler) for handler in logger.handlers):
            logger.addHandler(logging.NullHandler())


# Bounded retries with backoff, so a flaky or throttling endpoint ends in a clear error instead of a
# hang: botocore retries 5xx, throttling (503 SlowDown) and connection errors per request (standard
# mode: exponential backoff with jitter); s3fs retries reads cut off mid-body (IncompleteRead,
# timeouts) that botocore cannot. At most S3_READ_RETRIES x max_attempts tries per request.
S3_CLIENT_CONFIG = {"retries": {"max_attempts": 3, "mode": "standard"}, "connect_timeout": 10, "read_timeout": 60}
S3_READ_RETRIES = 3


def s3_filesystem(profile: str | None) -> fsspec.AbstractFileSystem:
    """An s3fs filesystem on the boto3 credential chain (and AWS_ENDPOINT_URL[_S3] when set)."""
    try:
        import s3fs
    except ImportError:
        raise CloudcarbonError(
            "reading s3:// needs the AWS extra: pip install 'cloudcarbon[aws]'"
        ) from None
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    client_kwargs = {"endpoint_url": endpoint} if endpoint else {}
    fs = s3fs.S3FileSystem(profile=profile, client_kwargs=client_kwargs, skip_instance_cache=True,
                           config_kwargs=dict(S3_CLIENT_CONFIG))
    fs.retries = S3_READ_RETRIES  # a class attribute in s3fs, not a constructor argument
    return fs


def s3_error(source: str, error: Exception, profile: str | None, listing: bool = False) -> InputError | None:
    """One line for botocore's credential and endpoint errors, naming what was tried (never a secret).

    s3fs lets these through unwrapped (they are not OSError), so without this the user would see
    `unexpected ProfileNotFound` instead of which profile or variable to fix.
    """
    from botocore import exceptions as boto

    config = os.environ.get("AWS_CONFIG_FILE", "~/.aws/config")
    credentials = os.environ.get("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials")
    named = profile or os.environ.get("AWS_PROFILE")
    origin = "--profile" if profile else "AWS_PROFILE"
    if isinstance(error, boto.ProfileNotFound):
        return InputError(
            f"{source}: AWS profile {named!r} (from {origin}) is not defined in {config} or {credentials}; "
            f"run `aws configure --profile {named}` or pass an existing --profile"
        )
    if isinstance(error, boto.PartialCredentialsError):
        # botocore's text names the provider and the missing variable, not the values.
        return InputError(f"{source}: incomplete AWS credentials ({error}); set the missing value or use --profile")
    if isinstance(error, boto.NoCredentialsError):
        tried = (
            f"profile {named!r} (from {origin}) in {config} and {credentials}"
            if named
            else f"AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, the default profile in {config} and {credentials}, "
            "and instance/container roles"
        )
        return InputError(f"{source}: no AWS credentials found (tried {tried}); set them or pass --profile")
    if isinstance(error, boto.EndpointConnectionError | boto.ConnectTimeoutError):
        return InputError(f"{source}: cannot reach S3 ({error}); check the network or AWS_ENDPOINT_URL_S3")
    if isinstance(error, boto.BotoCoreError):
        return InputError(f"{source}: AWS error {error.__class__.__name__}: {error}; check the network and retry")
    if isinstance(error, OSError):  # s3fs's own errors once botocore's retries are spent (SlowDown, resets)
        return failed_after_retries(source, error, listing=listing, settings="AWS_ENDPOINT_URL_S3 and your profile")
    return None


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


def gcs_error(name: str, error: Exception, listing: bool = False) -> InputError | None:
    """One line for a read or listing that failed after gcsfs's retries (None for any other error)."""
    from aiohttp import ClientError
    from gcsfs.retry import HttpError

    if not isinstance(error, HttpError | ClientError | OSError):  # OSError: resets, timeouts
        return None
    return failed_after_retries(name, error, listing=listing, settings="your credentials")


# Bounded retries with backoff, so a flaky or throttling endpoint ends in a clear error instead of a hang:
# azure-storage-blob retries 5xx (ServerBusy throttling is a 503), 408, resets, timeouts and downloads cut
# off mid-body, waiting initial_backoff, then initial_backoff + increment_base ** n seconds (with jitter).
# These are its own defaults, spelled out because adlfs passes no client options (tests shorten them).
AZURE_BLOB_CLIENT_CONFIG = {"retry_total": 3, "initial_backoff": 15, "increment_base": 3,
                            "connection_timeout": 20, "read_timeout": 60}


def azure_filesystem(protocol: str) -> fsspec.AbstractFileSystem:
    """An adlfs filesystem: a connection string when AZURE_STORAGE_CONNECTION_STRING is set, else the
    account AZURE_STORAGE_ACCOUNT_NAME (or the one in an abfs:// URL) with DefaultAzureCredential."""
    try:
        import adlfs  # noqa: F401  (registers az:// and abfs:// with fsspec)
    except ImportError:
        raise CloudcarbonError(
            "reading az:// or abfs:// needs the Azure extra: pip install 'cloudcarbon[azure]'"
        ) from None
    if os.environ.get("AZURE_STORAGE_CONNECTION_STRING"):
        fs = fsspec.filesystem(protocol, connection_string=os.environ["AZURE_STORAGE_CONNECTION_STRING"],
                               skip_instance_cache=True)
    else:
        fs = fsspec.filesystem(protocol, account_name=os.environ.get("AZURE_STORAGE_ACCOUNT_NAME"), anon=False,
                               skip_instance_cache=True)
    quiet_library_logs("azure", "adlfs", "fsspec")  # e.g. azure-core's "Incomplete download." warnings
    client = getattr(fs, "service_client", None)
    if client is not None:  # adlfs's client, rebuilt with the same endpoint and credential plus our options
        fs.service_client = type(client)(client.url, credential=client.credential, **AZURE_BLOB_CLIENT_CONFIG)
    return fs


DEFAULT_CREDENTIAL_TRIED = (
    "environment variables AZURE_TENANT_ID/AZURE_CLIENT_ID with AZURE_CLIENT_SECRET or "
    "AZURE_CLIENT_CERTIFICATE_PATH, workload identity (AZURE_FEDERATED_TOKEN_FILE), managed identity, "
    "Azure CLI, Azure PowerShell and Azure Developer CLI sign-ins"
)


def azure_credential_error(source: str, error: Exception) -> InputError | None:
    """One line for a failed Azure sign-in, saying what DefaultAzureCredential tried; never the
    library's own message, which can carry tenant details and token-endpoint responses."""
    try:
        from azure.core.exceptions import ClientAuthenticationError
    except ImportError:
        return None
    if isinstance(error, ClientAuthenticationError):
        return InputError(
            f"{source}: no usable Azure credential (DefaultAzureCredential tried {DEFAULT_CREDENTIAL_TRIED}); "
            "run `az login` or set those variables"
        )
    return None


def azure_error(name: str, error: Exception, listing: bool = False) -> InputError | None:
    """One line for a failed sign-in, or for a read or listing that failed after azure-storage-blob's
    retries (None for any other error)."""
    friendly = azure_credential_error(name, error)
    if friendly is not None:
        return friendly
    try:
        from azure.core.exceptions import AzureError
    except ImportError:
        return None
    if not isinstance(error, AzureError | OSError):  # OSError: resets, timeouts
        return None
    return failed_after_retries(name, error, listing=listing, settings="the storage account settings")


# URL scheme -> the object store that serves it.
SCHEMES = {"s3": "s3", "gs": "gcs", "gcs": "gcs", "az": "azure", "abfs": "azure", "abfss": "azure"}


def filesystem(scheme: str, *, profile: str | None = None, project: str | None = None) -> fsspec.AbstractFileSystem:
    """The filesystem for a URL scheme, with its store's endpoint settings, credentials, retries and timeouts."""
    store = SCHEMES[scheme]
    if store == "s3":
        return s3_filesystem(profile)
    if store == "gcs":
        return gcs_filesystem(project)
    return azure_filesystem(scheme)


def remote_error(scheme: str, name: str, error: Exception, *, listing: bool = False,
                 profile: str | None = None) -> InputError | None:
    """One line for a failed sign-in, or a read or listing that failed after the client's retries (None for
    any other error, which the caller re-raises)."""
    store = SCHEMES.get(scheme)
    if store == "s3":
        return s3_error(name, error, profile, listing)
    if store == "gcs":
        return gcs_error(name, error, listing)
    if store == "azure":
        return azure_error(name, error, listing)
    return None


JSON_SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz")


def resolve_sources(sources: list[str], *, command: str, what: str, schemes: tuple[str, ...] = tuple(SCHEMES),
                    profile: str | None = None, json: bool = False) -> FileSet:
    """The data files SOURCES stand for (files, globs, folders, zip archives, and prefixes under the URL
    `schemes`), with the filesystems that read them: for connectors whose exports need no manifest logic.
    `command` and `what` word the messages ("`ingest focus`", "FOCUS data files"); `json` also takes
    newline-delimited JSON (.json, .jsonl, .json.gz), for exports delivered that way."""
    suffixes = JSON_SUFFIXES if json else ()
    fileset = FileSet()
    for source in sources:
        if is_remote(source):
            scheme = source.split("://", 1)[0].lower()
            if scheme not in schemes:
                urls = ", ".join(f"{s}://" for s in schemes)
                raise InputError(f"{source}: {command} reads local paths and {urls} URLs")
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
        chosen = [name for name in names if is_data_file(name) or name.lower().endswith(suffixes)]
        if not chosen:
            shown = ", .json, .jsonl, .json.gz" if json else ""
            raise InputError(f"{source}: no {what} found (.csv, .csv.gz, .csv.zip{shown} or .parquet)")
        fileset.files.extend(zip_members(chosen, fs, fileset))
    fileset.files = list(dict.fromkeys(fileset.files))
    return fileset
