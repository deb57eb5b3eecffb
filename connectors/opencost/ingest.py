"""`cloudcarbon ingest opencost`: OpenCost/Kubecost allocation exports into `k8s_allocations`, and the pods' shares
of the nodes' usage into `k8s_shares`, which the footprint splits node usage rows by (cloudcarbon/estimation.py).

The store is written in one transaction: the allocations of each cluster over the time the export covers replace
earlier ones of that cluster and time (re-ingesting replaces, never adds), then every share is derived again from
all stored allocations and the usage then held, and the stored footprint is recomputed. Allocations whose node has
no usage in the store are kept, counted by reason and named; ingesting them again after the nodes' billing export
uses them.
"""

from __future__ import annotations

import uuid
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import cast

import duckdb
import fsspec

from cloudcarbon import __version__, stored_footprint
from cloudcarbon.connectors.base import connector_sql
from cloudcarbon.connectors.file_ingest import Check, FileIngest, parses_as
from cloudcarbon.connectors.files import FileSet
from cloudcarbon.connectors.opencost import formats
from cloudcarbon.connectors.remote import remote_error, resolve_sources
from cloudcarbon.errors import InputError
from cloudcarbon.ingest import Batch, IngestSummary, data_rule_error
from cloudcarbon.store import transaction

SHOWN_NODES = 3
# An allocation identifies itself by where and when it ran: two of one ingest alike are one delivered twice.
IDENTITY = ("cluster", "node", "provider_id", "namespace", "pod", "container", "window_start", "window_end")
UNMATCHED = """
    SELECT CASE WHEN bool_or(NOT m.split_already) THEN NULL
                WHEN count(m.allocation) > 0 THEN 'on a node the bill already splits over pods (not split again)'
                ELSE 'on a node with no usage in the store at that time (ingest its billing export, then this again)'
           END AS reason,
           coalesce(any_value(a.node), any_value(a.provider_id)) AS node
    FROM k8s_allocations a LEFT JOIN k8s_match m ON m.allocation = a.rowid
    WHERE a.x_ingest_id = $id
    GROUP BY a.rowid
"""


@dataclass
class AllocationSummary(IngestSummary):
    clusters: list[str] = field(default_factory=list)  # "prod 2026-05-01..2026-05-02"
    nodes_split: int = 0  # node usage rows the stored allocations split
    unmatched: dict[str, tuple[int, list[str]]] = field(default_factory=dict)  # reason -> (allocations, nodes)

    def line(self) -> str:
        text = (f"ingested {len(self.files)} file(s) ({self.source_format}): {self.rows_read:,} allocations read, "
                f"{self.rows_kept:,} kept")
        if self.dropped:
            shown = [f"{d.rows:,} {d.reason} (first: {d.first})" for d in self.dropped]
            text += f" ({sum(d.rows for d in self.dropped):,} left out: {', '.join(shown)})"
        if self.duplicates_dropped:
            text += f"; {self.duplicates_dropped:,} duplicate allocation(s) dropped (identical copies)"
        text += f"; {len(self.clusters)} period(s): {', '.join(self.clusters) or 'none'}"
        text += f"; {self.nodes_split:,} node usage row(s) split over pods"
        for reason, (count, nodes) in self.unmatched.items():
            text += f"; {count:,} allocation(s) {reason}: {', '.join(nodes[:SHOWN_NODES])}" + (
                f" and {len(nodes) - SHOWN_NODES} more node(s)" if len(nodes) > SHOWN_NODES else "")
        return text


class OpenCostFiles(FileIngest[formats.Detected]):
    provider, src, package, kind = "OpenCost", "opencost_src", __package__, "allocations"
    formats = formats
    table, log = "k8s_allocations", "k8s_ingests"
    dropped_as = formats.DROPPED_AS

    def __init__(self, profile: str | None = None) -> None:
        self.profile = profile

    def resolve(self, sources: list[str]) -> FileSet:
        return resolve_sources(sources, command="`ingest opencost`", what="allocation export files",
                               profile=self.profile, json=True)

    def group(self, detected: formats.Detected) -> Hashable:
        return detected.container

    def checks(self) -> Sequence[Check]:
        return [parses_as(column, kind) for column, kind in formats.CHECKED.items()]

    def spelled(self, detected: formats.Detected, column: str) -> str:
        return detected.spelled(column) or column

    def remote_error(self, file: str, error: Exception) -> InputError | None:
        return remote_error(file.split("://", 1)[0].lower(), file, error, profile=self.profile)

    def cut_off(self, fs: fsspec.AbstractFileSystem, file: str, size: int, detected: formats.Detected) -> bool:
        # An API response ends without a newline; one cut off does not parse, which detection reports.
        return detected.container != "json" and super().cut_off(fs, file, size, detected)

    def normalize(self, source_sql: str) -> str:
        # The allocations the ingest keeps; count_dropped reports the others by the same reasons.
        kept = f"SELECT * FROM ({source_sql}) WHERE ({formats.DROPPED_AS}) IS NULL"
        return f"WITH {self.src} AS ({kept}) SELECT * FROM ({connector_sql(self.package, 'normalize')})"

    def load(self, con: duckdb.DuckDBPyConnection, *, provider: str, source_format: str, files: list[str],
             batches: list[Batch], progress: bool | None) -> AllocationSummary:
        try:
            return _load(con, source_format, files, batches)
        except duckdb.InvalidInputException as error:
            raise data_rule_error(error) or error from None


