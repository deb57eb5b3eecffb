"""The telemetry connector as the registry knows it."""

from cloudcarbon.connectors.base import Connector
from cloudcarbon.connectors.telemetry.cli import ingest_telemetry_command
from cloudcarbon.connectors.telemetry.ingest import ingest_telemetry

CONNECTOR = Connector(
    name="telemetry",
    reads="Measured utilisation, power or energy: CodeCarbon, nvidia-smi, DCGM, CloudWatch GetMetricData, Kepler",
    command=ingest_telemetry_command,
    ingest=ingest_telemetry,
    example="example.prom",
    table="telemetry",
)
