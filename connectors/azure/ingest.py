"""`cloudcarbon ingest azure`: Cost Management exports (EA, MCA, legacy; CSV or Parquet; local or
Azure Storage) or Consumption API records into the store, through one normalisation query."""

from __future__ import annotations

import csv
from collections import defaultdict

import duckdb
import fsspec

from cloudcarbon.coefficients import loader
from cloudcarbon.connectors.azure import formats
from cloudcarbon.connectors.azure.sources import resolve
from cloudcarbon.connectors.base import connector_sql
from cloudcarbon.connectors.files import ends_with_newline, local_filesystem, locate_unreadable_file, single_threaded
from cloudcarbon.connectors.read_errors import explain_read_error
from cloudcarbon.connectors.remote import azure_error
from cloudcarbon.errors import InputError
from cloudcarbon.ingest import Batch, IngestSummary, load

TAIL_BYTES = 1 << 20  # enough for the longest real export line (AdditionalInfo and Tags JSON)

# Why a value fails, checked in this order after a failed load (the first problem found is named).
PROBLEMS = """
WITH az_src AS ({source}),
date_formats AS ({date_formats}),
numbered AS (
    SELECT s.*, f.fmt, row_number() OVER (PARTITION BY s.source_file) AS row_no,
           CASE WHEN regexp_matches(trim(s.usage_date), '^\\d{{4}}-\\d{{2}}-\\d{{2}}') THEN 'iso'
                WHEN regexp_matches(trim(s.usage_date), '^\\d{{1,2}}/\\d{{1,2}}/\\d{{4}}$') THEN 'slash'
                ELSE 'other' END AS style,
           CASE WHEN regexp_matches(trim(s.billing_period_start), '^\\d{{4}}-\\d{{2}}-\\d{{2}}') THEN 'iso'
                WHEN regexp_matches(trim(s.billing_period_start), '^\\d{{1,2}}/\\d{{1,2}}/\\d{{4}}$') THEN 'slash'
                ELSE 'other' END AS period_style
    FROM az_src s LEFT JOIN date_formats f USING (source_file)
),
checked AS (
    SELECT *, first_value(style) OVER (PARTITION BY source_file ORDER BY row_no) AS first_style FROM numbered
)
SELECT source_file, row_no, field, value, problem FROM (
    -- The billing account is the subscription when the export names no billing account.
    SELECT source_file, row_no, 'subscription_id' AS field, subscription_id AS value, 'is empty' AS problem, 1 AS p
    FROM checked WHERE nullif(trim(subscription_id), '') IS NULL AND nullif(trim(billing_account_id), '') IS NULL
    UNION ALL
    SELECT source_file, row_no, 'usage_date', usage_date, 'is empty', 2 FROM checked
    WHERE nullif(trim(usage_date), '') IS NULL
    UNION ALL
    SELECT source_file, row_no, 'quantity', quantity, 'is not a number', 3 FROM checked
    WHERE nullif(trim(quantity), '') IS NOT NULL AND TRY_CAST(trim(quantity) AS DOUBLE) IS NULL
    UNION ALL
    SELECT source_file, row_no, 'cost', cost, 'is not a number', 4 FROM checked
    WHERE nullif(trim(cost), '') IS NOT NULL AND TRY_CAST(trim(cost) AS DOUBLE) IS NULL
    UNION ALL
    SELECT source_file, row_no, 'usage_date', usage_date,
           'is not a date like the file''s others (YYYY-MM-DD or M/D/YYYY, one style per file)', 5
    FROM checked
    WHERE nullif(trim(usage_date), '') IS NOT NULL
      AND (style = 'other' OR style <> first_style OR fmt IS NOT NULL AND CASE fmt
        WHEN 'iso' THEN TRY_CAST(left(trim(usage_date), 10) AS DATE)
        WHEN 'mdy' THEN CAST(try_strptime(trim(usage_date), '%m/%d/%Y') AS DATE)
        WHEN 'dmy' THEN CAST(try_strptime(trim(usage_date), '%d/%m/%Y') AS DATE) END IS NULL)
    UNION ALL
    -- One bad billing-period date (a cut-off last field) leaves the whole file's date format unknowable.
    SELECT source_file, row_no, 'billing_period_start', billing_period_start,
           'is not a date like the file''s others (YYYY-MM-DD or M/D/YYYY, one style per file)', 6
    FROM checked
    WHERE nullif(trim(billing_period_start), '') IS NOT NULL
      AND (period_style = 'other' OR period_style <> first_style OR fmt IS NOT NULL AND CASE fmt
        WHEN 'iso' THEN TRY_CAST(left(trim(billing_period_start), 10) AS DATE)
        WHEN 'mdy' THEN CAST(try_strptime(trim(billing_period_start), '%m/%d/%Y') AS DATE)
        WHEN 'dmy' THEN CAST(try_strptime(trim(billing_period_start), '%d/%m/%Y') AS DATE) END IS NULL)
)
ORDER BY p, source_file, row_no
LIMIT 1
"""


def _locate_bad_value(con: duckdb.DuckDBPyConnection, group: list[formats.Detected]) -> str | None:
    """Name the file, data row and column (as the file spells it) of the first unusable value.
    Runs only after a failed ingest, single-threaded so that row numbers follow the file's order."""
    sql = PROBLEMS.format(source=formats.source_select(group), date_formats=connector_sql(__package__, "date_formats"))
    with single_threaded(con):
        found = con.execute(sql, {"files": [d.file for d in group]}).fetchall()
    if not found:
        return None
    file, row, field, value, problem = found[0]
    spelled = next(d for d in group if d.file == file).column(field)
    shown = f" {value!r}" if value and value.strip() else ""
    return f"{file}: data row {row}, column {spelled}:{shown} {problem}; fix or re-export the file"


