"""One line for a file DuckDB could not read: which failure it was and what to do about it."""

from __future__ import annotations

import re

import duckdb


def container_of(file: str) -> str:
    return "parquet" if file.lower().endswith(".parquet") else "csv"


def filesystem_exception(message: str) -> str | None:
    """DuckDB reports an exception raised inside an fsspec filesystem (an S3, GCS or Azure read that failed
    after its retries) as that exception's Python traceback; the line after its last frame says what
    happened (`Type: text`, or a bare `Type`); lines after it may continue it (Azure's carry the request
    id and the XML body) and DuckDB's own `LINE 1:` pointer follows."""
    if not message.startswith("Traceback"):
        return None
    lines = message.splitlines()
    frames = [number for number, line in enumerate(lines) if line.startswith("  File ")]
    after = lines[frames[-1] + 1:] if frames else []
    raised = next((line.strip().rstrip(":") for line in after if line and not line[0].isspace()), "")
    if not re.match(r"[A-Za-z_][\w.]*(:|$)", raised):
        return "an error from the object store"
    return raised


def explain_read_error(error: duckdb.Error, container: str | None = None) -> str:
    """One line saying why DuckDB could not read a file, with the fix. Only the first line of DuckDB's
    message is read: its "possible fixes" boilerplate mentions encodings for every CSV problem."""
    message = str(error).strip()
    raised = filesystem_exception(message)
    if raised and raised.startswith(("BadZipFile", "zlib.error", "EOFError")):  # a zip member read as a stream
        return f"corrupt zip data ({raised}); download the archive again"
    if raised:
        return f"reading it failed after retries ({raised}); check the network and credentials, then retry"
    first = message.splitlines()[0] if message else error.__class__.__name__
    lowered = first.lower()
    if "magic bytes" in lowered or "not a parquet file" in lowered or "too small to be a parquet" in lowered:
        return "not a readable Parquet file (corrupt or truncated); download it again"
    if "gzip" in lowered or "zlib" in lowered or "compressed" in lowered:
        return "corrupt or truncated gzip data; download the file again"
    if "unicode" in lowered or "utf-8" in lowered or "utf8" in lowered or "encoding" in lowered:
        return "not UTF-8 text; exports are UTF-8, re-export or convert the file"
    kind = {"parquet": "Parquet file", "csv": "CSV file"}.get(container or "", "data file")
    return f"not a readable {kind} ({first}); check it is a complete, unmodified export and download it again"
