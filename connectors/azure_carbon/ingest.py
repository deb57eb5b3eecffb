"""`cloudcarbon ingest azure-carbon SOURCE...`: Microsoft's Carbon Optimization emissions reports (JSON as the REST API
returns them, or the same items as CSV; local or az://) into the store's provider_emissions table, never into usage
(cloudcarbon/provider_emissions.py)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import duckdb

from cloudcarbon import provider_emissions
from cloudcarbon.connectors.azure_carbon import formats
from cloudcarbon.connectors.file_ingest import Check, FileIngest, parses_as
from cloudcarbon.connectors.files import FileSet
from cloudcarbon.connectors.remote import azure_error, resolve_sources
from cloudcarbon.errors import InputError, UsageError
from cloudcarbon.ingest import Batch, IngestSummary


def carbon_scopes(text: str | None) -> list[str] | None:
    """--carbon-scopes Scope1,Scope2,Scope3 as the API spells them (any case, with or without the word Scope)."""
    if text is None:
        return None
    scopes = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        digit = item.lower().removeprefix("scope").strip()
        if digit not in ("1", "2", "3"):
            raise UsageError(f"--carbon-scopes {item!r}: choose from {', '.join(formats.SCOPES)}")
        scopes.append(f"Scope{digit}")
    if not scopes:
        raise UsageError(f"--carbon-scopes needs at least one of {', '.join(formats.SCOPES)}")
    return sorted(set(scopes))


class AzureCarbonFiles(FileIngest[formats.Detected]):
    provider, src, package, kind = "Azure", "azure_carbon_src", __package__, "emissions items"
    formats = formats
    table, log = "provider_emissions", "provider_ingests"
    dropped_as = ("CASE WHEN nullif(trim(CAST(emissions AS VARCHAR)), '') IS NULL "
                  "THEN 'item(s) without latestMonthEmissions' END")

    def __init__(self, month: str | None = None, scopes: list[str] | None = None) -> None:
        self.month, self.scopes = month, scopes

    def resolve(self, sources: list[str]) -> FileSet:
        return resolve_sources(sources, command="`ingest azure-carbon`", what="Carbon Optimization report files",
                               schemes=("az", "abfs", "abfss"), json=True)

    def group(self, detected: formats.Detected) -> Hashable:
        return detected.container

    def source_select(self, group: list[formats.Detected]) -> str:
        return formats.source_select(group, self.month, self.scopes)

    def checks(self) -> Sequence[Check]:
        return [parses_as("emissions", "DOUBLE"),
                Check("item_date", "nullif(value, '') IS NOT NULL AND TRY_CAST(value AS DATE) IS NULL",
                      "is not a date (yyyy-MM-dd)")]

    def spelled(self, detected: formats.Detected, column: str) -> str:
        return detected.spelled(column) or column

    def line_based(self, file: str) -> bool:
        # A JSON report is one document, parsed whole by detect() (saved responses seldom end with a newline).
        return formats.container_of(file) == "csv"

    def remote_error(self, file: str, error: Exception) -> InputError | None:
        return azure_error(file, error)

    def load(self, con: duckdb.DuckDBPyConnection, *, provider: str, source_format: str, files: list[str],
             batches: list[Batch], progress: bool | None) -> IngestSummary:
        return provider_emissions.load(con, provider=provider, source_format=source_format, files=files,
                                       batches=batches, progress=progress)


def ingest_azure_carbon(con: duckdb.DuckDBPyConnection, sources: list[str], *, month: str | None = None,
                        scopes: list[str] | None = None, progress: bool | None = None) -> IngestSummary:
    """Ingest Carbon Optimization report SOURCEs into provider_emissions. `month` (YYYY-MM-01) and `scopes` say
    what a response body alone does not."""
    return AzureCarbonFiles(month, scopes).ingest(con, sources, progress=progress)
