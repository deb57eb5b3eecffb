"""`cloudcarbon ingest focus`: FOCUS exports (1.0–1.2, CSV or Parquet, local or object storage) into the store."""

from __future__ import annotations

from collections import defaultdict

import duckdb
import fsspec

from cloudcarbon.coefficients import loader
from cloudcarbon.connectors.base import connector_sql
from cloudcarbon.connectors.files import ends_with_newline, file_size, local_filesystem, single_threaded
from cloudcarbon.connectors.focus import formats
from cloudcarbon.connectors.focus.sources import resolve
from cloudcarbon.connectors.read_errors import filesystem_exception
from cloudcarbon.connectors.remote import remote_error
from cloudcarbon.errors import InputError
from cloudcarbon.ingest import Batch, IngestSummary, load

# Region spellings per provider; created empty when the coefficient library has none yet, so the
# normalisation query keeps the region as the export gives it.
REGION_ALIASES = "CREATE TEMP TABLE IF NOT EXISTS coef_region_aliases (provider VARCHAR, alias VARCHAR, region VARCHAR)"


def _filesystem_for(fileset_filesystems: dict[str, fsspec.AbstractFileSystem], file: str) -> fsspec.AbstractFileSystem:
    scheme = file.split("://", 1)[0].lower() if "://" in file else None
    return fileset_filesystems.get(scheme, local_filesystem()) if scheme else local_filesystem()


def _detect_all(con: duckdb.DuckDBPyConnection, files: list[str], filesystems: dict[str, fsspec.AbstractFileSystem]
                ) -> dict[str, list[formats.Detected]]:
    """Group the files by container (one reader per group), refusing any that is empty, foreign or cut off."""
    groups: dict[str, list[formats.Detected]] = defaultdict(list)
    for file in files:
        fs = _filesystem_for(filesystems, file)
        scheme = file.split("://", 1)[0].lower() if "://" in file else None
        try:
            size = file_size(fs, file)
        except Exception as error:  # an object-store request that failed after the client's retries
            raise (scheme and remote_error(scheme, file, error)) or error from None
        detected = formats.detect(con, file, size)
        try:
            cut_off = bool(size and file.lower().endswith(".csv") and not ends_with_newline(fs, file))
        except Exception as error:
            raise (scheme and remote_error(scheme, file, error)) or error from None
        if cut_off:
            raise InputError(f"{file}: the last line is incomplete, so the file looks truncated; download it again")
        groups[detected.container].append(detected)
    return groups


def _batches(con: duckdb.DuckDBPyConnection, groups: dict[str, list[formats.Detected]]) -> list[Batch]:
    normalize = connector_sql(__package__, "normalize")
    batches = []
    for detected in groups.values():
        files = [d.file for d in detected]
        source_sql = formats.source_select(detected)
        rows_read = con.execute(f"SELECT count(*) FROM ({source_sql})", {"files": files}).fetchall()[0][0]
        if rows_read == 0:
            raise InputError(f"{files[0]}: holds a header but no rows; is the export complete?")
        batches.append(Batch(f"WITH focus_src AS ({source_sql}) SELECT * FROM ({normalize})", {"files": files},
                             rows_read, source_sql))
    return batches


def _locate_bad_value(con: duckdb.DuckDBPyConnection, detected: list[formats.Detected]) -> str | None:
    """Name the file, data row and column of the first value that does not parse, or of a missing
    mandatory value. Runs only after a failed ingest, single-threaded so row numbers follow the file."""
    source_sql = formats.source_select(detected)
    checks = [(column, f"nullif(value, '') IS NOT NULL AND TRY_CAST(value AS {kind}) IS NULL",
               "is not a number" if kind == "DOUBLE" else "is not a date/time")
              for column, kind in formats.CHECKED.items()]
    checks += [(column, "nullif(value, '') IS NULL", "is empty, but FOCUS requires it")
               for column in ("charge_period_start", "billing_period_start", "billing_account_id", "provider_name")]
    with single_threaded(con):
        for column, condition, what in checks:
            found = con.execute(
                f"""
                WITH focus_src AS ({source_sql}),
                numbered AS (SELECT source_file, row_number() OVER (PARTITION BY source_file) AS row_no,
                                    CAST({column} AS VARCHAR) AS value, charge_category FROM focus_src)
                SELECT source_file, row_no, value FROM numbered
                WHERE lower(charge_category) = 'usage' AND {condition} LIMIT 1
                """,
                {"files": [d.file for d in detected]},
            ).fetchall()
            if found:
                file, row, value = found[0]
                item = next(d for d in detected if d.file == file)
                spelled = item.spelled((formats.REQUIRED | formats.OPTIONAL)[column]) or column
                shown = f"{value!r} " if value else ""
                return f"{file}: data row {row}, column {spelled}: {shown}{what}; fix or re-export the file"
    return None


def ingest_focus(
    con: duckdb.DuckDBPyConnection,
    sources: list[str],
    *,
    profile: str | None = None,
    progress: bool | None = None,
) -> IngestSummary:
    """Ingest FOCUS SOURCEs (files, globs, folders, s3:// gs:// az:// prefixes) into the store."""
    fileset = resolve(sources, profile)
    try:
        loader.register(con)
        con.execute(REGION_ALIASES)
        for fs in fileset.filesystems.values():
            con.register_filesystem(fs)
        groups = _detect_all(con, fileset.files, fileset.filesystems)
        versions = sorted({d.format for detected in groups.values() for d in detected})
        try:
            return load(con, provider="FOCUS", source_format="+".join(versions), files=fileset.files,
                        batches=_batches(con, groups), progress=progress)
        except (duckdb.ConversionException, duckdb.ConstraintException):
            for detected in groups.values():
                located = _locate_bad_value(con, detected)
                if located:
                    raise InputError(located) from None
            raise
        except duckdb.Error as error:
            unreadable = (duckdb.InvalidInputException, duckdb.IOException, duckdb.SerializationException)
            if isinstance(error, unreadable) or type(error) is duckdb.Error:
                files = [d.file for detected in groups.values() for d in detected]
                named = f"{files[0]}{' and others' if len(files) > 1 else ''}"
                raised = filesystem_exception(str(error).strip())
                if raised:  # an object-store read that failed after the client's retries
                    raise InputError(f"{named}: reading failed after retries ({raised}); check the network and "
                                     "credentials, then retry") from None
                first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
                raise InputError(f"{named}: could not be read ({first}); check the files are complete FOCUS "
                                 "exports") from None
            raise
    finally:
        for fs in fileset.filesystems.values():
            con.unregister_filesystem(fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0])
