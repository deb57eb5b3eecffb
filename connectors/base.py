"""What every connector declares, so the CLI, run-monthly, demo, the docs and the cross-cutting tests can find it
by name (connectors/__init__.py lists the names; each folder's connector.py holds its `CONNECTOR`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path

import click

from cloudcarbon.ingest import IngestSummary

# ingest(con, sources, **options): files, folders, globs, archives and object-storage URLs into the store.
FileIngest = Callable[..., IngestSummary]
# ingest(con, *, window, **options): the data stays where it is (a warehouse query or a provider API).
WindowIngest = Callable[..., IngestSummary]


@dataclass(frozen=True)
class Connector:
    """One source of usage: its name (`cloudcarbon ingest NAME`, run-monthly's `type = "NAME"`), what it reads,
    its command, its ingest functions and a small example export that the docs and tests use."""

    name: str
    reads: str  # one line: the exports it understands
    command: click.Command
    ingest: FileIngest
    # Where the data can also be read in place: mode name (run-monthly's `mode = "NAME"`) -> its ingest.
    modes: Mapping[str, WindowIngest] = field(default_factory=dict)
    # The extra that object storage and the modes need (`pip install 'cloudcarbon[EXTRA]'`), if any.
    extra: str | None = None
    # A small export in the connector's folder, in the provider's real shape (for `--help`, docs and tests).
    example: str | None = None
    # The store table its rows go to: usage, or provider_emissions for a provider's own reported figures.
    table: str = "usage"

    def example_path(self) -> Path | None:
        return Path(str(files(f"cloudcarbon.connectors.{self.name}").joinpath(self.example))) if self.example else None


@cache
def connector_sql(package: str, name: str) -> str:
    """The text of `name`.sql in a connector's own folder (each connector keeps its SQL beside its code)."""
    return files(package).joinpath(f"{name}.sql").read_text(encoding="utf-8")
