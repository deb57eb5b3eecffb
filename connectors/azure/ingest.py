"""`cloudcarbon ingest azure`: Cost Management exports (EA, MCA, legacy; CSV or Parquet; local or
Azure Storage) or Consumption API records into the store, through one normalisation query."""

from __future__ import annotations

import csv
from collections.abc import Hashable

import duckdb
import fsspec

from cloudcarbon.connectors.azure import formats
from cloudcarbon.connectors.azure.sources import resolve
from cloudcarbon.connectors.base import connector_sql
from cloudcarbon.connectors.file_ingest import FileIngest
from cloudcarbon.connectors.files import FileSet, ends_with_newline, single_threaded
from cloudcarbon.connectors.remote import azure_error
from cloudcarbon.errors import InputError
from cloudcarbon.ingest import Batch, IngestSummary

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


class AzureExports(FileIngest[formats.Detected]):
    """Cost Management exports; the Consumption API's records go through the same class as scratch files
    (`source_label` then names their origin in the store instead of the temporary paths)."""

    provider, src, package, kind = "Azure", "az_src", __package__, "rows"
    formats = formats
    dropped_as = ("CASE WHEN coalesce(nullif(trim(charge_type), ''), 'Usage') = 'Usage' THEN NULL "
                  "ELSE 'ChargeType ' || trim(charge_type) END")

    def __init__(self, fileset: FileSet | None = None, source_format: str | None = None,
                 source_label: str | None = None) -> None:
        self.fileset, self.format, self.source_label = fileset, source_format, source_label

    def resolve(self, sources: list[str]) -> FileSet:
        return self.fileset if self.fileset is not None else resolve(sources)

    def group(self, detected: formats.Detected) -> Hashable:
        return detected.container, detected.columns  # files of one export share their header

    def source_format(self, groups: dict[Hashable, list[formats.Detected]]) -> str:
        return self.format or super().source_format(groups)

    def remote_error(self, file: str, error: Exception) -> InputError | None:
        return azure_error(file, error)

    def cut_off(self, fs: fsspec.AbstractFileSystem, file: str, size: int, detected: formats.Detected) -> bool:
        """A CSV whose last line lacks its newline *and* some of its fields was cut off. (Some exporters
        omit the final newline of a complete file, so the newline alone proves nothing.)"""
        if not file.lower().endswith(".csv") or ends_with_newline(fs, file):
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

    def normalize(self, source_sql: str) -> str:
        return (f"WITH az_src AS ({source_sql}), date_formats AS ({connector_sql(__package__, 'date_formats')}) "
                f"SELECT * FROM ({connector_sql(__package__, 'normalize')})")

    def batch(self, con: duckdb.DuckDBPyConnection, group: list[formats.Detected], source_sql: str, rows_read: int,
              number: int) -> Batch:
        if not self.source_label:
            return super().batch(con, group, source_sql, rows_read, number)
        files = [d.file for d in group]
        select = (f"SELECT * REPLACE (CAST($source_label AS VARCHAR) AS x_source_file) "
                  f"FROM ({self.normalize(source_sql)})")
        return Batch(select, {"files": files, "source_label": self.source_label}, rows_read, source_sql)

    def logged_files(self, fileset: FileSet) -> list[str]:
        return [self.source_label] if self.source_label else fileset.files

    def locate_bad_value(self, con: duckdb.DuckDBPyConnection, group: list[formats.Detected]) -> str | None:
        """Name the file, data row and column (as the file spells it) of the first unusable value: the checks
        of PROBLEMS, which also know each file's date style."""
        sql = PROBLEMS.format(source=formats.source_select(group),
                              date_formats=connector_sql(__package__, "date_formats"))
        with single_threaded(con):
            found = con.execute(sql, {"files": [d.file for d in group]}).fetchall()
        if not found:
            return None
        file, row, field, value, problem = found[0]
        spelled = next(d for d in group if d.file == file).column(field)
        shown = f" {value!r}" if value and value.strip() else ""
        return f"{file}: data row {row}, column {spelled}:{shown} {problem}; fix or re-export the file"


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
    exports = AzureExports(FileSet(files, filesystems), source_format, source_label)
    return exports.ingest(con, files, progress=progress)


def ingest_azure(
    con: duckdb.DuckDBPyConnection,
    sources: list[str],
    *,
    progress: bool | None = None,
) -> IngestSummary:
    """Ingest Azure cost export SOURCEs (files, globs, folders, manifests, az:// or abfs:// prefixes)."""
    return AzureExports().ingest(con, sources, progress=progress)
