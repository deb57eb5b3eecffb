"""`cloudcarbon ingest gcp`: exported GCP billing-table files (CSV, JSON lines, Parquet; local or gs://)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import duckdb

from cloudcarbon.connectors.file_ingest import Check, FileIngest
from cloudcarbon.connectors.files import FileSet
from cloudcarbon.connectors.gcp import catalog, formats
from cloudcarbon.connectors.gcp.sources import resolve
from cloudcarbon.connectors.remote import gcs_error
from cloudcarbon.errors import InputError
from cloudcarbon.ingest import IngestSummary

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


class GcpBilling(FileIngest[formats.Detected]):
    """GCP billing-table rows, from exported files or (gcp/bigquery.py) an aggregate BigQuery ran."""

    provider, src, package, kind = "GCP", "gcp_src", __package__, "billing rows"
    formats = formats
    row_filter = "cost_type"
    dropped_as = ("CASE WHEN coalesce(nullif(lower(CAST(cost_type AS VARCHAR)), ''), 'regular') = 'regular' "
                  "THEN NULL ELSE 'cost_type ' || lower(CAST(cost_type AS VARCHAR)) END")

    def __init__(self, project: str | None = None, use_catalog: bool | None = None,
                 catalog_client: object | None = None) -> None:
        self.project, self.use_catalog, self.catalog_client = project, use_catalog, catalog_client

    def resolve(self, sources: list[str]) -> FileSet:
        return resolve(sources, self.project)

    def checks(self) -> Sequence[Check]:
        return [*(Check(column, f"nullif(value, '') IS NOT NULL AND NOT coalesce({test}, false)", f"is not {what}")
                  for column, (test, what) in CHECKED_COLUMNS.items()),
                *(Check(column, "nullif(trim(value), '') IS NULL AND coalesce(nullif(lower(row_filter), ''), "
                        "'regular') = 'regular'", "is empty") for column in REQUIRED_VALUES)]

    def spelled(self, detected: formats.Detected, column: str) -> str:
        return formats.SPELLING.get(column, column)

    def explain(self, error: duckdb.Error, container: str) -> str:
        return formats.explain(error, container)

    def remote_error(self, file: str, error: Exception) -> InputError | None:
        return gcs_error(file, error)

    def prepare(self, con: duckdb.DuckDBPyConnection, groups: dict[Hashable, list[formats.Detected]]) -> None:
        """SKUs the description rules cannot place, classified by the Cloud Catalog API where allowed."""
        sources = [(formats.source_select(group), {"files": [d.file for d in group]}) for group in groups.values()]
        catalog.register_sku_groups(con, sources, use_catalog=self.use_catalog, client=self.catalog_client)


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
    return GcpBilling(project, use_catalog, catalog_client).ingest(con, sources, progress=progress)
