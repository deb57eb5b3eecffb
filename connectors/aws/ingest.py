"""`cloudcarbon ingest aws`: CUR files (legacy or 2.0, CSV or Parquet, local or S3) into the store."""

from __future__ import annotations

from collections import defaultdict

import duckdb
import fsspec
from cloudcarbon.coefficients import loader
from cloudcarbon.connectors.aws import formats
from cloudcarbon.connectors.aws.sources import resolve
from cloudcarbon.connectors.files import ends_with_newline, local_filesystem
from cloudcarbon.queries import read_query

from cloudcarbon.errors import InputError
from cloudcarbon.ingest import Batch, IngestSummary, load

# Columns cast by the normalisation query, with the type they must parse as (for error messages).
CHECKED_COLUMNS = {
    "line_item_usage_amount": "DOUBLE",
    "line_item_unblended_cost": "DOUBLE",
    "line_item_usage_start_date": "TIMESTAMPTZ",
    "line_item_usage_end_date": "TIMESTAMPTZ",
    "bill_billing_period_start_date": "TIMESTAMPTZ",
}


def _file_size(fs: fsspec.AbstractFileSystem, name: str) -> int | None:
    try:
        return fs.size(name)
    except OSError:
        return None


def _locate_bad_value(con: duckdb.DuckDBPyConnection, source_sql: str, files: list[str]) -> str | None:
    """Name the file, row and column of the first value the normalisation could not parse."""
    for column, kind in CHECKED_COLUMNS.items():
        found = con.execute(
            f"""
            WITH cur_src AS ({source_sql}),
            numbered AS (SELECT source_file, row_number() OVER (PARTITION BY source_file) AS row_no,
                                CAST({column} AS VARCHAR) AS value FROM cur_src)
            SELECT source_file, row_no, value FROM numbered
            WHERE nullif(value, '') IS NOT NULL AND TRY_CAST(value AS {kind}) IS NULL
            LIMIT 1
            """,
            {"files": files},
        ).fetchall()
        if found:
            file, row, value = found[0]
            what = "a number" if kind == "DOUBLE" else "a date/time"
            return f"{file}: data row {row}, column {column}: {value!r} is not {what}; fix or re-export the file"
    return None


def _batches(con: duckdb.DuckDBPyConnection, groups: dict[str, list[formats.Detected]]) -> list[Batch]:
    normalize = read_query("aws_cur_normalize")
    batches = []
    for detected in groups.values():
        files = [d.file for d in detected]
        source_sql = formats.source_select(detected)
        rows_read = con.execute(f"SELECT count(*) FROM ({source_sql})", {"files": files}).fetchall()[0][0]
        if rows_read == 0:
            raise InputError(f"{files[0]}: holds a header but no line items; is the export complete?")
        select = f"WITH cur_src AS ({source_sql}) SELECT * FROM ({normalize})"
        batches.append(Batch(select, {"files": files}, rows_read))
    return batches


def ingest_aws(
    con: duckdb.DuckDBPyConnection,
    sources: list[str],
    *,
    profile: str | None = None,
    progress: bool | None = None,
) -> IngestSummary:
    """Ingest AWS CUR SOURCEs (files, globs, folders, manifests, s3:// prefixes) into the store."""
    fileset = resolve(sources, profile)
    try:
        loader.register(con)
        for fs in fileset.filesystems.values():
            con.register_filesystem(fs)
        groups: dict[str, list[formats.Detected]] = defaultdict(list)
        local = local_filesystem()
        for file in fileset.files:
            fs = fileset.filesystems["s3"] if file.startswith("s3://") else local
            size = _file_size(fs, file)
            if size and file.lower().endswith(".csv") and not ends_with_newline(fs, file):
                raise InputError(f"{file}: the last line is incomplete, so the file looks truncated; download it again")
            detected = formats.detect(con, file, size)
            groups[detected.format].append(detected)
        try:
            batches = _batches(con, groups)
            return load(
                con,
                provider="AWS",
                source_format="+".join(sorted(groups)),
                files=fileset.files,
                batches=batches,
                progress=progress,
            )
        except duckdb.ConversionException:
            for detected in groups.values():
                located = _locate_bad_value(con, formats.source_select(detected), [d.file for d in detected])
                if located:
                    raise InputError(located) from None
            raise
        except duckdb.InvalidInputException as error:
            raise InputError(f"{', '.join(fileset.files[:3])}: {formats.explain_read_error(error)}") from None
        except duckdb.IOException as error:
            raise InputError(f"{', '.join(fileset.files[:3])}: {formats.explain_read_error(error)}") from None
    finally:
        for fs in fileset.filesystems.values():
            con.unregister_filesystem(fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0])
        fileset.cleanup()

