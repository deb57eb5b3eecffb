"""The AWS carbon emissions connector as the registry knows it."""

from cloudcarbon.connectors.aws_carbon.api import ingest_api
from cloudcarbon.connectors.aws_carbon.cli import ingest_aws_carbon_command
from cloudcarbon.connectors.aws_carbon.ingest import ingest_aws_carbon
from cloudcarbon.connectors.base import Connector

CONNECTOR = Connector(
    name="aws_carbon",
    reads="AWS's own reported emissions: Data Exports CARBON_EMISSIONS (CSV, also .gz, .zip, or Parquet), or the "
          "Sustainability API",
    command=ingest_aws_carbon_command,
    ingest=ingest_aws_carbon,
    modes={"api": ingest_api},
    extra="aws",
    example="example.csv",
    table="provider_emissions",
)
