"""`cloudcarbon ingest aws`: CUR files (legacy or 2.0, CSV or Parquet, local or S3) into the store."""

from __future__ import annotations

from collections import defaultdict

import duckdb
import fsspec

from cloudcarbon.coefficients import loader
from cloudcarbon.connectors.aws import athena, formats
from cloudcarbon.connectors.aws.sources import resolve
from cloudcarbon.connectors.base import connector_sql
from cloudcarbon.connectors.files import (
    ends_with_newline,
    file_size,
    local_filesystem,
    locate_unreadable_file,
    single_threaded,
)
from cloudcarbon.connectors.read_errors import explain_read_error
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
# Columns the store's NOT NULL columns (billing account, billing period, period start) come from: a usage
# line (the line types aws/normalize.sql keeps) without one cannot be stored.
REQUIRED_VALUES = ("bill_payer_account_id", "bill_billing_period_start_date", "line_item_usage_start_date")
USAGE_LINE_TYPES = "('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')"


def _locate_bad_value(con: duckdb.DuckDBPyConnection, detected: list[formats.Detected]) -> str | None:
    """Name the file, data row and column (as the file spells it) of the first value that does not parse,
    or of a usage line's empty required value.

    Runs only after a failed ingest, single-threaded so that row numbers follow the file's order.
    """
    source_sql = formats.source_select(detected)
    checks = [(column, f"nullif(value, '') IS NOT NULL AND TRY_CAST(value AS {kind}) IS NULL",
               "is not a number" if kind == "DOUBLE" else "is not a date/time")
              for column, kind in CHECKED_COLUMNS.items()]
    checks += [(column, f"nullif(trim(value), '') IS NULL AND line_type IN {USAGE_LINE_TYPES}", "is empty")
               for column in REQUIRED_VALUES]
    with single_threaded(con):
        for column, condition, problem in checks:
            found = con.execute(
                f"""
                WITH cur_src AS ({source_sql}),
                numbered AS (SELECT source_file, row_number() OVER (PARTITION BY source_file) AS row_no,
                                    CAST({column} AS VARCHAR) AS value, line_item_line_item_type AS line_type
                             FROM cur_src)
                SELECT source_file, row_no, value FROM numbered
                WHERE {condition}
                LIMIT 1
                """,
                {"files": [d.file for d in detected]},
            ).fetchall()
            if found:
                file, row, value = found[0]
                spelled = formats.canonical_columns(next(d for d in detected if d.file == file)).get(column, column)
                shown = f"{value!r} " if value else ""
                return f"{file}: data row {row}, column {spelled}: {shown}{problem}; fix or re-export the file"
    return None


def _locate_unreadable_file(con: duckdb.DuckDBPyConnection, groups: dict[str, list[formats.Detected]]) -> str:
    items = [(d.file, d.container, formats.source_select([d])) for group in groups.values() for d in group]
    return locate_unreadable_file(con, items, explain_read_error)


def _batches(con: duckdb.DuckDBPyConnection, groups: dict[str, list[formats.Detected]], aggregate: bool = False
             ) -> list[Batch]:
    normalize = connector_sql(__package__, "normalize")
    batches = []
    for detected in groups.values():
        files = [d.file for d in detected]
        source_sql = formats.source_select(detected)
        rows_read = con.execute(f"SELECT count(*) FROM ({source_sql})", {"files": files}).fetchall()[0][0]
        if rows_read == 0:
            raise InputError(f"{files[0]}: holds a header but no line items; is the export complete?")
        params: dict[str, object] = {"files": files}
        if aggregate:  # the same daily aggregate `--athena` pushes down (aws/aggregate.sql)
            source_sql = athena.as_cur_src(athena.local_aggregate(source_sql))
            label = files[0] + (f" (+{len(files) - 1} more)" if len(files) > 1 else "")
            params |= {"since": None, "until": None, "source_label": label}
        select = f"WITH cur_src AS ({source_sql}) SELECT * FROM ({normalize})"
        # Aggregated rows are unique by construction: no copies to name.
        batches.append(Batch(select, params, rows_read, None if aggregate else source_sql))
    return batches


def _detect_all(con: duckdb.DuckDBPyConnection, files: list[str], filesystems: dict[str, fsspec.AbstractFileSystem]
                ) -> dict[str, list[formats.Detected]]:
    """Group the files by CUR format, refusing any that is empty, foreign or cut off."""
    local = local_filesystem()
    groups: dict[str, list[formats.Detected]] = defaultdict(list)
    for file in files:
        fs = filesystems.get(file.split("://", 1)[0], local) if "://" in file else local
        size = file_size(fs, file)
        detected = formats.detect(con, file, size)
        if size and detected.container == "csv" and file.lower().endswith(".csv") and not ends_with_newline(fs, file):
            raise InputError(f"{file}: the last line is incomplete, so the file looks truncated; download it again")
        groups[detected.format].append(detected)
    return groups


def ingest_aws(
    con: duckdb.DuckDBPyConnection,
    sources: list[str],
    *,
    profile: str | None = None,
    progress: bool | None = None,
    aggregate: bool = False,
) -> IngestSummary:
    """Ingest AWS CUR SOURCEs (files, globs, folders, manifests, s3:// prefixes) into the store;
    `aggregate` keeps one row per day and usage dimension instead of every line item."""
    fileset = resolve(sources, profile)
    try:
        loader.register(con)
        for fs in fileset.filesystems.values():
            con.register_filesystem(fs)
        groups = _detect_all(con, fileset.files, fileset.filesystems)
        try:
            return load(
                con,
                provider="AWS",
                source_format="+".join(sorted(groups)),
                files=fileset.files,
                batches=_batches(con, groups, aggregate),
                progress=progress,
            )
        except (duckdb.ConversionException, duckdb.ConstraintException):
            for detected in groups.values():
                located = _locate_bad_value(con, detected)
                if located:
                    raise InputError(located) from None
            raise
        except duckdb.Error as error:
            # Unreadable data; corrupt pages behind an intact Parquet footer surface as a bare duckdb.Error.
            unreadable = (duckdb.InvalidInputException, duckdb.IOException, duckdb.SerializationException)
            if isinstance(error, unreadable) or type(error) is duckdb.Error:
                raise InputError(_locate_unreadable_file(con, groups)) from None
            raise
    finally:
        for fs in fileset.filesystems.values():
            con.unregister_filesystem(fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0])
