"""The AWS connector as the registry knows it."""

from cloudcarbon.connectors.aws.athena import ingest_athena
from cloudcarbon.connectors.aws.cli import ingest_aws_command
from cloudcarbon.connectors.aws.ingest import ingest_aws
from cloudcarbon.connectors.base import Connector

CONNECTOR = Connector(
    name="aws",
    reads="AWS Cost and Usage Reports: legacy CUR and CUR 2.0, CSV (also .gz, .zip) or Parquet, with manifests",
    command=ingest_aws_command,
    ingest=ingest_aws,
    modes={"athena": ingest_athena},
    extra="aws",
    example="example.csv",
)
