"""The on-premises connector as the registry knows it."""

from cloudcarbon.connectors.base import Connector
from cloudcarbon.connectors.onprem.cli import ingest_onprem_command
from cloudcarbon.connectors.onprem.ingest import ingest_onprem

CONNECTOR = Connector(
    name="onprem",
    reads="On-premises server inventories: one CSV row per server and month",
    command=ingest_onprem_command,
    ingest=ingest_onprem,
    example="example.csv",
)
