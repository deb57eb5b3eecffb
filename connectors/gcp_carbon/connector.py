"""The Google Cloud carbon footprint connector as the registry knows it."""

from cloudcarbon.connectors.base import Connector
from cloudcarbon.connectors.gcp_carbon.bigquery import ingest_gcp_carbon_bigquery
from cloudcarbon.connectors.gcp_carbon.cli import ingest_gcp_carbon_command
from cloudcarbon.connectors.gcp_carbon.ingest import ingest_gcp_carbon

CONNECTOR = Connector(
    name="gcp_carbon",
    reads="Google Cloud's own reported emissions: the Carbon Footprint BigQuery export as CSV, Parquet or "
          "newline-delimited JSON, or read in BigQuery",
    command=ingest_gcp_carbon_command,
    ingest=ingest_gcp_carbon,
    modes={"bigquery": ingest_gcp_carbon_bigquery},
    extra="gcp",
    example="example.csv",
    table="provider_emissions",
)
