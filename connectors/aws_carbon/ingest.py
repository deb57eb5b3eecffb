"""`cloudcarbon ingest aws-carbon`: AWS's carbon emissions exports (CSV or Parquet, local or s3://) into the store's
provider_emissions table, never into usage (cloudcarbon/provider_emissions.py)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import duckdb

from cloudcarbon import provider_emissions
from cloudcarbon.connectors.aws_carbon import formats
from cloudcarbon.connectors.file_ingest import Check, FileIngest, parses_as
from cloudcarbon.connectors.files import FileSet
from cloudcarbon.connectors.remote import resolve_sources, s3_error
from cloudcarbon.errors import InputError
from cloudcarbon.ingest import Batch, IngestSummary


class AwsCarbonFiles(FileIngest[formats.Detected]):
    provider, src, package, kind = "AWS", "carbon_src", __package__, "emissions rows"
    formats = formats
    table, log = "provider_emissions", "provider_ingests"
    dropped_as = ("CASE WHEN nullif(CAST(total_lbm_emissions_value AS VARCHAR), '') IS NULL "
                  "AND nullif(CAST(total_mbm_emissions_value AS VARCHAR), '') IS NULL THEN 'row(s) without a figure' "
                  "END")

    def __init__(self, profile: str | None = None) -> None:
        self.profile = profile

    def resolve(self, sources: list[str]) -> FileSet:
        return resolve_sources(sources, command="`ingest aws-carbon`", what="carbon emissions export files",
                               schemes=("s3",), profile=self.profile)

    def group(self, detected: formats.Detected) -> Hashable:
        return detected.container

    def checks(self) -> Sequence[Check]:
        return [*(Check(column, "nullif(trim(value), '') IS NULL", "is empty, but the carbon export requires it")
                  for column in formats.REQUIRED),
                *(parses_as(column, kind) for column, kind in formats.CHECKED.items())]

    def spelled(self, detected: formats.Detected, column: str) -> str:
        return detected.spelled(column) or column

    def remote_error(self, file: str, error: Exception) -> InputError | None:
        return s3_error(file, error, self.profile)

    def load(self, con: duckdb.DuckDBPyConnection, *, provider: str, source_format: str, files: list[str],
             batches: list[Batch], progress: bool | None) -> IngestSummary:
        return provider_emissions.load(con, provider=provider, source_format=source_format, files=files,
                                       batches=batches, progress=progress)


def ingest_aws_carbon(
    con: duckdb.DuckDBPyConnection,
    sources: list[str],
    *,
    profile: str | None = None,
    progress: bool | None = None,
) -> IngestSummary:
    """Ingest AWS carbon emissions export SOURCEs (files, globs, folders, s3:// prefixes) into provider_emissions."""
    return AwsCarbonFiles(profile).ingest(con, sources, progress=progress)
