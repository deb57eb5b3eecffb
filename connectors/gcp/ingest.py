"""`cloudcarbon ingest gcp`: exported GCP billing-table files (CSV, JSON lines, Parquet; local or gs://)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import duckdb
import fsspec

from cloudcarbon.coefficients import loader
from cloudcarbon.connectors.base import connector_sql
from cloudcarbon.connectors.files import ends_with_newline, file_size, local_filesystem, single_threaded
from cloudcarbon.connectors.gcp import catalog, formats
from cloudcarbon.connectors.gcp.sources import resolve
from cloudcarbon.connectors.remote import gcs_error
from cloudcarbon.errors import InputError
from cloudcarbon.ingest import Batch, IngestSummary, load

# gcp_src columns the normaliser casts, with the test a value must pass (for error messages).
CHECKED_COLUMNS = {
    "usage_amount": ("TRY_CAST(value AS DOUBLE) IS NOT NULL", "a number"),
    "cost": ("TRY_CAST(value AS DOUBLE) IS NOT NULL", "a number"),
    "usage_start_time": ("TRY_CAST(regexp_replace(value, ' UTC$', '+00') AS TIMESTAMPTZ) IS NOT NULL", "a date/time"),
    "usage_end_time": ("TRY_CAST(regexp_replace(value, ' UTC$', '+00') AS TIMESTAMPTZ) IS NOT NULL", "a date/time"),
    "invoice_month": ("regexp_full_match(value, '[0-9]{4}(0[1-9]|1[0-2])')", "a month as YYYYMM"),
}
# gcp_src columns the store's NOT NULL columns (billing account, period start) come from: a usage row
# (cost_type regular, as gcp/normalize.sql keeps) without one cannot be stored.
REQUIRED_VALUES = ("billing_account_id", "usage_start_time")


def normalize_select(source_sql: str) -> str:
    """The canonical-rows SELECT over a `gcp_src` SELECT."""
    return f"WITH gcp_src AS ({source_sql}) SELECT * FROM ({connector_sql(__package__, 'normalize')})"


def locate_bad_value(con: duckdb.DuckDBPyConnection, source_sql: str, params: dict, spell: Callable[[str], str]
                     ) -> str | None:
    """Name the source, data row and column of the first value that does not parse, or of a usage row's
    empty required value (after a failed ingest)."""
    checks = [(column, f"nullif(value, '') IS NOT NULL AND NOT coalesce({test}, false)", f"is not {what}")
              for column, (test, what) in CHECKED_COLUMNS.items()]
    checks += [(column, "nullif(trim(value), '') IS NULL AND coalesce(nullif(lower(cost_type), ''), 'regular') "
                "= 'regular'", "is empty") for column in REQUIRED_VALUES]
    with single_threaded(con):
        for column, condition, problem in checks:
            found = con.execute(
                f"""
                WITH numbered AS (
                    SELECT source_file, row_number() OVER (PARTITION BY source_file) AS row_no,
                           CAST({column} AS VARCHAR) AS value, CAST(cost_type AS VARCHAR) AS cost_type
                    FROM ({source_sql}))
                SELECT source_file, row_no, value FROM numbered
                WHERE {condition}
                LIMIT 1
                """,
                params,
            ).fetchall()
            if found:
                source, row, value = found[0]
                shown = f"{value!r} " if value else ""
                return f"{source}: data row {row}, column {spell(column)}: {shown}{problem}; fix or re-export it"
    return None


def load_gcp(con: duckdb.DuckDBPyConnection, *, source_format: str, files: list[str], batches: list[Batch],
             locate: Callable[[], str | None], progress: bool | None = None) -> IngestSummary:
    """The generic atomic load, with GCP's bad values turned into one line naming row and column."""
    try:
        return load(con, provider="GCP", source_format=source_format, files=files, batches=batches,
                    progress=progress)
    except (duckdb.ConversionException, duckdb.InvalidInputException, duckdb.ConstraintException):
        located = locate()
        if located:
            raise InputError(located) from None
        raise


def _detect_all(con: duckdb.DuckDBPyConnection, files: list[str], filesystems: dict[str, fsspec.AbstractFileSystem]
                ) -> dict[str, list[formats.Detected]]:
    groups: dict[str, list[formats.Detected]] = defaultdict(list)
    for file in files:
        fs = filesystems.get(file.split("://", 1)[0]) if "://" in file else local_filesystem()
        plain_text = file.lower().endswith((".csv", ".json", ".jsonl", ".ndjson"))
        try:
            size = file_size(fs, file)
            complete = not (size and plain_text) or ends_with_newline(fs, file)
        except Exception as error:  # a gs:// read that failed after gcsfs's retries
            raise ("://" in file and gcs_error(file, error)) or error from None
        if not complete:
            raise InputError(f"{file}: the last line is incomplete, so the file looks truncated; export it again")
        detected = formats.detect(con, file, size)
        groups[detected.format].append(detected)
    return groups


def _batches(con: duckdb.DuckDBPyConnection, sources: list[tuple[str, dict]]) -> list[Batch]:
    batches = []
    for source_sql, params in sources:
        files = params["files"]
        try:
            rows_read = con.execute(f"SELECT count(*) FROM ({source_sql})", params).fetchall()[0][0]
        except duckdb.Error as error:
            raise InputError(f"{files[0]}: {formats.explain(error, formats.container_of(files[0]))}") from None
        if rows_read == 0:
            raise InputError(f"{files[0]}: holds a header but no billing rows; is the export complete?")
        batches.append(Batch(normalize_select(source_sql), params, rows_read, source_sql))
    return batches


def ingest_gcp(
    con: duckdb.DuckDBPyConnection,
    sources: list[str],
    *,
    project: str | None = None,
    use_catalog: bool | None = None,
    catalog_client: object | None = None,
    progress: bool | None = None,
) -> IngestSummary:
    """Ingest exported GCP billing-table files (files, globs, folders, gs:// prefixes) into the store.

    use_catalog: True asks the Cloud Catalog API to classify SKUs the description rules cannot place,
    None does so only when Application Default Credentials are configured, False never.
    """
    fileset = resolve(sources, project)
    try:
        loader.register(con)
        for fs in fileset.filesystems.values():
            con.register_filesystem(fs)
        groups = _detect_all(con, fileset.files, fileset.filesystems)
        sources = [(formats.source_select(d), {"files": [item.file for item in d]}) for d in groups.values()]
        batches = _batches(con, sources)
        catalog.register_sku_groups(con, sources, use_catalog=use_catalog, client=catalog_client)

        def locate() -> str | None:
            for source_sql, params in sources:
                located = locate_bad_value(con, source_sql, params, lambda c: formats.SPELLING.get(c, c))
                if located:
                    return located
            return None

        return load_gcp(con, source_format="+".join(sorted(groups)), files=fileset.files, batches=batches,
                        locate=locate, progress=progress)
    finally:
        for fs in fileset.filesystems.values():
            con.unregister_filesystem(fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0])
