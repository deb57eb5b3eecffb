"""Connectors: one folder per source of usage, each declaring a `CONNECTOR` (connectors/base.py) in its
connector.py. A new source is one folder and one name below; the CLI, run-monthly, demo, the docs and the
cross-cutting tests all read this list. Connectors import nothing from each other: what they share is in
files.py (local files, archives), remote.py (object storage), bigquery_runner.py (BigQuery queries) and
read_errors.py."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cloudcarbon.connectors.base import Connector

NAMES = ("aws", "gcp", "azure", "focus", "onprem", "aws_carbon", "telemetry", "gcp_carbon", "opencost", "azure_carbon")


def get(name: str) -> Connector:
    """The connector called `name` (imported only when asked for)."""
    if name not in NAMES:
        raise KeyError(name)
    return import_module(f"cloudcarbon.connectors.{name}.connector").CONNECTOR


def every() -> list[Connector]:
    return [get(name) for name in NAMES]
