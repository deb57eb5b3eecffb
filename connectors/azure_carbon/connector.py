"""Microsoft's Carbon Optimization emissions reports as the registry knows them."""

from cloudcarbon.connectors.azure_carbon.api import ingest_api
from cloudcarbon.connectors.azure_carbon.cli import ingest_azure_carbon_command
from cloudcarbon.connectors.azure_carbon.ingest import ingest_azure_carbon
from cloudcarbon.connectors.base import Connector

CONNECTOR = Connector(
    name="azure_carbon",
    reads="Microsoft's own reported Azure emissions: Carbon Optimization emissions reports (JSON as the REST API "
          "returns them, or CSV), or the Carbon Optimization API",
    command=ingest_azure_carbon_command,
    ingest=ingest_azure_carbon,
    modes={"api": ingest_api},
    extra="azure",
    example="example.json",
    table="provider_emissions",
)
