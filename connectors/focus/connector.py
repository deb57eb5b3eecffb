"""The FOCUS connector as the registry knows it."""

from cloudcarbon.connectors.base import Connector
from cloudcarbon.connectors.focus.cli import ingest_focus_command
from cloudcarbon.connectors.focus.ingest import ingest_focus

CONNECTOR = Connector(
    name="focus",
    reads="FOCUS 1.0-1.4 exports from any provider, CSV (also .gz, .zip) or Parquet",
    command=ingest_focus_command,
    ingest=ingest_focus,
    example="example.csv",
)
