"""`cloudcarbon ingest focus`: FOCUS exports (1.0–1.4, CSV or Parquet, local or object storage) into the store."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import duckdb

from cloudcarbon.connectors.file_ingest import Check, FileIngest, parses_as
from cloudcarbon.connectors.files import FileSet
from cloudcarbon.connectors.focus import formats, kinds
from cloudcarbon.connectors.remote import remote_error, resolve_sources
from cloudcarbon.errors import InputError
from cloudcarbon.ingest import IngestSummary

# Region spellings per provider; created empty when the coefficient library has none yet, so the
# normalisation query keeps the region as the export gives it.
REGION_ALIASES = "CREATE TEMP TABLE IF NOT EXISTS coef_region_aliases (provider VARCHAR, alias VARCHAR, region VARCHAR)"
# Values FOCUS requires of a usage row, which the store's NOT NULL columns come from.
REQUIRED_VALUES = ("charge_period_start", "billing_period_start", "billing_account_id", "provider_name")
USAGE = "lower(row_filter) = 'usage'"


class FocusFiles(FileIngest[formats.Detected]):
    provider, src, package, kind = "FOCUS", "focus_src", __package__, "rows"
    formats = formats
    row_filter = "charge_category"
    # The focus_src columns that decide a row's usage group in normalize.sql: its own and its kind's (classify.sql).
    group_source = (
        "billing_period_start", "provider_name", "billing_account_id", "sub_account_id", "sub_account_name",
        "region_id", "region_name", "availability_zone", "service_name", "pricing_category", "consumed_unit",
        "billing_currency", "x_usage_type", "x_operation", "charge_category", "x_service_code", "service_category",
        "charge_description", "sku_price_details", "x_sku_details", "gcp_machine_spec", "gcp_cores", "source_file",
    )
    quantity = "consumed_quantity"
    # And those that decide its resource and tags (the host's and the allocation's tags), and that it is usage.
    key_source = (
        "resource_id", "tags", "allocated_tags", "provider_name", "host_provider_name", "allocated_method_id",
        "allocated_resource_id", "allocated_resource_name", "charge_category",
    )
    dropped_as = ("CASE WHEN lower(charge_category) = 'usage' THEN NULL "
                  "ELSE 'ChargeCategory ' || coalesce(nullif(charge_category, ''), '(empty)') END")

    def __init__(self, profile: str | None = None) -> None:
        self.profile = profile

    def positioned(self, group: list[formats.Detected]) -> bool:
        return all(d.container == "parquet" for d in group)  # formats.source_select numbers Parquet rows

    def resolve(self, sources: list[str]) -> FileSet:
        return resolve_sources(sources, command="`ingest focus`", what="FOCUS data files", profile=self.profile)

    def group(self, detected: formats.Detected) -> Hashable:
        return detected.container  # one reader per container; the versions may differ within it

    def checks(self) -> Sequence[Check]:
        parsed = [parses_as(column, kind) for column, kind in formats.CHECKED.items()]
        return [*(Check(c.column, f"{USAGE} AND {c.condition}", c.problem) for c in parsed),
                *(Check(column, f"{USAGE} AND nullif(value, '') IS NULL", "is empty, but FOCUS requires it")
                  for column in REQUIRED_VALUES)]

    def spelled(self, detected: formats.Detected, column: str) -> str:
        if column == "provider_name":
            return detected.provider_columns()[0]
        return detected.spelled((formats.REQUIRED | formats.OPTIONAL)[column]) or column

    def remote_error(self, file: str, error: Exception) -> InputError | None:
        return remote_error(file.split("://", 1)[0].lower(), file, error, profile=self.profile)

    def prepare(self, con: duckdb.DuckDBPyConnection, groups: dict[Hashable, list[formats.Detected]]) -> None:
        con.execute(REGION_ALIASES)
        kinds.prepare(con, [(self.classified_rows(con, group, number), {"files": [d.file for d in group]})
                            for number, group in enumerate(groups.values())])


def ingest_focus(
    con: duckdb.DuckDBPyConnection,
    sources: list[str],
    *,
    profile: str | None = None,
    progress: bool | None = None,
) -> IngestSummary:
    """Ingest FOCUS SOURCEs (files, globs, folders, s3:// gs:// az:// prefixes) into the store."""
    return FocusFiles(profile).ingest(con, sources, progress=progress)
