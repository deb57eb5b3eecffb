"""`cloudcarbon ingest telemetry`: parse the options, run the ingest on the store, print its summary."""

from __future__ import annotations

import click

from cloudcarbon.cli_options import EPILOG, db_option, store_path
from cloudcarbon.connectors.telemetry.ingest import check_match, ingest_telemetry
from cloudcarbon.store import open_store


@click.command("telemetry", epilog=EPILOG)
@click.argument("sources", nargs=-1, required=True)
@click.option("--match", default=None,
              help="What the series' name is matched with in usage: resource (resource id), host (resource id or "
                   "the Name/hostname tag) or tag:KEY. Default: resource for CloudWatch, else host.")
@click.option("--key", default=None,
              help="The instance id, host name or tag value the files describe, for files that name none "
                   "(nvidia-smi logs; CodeCarbon's project_name otherwise).")
@db_option
@click.pass_context
def ingest_telemetry_command(ctx: click.Context, sources: tuple[str, ...], match: str | None, key: str | None,
                             db: str | None) -> None:
    """Ingest measured utilisation, power or energy; `footprint` then uses it for the usage it describes.

    \b
    Formats (detected from the content): CodeCarbon emissions.csv; nvidia-smi --query-gpu=timestamp,
    name,pci.bus_id,utilization.gpu,power.draw --format=csv; NVIDIA DCGM exporter (Prometheus text,
    or range-query JSON of DCGM_FI_DEV_GPU_UTIL / DCGM_FI_DEV_POWER_USAGE); CloudWatch GetMetricData
    JSON (CPUUtilization, nvidia_smi_utilization_gpu, nvidia_smi_power_draw); Kepler range-query JSON
    (kepler_*_joules_total). Re-ingesting a file replaces what it stored.

    \b
    Examples:
        cloudcarbon ingest telemetry ./dcgm-scrape.prom
        cloudcarbon ingest telemetry ./gpu.csv --key i-0abc1234def567890
        cloudcarbon ingest telemetry ./kepler.json --match tag:namespace
    """
    check_match(match)
    with open_store(store_path(ctx, db)) as con:
        summary = ingest_telemetry(con, list(sources), match=match, key=key)
    click.echo(summary.line(), err=True)
