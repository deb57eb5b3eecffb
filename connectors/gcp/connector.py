"""The Google Cloud connector as the registry knows it."""

from cloudcarbon.connectors.base import Connector
from cloudcarbon.connectors.gcp.bigquery import ingest_gcp_bigquery
from cloudcarbon.connectors.gcp.cli import ingest_gcp_command
from cloudcarbon.connectors.gcp.ingest import ingest_gcp

CONNECTOR = Connector(
    name="gcp",
    reads="Google Cloud billing exports (standard or detailed): CSV, JSON lines or Parquet",
    command=ingest_gcp_command,
    ingest=ingest_gcp,
    modes={"bigquery": ingest_gcp_bigquery},
    extra="gcp",
    example="example.csv",
)