def _locate_unreadable_file(con: duckdb.DuckDBPyConnection, groups: dict[tuple, list[formats.Detected]]) -> str:
    items = [(d.file, d.container, formats.source_select([d])) for group in groups.values() for d in group]
    return locate_unreadable_file(con, items, explain_read_error)


def _cut_off(fs: fsspec.AbstractFileSystem, file: str, size: int, detected: formats.Detected) -> bool:
    """A CSV whose last line lacks its newline *and* some of its fields was cut off. (Some exporters
    omit the final newline of a complete file, so the newline alone proves nothing.)"""
    if ends_with_newline(fs, file):
        return False
    with fs.open(file, "rb") as handle:
        handle.seek(max(0, size - TAIL_BYTES))
        tail = handle.read().decode("utf-8", errors="replace")
    last = tail.rsplit("\n", 1)[-1]
    try:
        fields = next(csv.reader([last]))
    except (csv.Error, StopIteration):
        return True
    return len(fields) < detected.header_width


def _detect_all(con: duckdb.DuckDBPyConnection, files: list[str], filesystems: dict[str, fsspec.AbstractFileSystem]
                ) -> dict[tuple, list[formats.Detected]]:
    """Group the files by header (files of one export share it), refusing empty, foreign or cut-off ones."""
    groups: dict[tuple, list[formats.Detected]] = defaultdict(list)
    for file in files:
        fs = filesystems.get(file.split("://", 1)[0]) if "://" in file else local_filesystem()
        try:
            size = fs.size(file) if fs is not None else None
        except OSError:
            size = None
        except Exception as error:  # an az:// request that failed after the client's retries
            raise ("://" in file and azure_error(file, error)) or error from None
        detected = formats.detect(con, file, size)
        try:
            cut_off = bool(size and file.lower().endswith(".csv") and fs is not None
                           and _cut_off(fs, file, size, detected))
        except Exception as error:  # an az:// read that failed after the client's retries
            raise ("://" in file and azure_error(file, error)) or error from None
        if cut_off:
            raise InputError(f"{file}: the last line is incomplete, so the file looks truncated; download it again")
        groups[(detected.container, detected.columns)].append(detected)
    return groups


def _batches(con: duckdb.DuckDBPyConnection, groups: dict[tuple, list[formats.Detected]],
             source_label: str | None) -> list[Batch]:
    normalize, date_formats = connector_sql(__package__, "normalize"), connector_sql(__package__, "date_formats")
    batches = []
    for group in groups.values():
        files = [d.file for d in group]
        source_sql = formats.source_select(group)
        rows_read = con.execute(f"SELECT count(*) FROM ({source_sql})", {"files": files}).fetchall()[0][0]
        if rows_read == 0:
            raise InputError(f"{files[0]}: holds a header but no rows; is the export complete?")
        select = f"WITH az_src AS ({source_sql}), date_formats AS ({date_formats}) SELECT * FROM ({normalize})"
        params: dict[str, object] = {"files": files}
        if source_label:
            select = f"SELECT * REPLACE (CAST($source_label AS VARCHAR) AS x_source_file) FROM ({select})"
            params["source_label"] = source_label
        batches.append(Batch(select, params, rows_read, source_sql))
    return batches


def ingest_files(
    con: duckdb.DuckDBPyConnection,
    files: list[str],
    filesystems: dict[str, fsspec.AbstractFileSystem],
    *,
    source_format: str | None = None,
    source_label: str | None = None,
    progress: bool | None = None,
) -> IngestSummary:
    """Detect, normalise and load export-shaped files in one transaction; `source_label` names the
    origin of scratch files (an API call) in the store instead of their temporary paths."""
    loader.register(con)
    for fs in filesystems.values():
        con.register_filesystem(fs)
    try:
        groups = _detect_all(con, files, filesystems)
        try:
            return load(
                con,
                provider="Azure",
                source_format=source_format or "+".join(sorted({d.format for g in groups.values() for d in g})),
                files=[source_label] if source_label else files,
                batches=_batches(con, groups, source_label),
                progress=progress,
            )
        except (duckdb.ConversionException, duckdb.ConstraintException, duckdb.InvalidInputException) as error:
            for group in groups.values():
                located = _locate_bad_value(con, group)
                if located:
                    raise InputError(located) from None
            if isinstance(error, duckdb.InvalidInputException):
                raise InputError(_locate_unreadable_file(con, groups)) from None
            raise
        except duckdb.Error as error:
            if isinstance(error, duckdb.IOException | duckdb.SerializationException) or type(error) is duckdb.Error:
                raise InputError(_locate_unreadable_file(con, groups)) from None
            raise
    finally:
        for fs in filesystems.values():
            con.unregister_filesystem(fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0])


def ingest_azure(
    con: duckdb.DuckDBPyConnection,
    sources: list[str],
    *,
    progress: bool | None = None,
) -> IngestSummary:
    """Ingest Azure cost export SOURCEs (files, globs, folders, manifests, az:// or abfs:// prefixes)."""
    fileset = resolve(sources)
    return ingest_files(con, fileset.files, fileset.filesystems, progress=progress)
