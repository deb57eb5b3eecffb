"""The AWS carbon emissions connector as the registry knows it."""

from cloudcarbon.connectors.aws_carbon.cli import ingest_aws_carbon_command
from cloudcarbon.connectors.aws_carbon.ingest import ingest_aws_carbon
from cloudcarbon.connectors.base import Connector

CONNECTOR = Connector(
    name="aws_carbon",
    reads="AWS Data Exports carbon emissions (CARBON_EMISSIONS), CSV (also .gz, .zip) or Parquet: AWS's own figures",
    command=ingest_aws_carbon_command,
    ingest=ingest_aws_carbon,
    extra="aws",
    example="example.csv",
    table="provider_emissions",
)
