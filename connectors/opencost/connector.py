"""The OpenCost connector as the registry knows it."""

from cloudcarbon.connectors.base import Connector
from cloudcarbon.connectors.opencost.cli import ingest_opencost_command
from cloudcarbon.connectors.opencost.ingest import ingest_opencost

CONNECTOR = Connector(
    name="opencost",
    reads="OpenCost/Kubecost allocation exports (the /allocation API's JSON, or flattened to CSV or Parquet): "
          "pods' shares of their nodes",
    command=ingest_opencost_command,
    ingest=ingest_opencost,
    example="example.csv",
    table="k8s_allocations",
)
