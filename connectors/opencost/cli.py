"""`cloudcarbon ingest opencost`: parse the options, run the ingest on the store, print its summary."""

from __future__ import annotations

import click

from cloudcarbon.cli_options import EPILOG, db_option, store_path
from cloudcarbon.connectors.opencost.ingest import ingest_opencost
from cloudcarbon.store import open_store


@click.command("opencost", epilog=EPILOG)
@click.argument("sources", nargs=-1, required=True)
@click.option("--profile", help="AWS profile for s3:// sources (default: the boto3 credential chain).")
@db_option
@click.pass_context
def ingest_opencost_command(ctx: click.Context, sources: tuple[str, ...], profile: str | None, db: str | None
                            ) -> None:
    """Ingest OpenCost/Kubecost allocations, so `footprint --by k8s:namespace|k8s:pod|k8s:cluster` splits the
    nodes' usage (GKE, AKS or any cluster whose bill has no split data) over their pods.

    SOURCES are the /allocation API's JSON responses (OpenCost or Kubecost; step=1h or 1d, aggregate unset or
    including node), or the same allocations flattened to CSV or Parquet (properties.node, start, end, cpuCoreHours,
    ramByteHours; as opencost-parquet-exporter writes them). Each allocation is joined to the usage rows of its node
    (the resource id ends in the node's name, its providerID's instance id, or its AKS scale set) that its running
    time overlaps; a pod's share of a node is 9 x CPU core-hours + RAM GiB-hours over the node's, and the unused rest
    groups as (unallocated), so pods and the rest add up to the node. Ingest the nodes' billing export first;
    re-ingesting a cluster's time replaces it.

    \b
    Example:
        curl -G http://localhost:9003/allocation -d window=2026-05-01T00:00:00Z,2026-05-02T00:00:00Z \\
            -d step=1h -o allocation.json
        cloudcarbon ingest opencost ./allocation.json
        cloudcarbon footprint --by k8s:namespace
    """
    with open_store(store_path(ctx, db)) as con:
        summary = ingest_opencost(con, list(sources), profile=profile)
    click.echo(summary.line(), err=True)
