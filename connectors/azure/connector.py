"""The Azure connector as the registry knows it."""

from cloudcarbon.connectors.azure.cli import ingest_azure_command
from cloudcarbon.connectors.azure.consumption import ingest_consumption
from cloudcarbon.connectors.azure.ingest import ingest_azure
from cloudcarbon.connectors.base import Connector

CONNECTOR = Connector(
    name="azure",
    reads="Azure cost details exports (EA, MCA, pay-as-you-go), CSV (also .gz, .zip) or Parquet, with manifests",
    command=ingest_azure_command,
    ingest=ingest_azure,
    modes={"api": ingest_consumption},
    extra="azure",
    example="example.csv",
)