def _load(con: duckdb.DuckDBPyConnection, source_format: str, files: list[str], batches: list[Batch]
          ) -> AllocationSummary:
    ingest_id, started = uuid.uuid4().hex, datetime.now(UTC)
    with transaction(con):
        con.execute("CREATE OR REPLACE TEMP TABLE new_allocations AS SELECT * FROM k8s_allocations LIMIT 0")
        for batch in batches:
            con.execute(f"INSERT INTO new_allocations BY NAME {batch.select_sql}",
                        {**batch.params, "ingest_id": ingest_id, "source_format": source_format})
        duplicates = con.execute(f"""
            DELETE FROM new_allocations WHERE rowid NOT IN (
                SELECT arg_min(rowid, (list_position($files, x_source_file), rowid)) FROM new_allocations
                GROUP BY {', '.join(IDENTITY)})""", {"files": files}).fetchall()[0][0]
        # Each cluster's allocations over the time this export covers replace the earlier ones of that time.
        con.execute("""
            DELETE FROM k8s_allocations a USING (
                SELECT cluster, min(window_start) AS since, max(window_end) AS until
                FROM new_allocations GROUP BY cluster) n
            WHERE a.cluster = n.cluster AND a.window_start < n.until AND a.window_end > n.since
        """)
        con.execute("INSERT INTO k8s_allocations BY NAME SELECT * FROM new_allocations")
        clusters = [f"{c} {s:%Y-%m-%d}..{e:%Y-%m-%d}" for c, s, e in con.execute(
            "SELECT cluster, min(window_start), max(window_end) FROM new_allocations GROUP BY cluster ORDER BY 1"
        ).fetchall()]
        rows_kept = con.execute("SELECT count(*) FROM new_allocations").fetchall()[0][0]
        con.execute("DROP TABLE new_allocations")
        con.execute(f"CREATE OR REPLACE TEMP TABLE k8s_match AS {connector_sql(__package__, 'match')}")
        con.execute("DELETE FROM k8s_shares")
        con.execute(f"INSERT INTO k8s_shares BY NAME {connector_sql(__package__, 'shares')}")
        nodes_split = con.execute(
            "SELECT count(*) FROM (SELECT DISTINCT resource_id, charge_period_start FROM k8s_shares)").fetchall()[0][0]
        unmatched = {reason: (count, nodes) for reason, count, nodes in con.execute(f"""
            SELECT reason, count(*), list(DISTINCT node ORDER BY node) FROM ({UNMATCHED})
            WHERE reason IS NOT NULL GROUP BY reason ORDER BY reason""", {"id": ingest_id}).fetchall()}
        con.execute("DROP TABLE k8s_match")
        con.execute("INSERT INTO k8s_ingests VALUES ($id, $started, $format, $files, $read, $kept, $unmatched, $tool)",
                    {"id": ingest_id, "started": started, "format": source_format, "files": files,
                     "read": sum(b.rows_read for b in batches), "kept": rows_kept,
                     "unmatched": sum(count for count, _ in unmatched.values()), "tool": __version__})
        stored_footprint.invalidate(con)  # the stored figures now split the nodes: recompute them
        stored_footprint.refresh(con)
    return AllocationSummary(ingest_id, source_format, files, sum(b.rows_read for b in batches), rows_kept,
                             duplicates_dropped=duplicates, clusters=clusters, nodes_split=nodes_split,
                             unmatched=unmatched)


def ingest_opencost(
    con: duckdb.DuckDBPyConnection,
    sources: list[str],
    *,
    profile: str | None = None,
    progress: bool | None = None,
) -> AllocationSummary:
    """Ingest OpenCost/Kubecost allocation SOURCEs (files, globs, folders, s3:// gs:// az:// prefixes); the caller's
    connection is the store itself (the shares are derived from the usage it holds)."""
    return cast(AllocationSummary, OpenCostFiles(profile).ingest(con, sources, progress=progress))
