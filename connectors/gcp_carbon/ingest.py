"""`cloudcarbon ingest gcp-carbon`: Google Cloud's Carbon Footprint export (CSV, Parquet or newline-delimited JSON,
local or gs://) into the store's provider_emissions table, never into usage (cloudcarbon/provider_emissions.py)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import duckdb

from cloudcarbon import provider_emissions
from cloudcarbon.connectors.file_ingest import Check, FileIngest, parses_as
from cloudcarbon.connectors.files import FileSet
from cloudcarbon.connectors.gcp_carbon import formats
from cloudcarbon.connectors.remote import resolve_sources
from cloudcarbon.errors import InputError
from cloudcarbon.ingest import Batch, IngestSummary

FIGURE_IS_NULL = " AND ".join(f"nullif(CAST({column} AS VARCHAR), '') IS NULL" for column in formats.FIGURES)


class GcpCarbonFiles(FileIngest[formats.Detected]):
    provider, src, package, kind = "GCP", "carbon_src", __package__, "emissions rows"
    formats = formats
    table, log = "provider_emissions", "provider_ingests"
    dropped_as = f"CASE WHEN {FIGURE_IS_NULL} THEN 'row(s) without a figure' END"

    def resolve(self, sources: list[str]) -> FileSet:
        return resolve_sources(sources, command="`ingest gcp-carbon`", what="Carbon Footprint export files",
                               schemes=("gs",), json=True)

    def group(self, detected: formats.Detected) -> Hashable:
        return detected.container

    def checks(self) -> Sequence[Check]:
        return [*(Check(column, "nullif(trim(value), '') IS NULL", "is empty, but the Carbon Footprint export "
                        "always fills it") for column in formats.REQUIRED),
                *(parses_as(column, kind) for column, kind in formats.CHECKED.items())]

    def spelled(self, detected: formats.Detected, column: str) -> str:
        """The field as the file names it: nested fields dotted, as the schema page writes them."""
        path = detected.spelled(column)
        return path.replace('"', "") if path else column

    def remote_error(self, file: str, error: Exception) -> InputError | None:
        return None

    def load(self, con: duckdb.DuckDBPyConnection, *, provider: str, source_format: str, files: list[str],
             batches: list[Batch], progress: bool | None) -> IngestSummary:
        return provider_emissions.load(con, provider=provider, source_format=source_format, files=files,
                                       batches=batches, progress=progress)


def ingest_gcp_carbon(con: duckdb.DuckDBPyConnection, sources: list[str], *, progress: bool | None = None
                      ) -> IngestSummary:
    """Ingest Carbon Footprint export SOURCEs (files, globs, folders, gs:// prefixes) into provider_emissions."""
    return GcpCarbonFiles().ingest(con, sources, progress=progress)
