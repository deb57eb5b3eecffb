"""`cloudcarbon ingest aws`: CUR files (legacy or 2.0, CSV or Parquet, local or S3) into the store."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import duckdb

from cloudcarbon.connectors.aws import athena, formats, kinds, split, tag_sets
from cloudcarbon.connectors.aws.sources import resolve
from cloudcarbon.connectors.file_ingest import Check, FileIngest, parses_as
from cloudcarbon.connectors.files import FileSet
from cloudcarbon.connectors.remote import s3_error
from cloudcarbon.errors import InputError
from cloudcarbon.ingest import Batch, IngestSummary

# Columns cast by the normalisation query, with the type they must parse as (for error messages).
CHECKED_COLUMNS = {
    "line_item_usage_amount": "DOUBLE",
    "line_item_unblended_cost": "DOUBLE",
    "line_item_usage_start_date": "TIMESTAMPTZ",
    "line_item_usage_end_date": "TIMESTAMPTZ",
    "bill_billing_period_start_date": "TIMESTAMPTZ",
    "split_line_item_split_usage": "DOUBLE",
    "split_line_item_split_usage_ratio": "DOUBLE",
}
# Columns the store's NOT NULL columns (billing account, billing period, period start) come from: a usage
# line (the line types aws/normalize.sql keeps) without one cannot be stored.
REQUIRED_VALUES = ("bill_payer_account_id", "bill_billing_period_start_date", "line_item_usage_start_date")
USAGE_LINE_TYPES = "('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')"


# The cur_src columns that decide a line's resource and tags in normalize.sql, and whether it is kept, in files
# without split line items (connectors/file_ingest.py, key_source).
KEY_SOURCE = ("line_item_resource_id", "raw_tags", "tags", "line_item_line_item_type",
              "split_line_item_parent_resource_id")


def _files(group: list[formats.Detected]) -> dict[str, object]:
    return {"files": [d.file for d in group]}


def _splits(group: list[formats.Detected]) -> bool:
    """Whether the files carry split line items (EKS/ECS split cost allocation)."""
    return any(split.COLUMNS[0] in formats.canonical_columns(d) for d in group)


class CurFiles(FileIngest[formats.Detected]):
    provider, src, package, kind = "AWS", "cur_src", __package__, "line items"
    formats = formats
    group_source, group_attributes, key_source = kinds.GROUP_SOURCE, kinds.GROUP_ATTRIBUTES, KEY_SOURCE
    quantity = kinds.QUANTITY
    row_filter = "line_item_line_item_type"
    dropped_as = (f"CASE WHEN line_item_line_item_type NOT IN {USAGE_LINE_TYPES} "
                  "THEN 'line type ' || coalesce(nullif(line_item_line_item_type, ''), '(empty)') "
                  # A pod's or task's line: its share of the parent instance splits that instance's line.
                  "WHEN nullif(CAST(split_line_item_parent_resource_id AS VARCHAR), '') IS NOT NULL "
                  "THEN 'split line item (its share is applied to its parent instance''s line)' END")

    def __init__(self, profile: str | None = None, aggregate: bool = False) -> None:
        self.profile, self.aggregate = profile, aggregate

    def positioned(self, group: list[formats.Detected]) -> bool:
        return all(d.container == "parquet" for d in group)  # formats.source_select numbers Parquet rows

    def resolve(self, sources: list[str]) -> FileSet:
        return resolve(sources, self.profile)

    def checks(self) -> Sequence[Check]:
        return [*(parses_as(column, kind) for column, kind in CHECKED_COLUMNS.items()),
                *(Check(column, f"nullif(trim(value), '') IS NULL AND row_filter IN {USAGE_LINE_TYPES}", "is empty")
                  for column in REQUIRED_VALUES)]

    def spelled(self, detected: formats.Detected, column: str) -> str:
        return formats.canonical_columns(detected).get(column, column)

    def remote_error(self, file: str, error: Exception) -> InputError | None:
        return s3_error(file, error, self.profile)

    def prepare(self, con: duckdb.DuckDBPyConnection, groups: dict[Hashable, list[formats.Detected]]) -> None:
        numbered = list(enumerate(groups.values()))  # batch number, files
        kinds.prepare(con, [(self.classified_rows(con, group, number), _files(group)) for number, group in numbered])
        tag_sets.prepare(con, [(*self._tag_source(con, number, group), expression) for number, group in numbered
                               if (expression := formats.tag_set_expression(group))])
        # Only files with split line items are read for them (a second pass over those files alone).
        splitting = [group for group in groups.values() if _splits(group)]
        split.prepare(con, [(self.source_select(group), [d.file for d in group]) for group in splitting])

    def _tag_source(self, con: duckdb.DuckDBPyConnection, number: int, group: list[formats.Detected]
                    ) -> tuple[str, dict[str, object]]:
        """Where a group's tag sets are found: among its distinct key sets where they were read (file_ingest.key_rows:
        files whose lines each keep their own tags), else among every line."""
        key_sets = self.key_sets(con, number)
        return (key_sets, {}) if key_sets else (self.source_select(group), _files(group))

    def key_columns(self, group: list[formats.Detected]) -> tuple[str, ...]:
        # A pod's share of an instance-hour gives the instance's line the pod's tags: then every line decides them.
        return () if _splits(group) else self.key_source

    def batch(self, con: duckdb.DuckDBPyConnection, group: list[formats.Detected], source_sql: str, rows_read: int,
              number: int) -> Batch:
        if not self.aggregate:
            return super().batch(con, group, source_sql, rows_read, number)
        files = [d.file for d in group]
        # The same daily aggregate `--athena` pushes down (aws/aggregate.sql); its rows are unique by construction.
        label = files[0] + (f" (+{len(files) - 1} more)" if len(files) > 1 else "")
        aggregated = athena.as_cur_src(athena.local_aggregate(source_sql))
        return Batch(self.normalize(aggregated), {"files": files, "since": None, "until": None, "source_label": label},
                     rows_read, groups_sql=self.normalized_groups(aggregated))


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
    return CurFiles(profile, aggregate).ingest(con, sources, progress=progress)
