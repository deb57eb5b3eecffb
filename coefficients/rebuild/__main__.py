"""Rebuild cloudcarbon's coefficient tables (coefficients/data/*.csv) from the reference folder.

Maintainer tool, not shipped in the wheel; run from the repository root:

    python -m coefficients.rebuild [--reference /work/shared/reference]

Each provider's module (aws, gcp, azure, onprem) reads the public source tables under
<reference>/coefficients/ (see SOURCES.md there) and combines them with the hand-entered facts in
coefficients/facts/; prices.py builds the planning tables. This module assembles every provider's rows into
our own normalised tables. Output is deterministic: rows sorted, floats rounded, "\\n" line endings.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from ..facts import azure as azure_facts
from ..facts import gcp as gcp_facts
from ..facts import hardware, providers, workloads
from ..facts.constants import CONSTANTS
from ..facts.licences import APACHE, FACT
from . import aws, azure, gcp, grid_hourly, nearest_prices, onprem, prices, services, storage_prices, water
from .common import GRID_COLUMNS, join

VERSION = "2026.12.1"
DATA_DIR = Path(__file__).resolve().parents[1] / "data"
DECIMALS = 6


def build_accelerators() -> pd.DataFrame:
    rows = []
    catalog = {**hardware.ACCELERATORS, **azure_facts.ACCELERATORS, **gcp_facts.ACCELERATORS}
    for model, (kind, max_w, idle_w, embodied, src) in catalog.items():
        sources = [src]
        if idle_w is None:
            idle_w = max_w * hardware.IDLE_RATIO
            sources.append(hardware.IDLE_RATIO_SOURCE)
        if embodied is None:
            embodied = hardware.GPU_EMBODIED_KG
            sources.append(hardware.GPU_EMBODIED_SOURCE)
        low, high = hardware.MAX_W_RANGES.get(model, (max_w, max_w))
        rows.append((model, kind, idle_w, max_w, low, high, embodied, join(*sources), join(FACT, APACHE)))
    columns = ["model", "kind", "idle_w", "max_w", "max_w_low", "max_w_high", "embodied_kgco2e", "source", "licence"]
    return pd.DataFrame(rows, columns=columns).sort_values("model").reset_index(drop=True)


def build_workloads() -> pd.DataFrame:
    rows = [(name, u, low, high, src, workloads.LICENCE) for name, (u, low, high, src) in workloads.WORKLOADS.items()]
    return pd.DataFrame(rows, columns=["workload", "gpu_u", "gpu_u_low", "gpu_u_high", "source", "licence"])


def build_constants() -> pd.DataFrame:
    rows = [(k, v, unit, src, lic) for k, (v, unit, src, lic) in CONSTANTS.items()]
    rows += azure.build_constants() + gcp.build_constants()
    df = pd.DataFrame(rows, columns=["key", "value", "unit", "source", "licence"])
    return df.sort_values("key").reset_index(drop=True)


def build_providers() -> pd.DataFrame:
    rows = [(provider, display, ";".join(aliases), cloud, pue_mean, providers.SOURCE, providers.LICENCE)
            for provider, (display, aliases, cloud, pue_mean) in providers.PROVIDERS.items()]
    columns = ["provider", "display_name", "focus_aliases", "cloud", "cloud_pue_mean", "source", "licence"]
    return pd.DataFrame(rows, columns=columns).sort_values("provider").reset_index(drop=True)


def write(df: pd.DataFrame, name: str) -> None:
    df = df.copy()
    for col in df.select_dtypes("float").columns:
        df[col] = df[col].round(DECIMALS)
    if "burstable_baseline" in df:
        df["burstable_baseline"] = df["burstable_baseline"].astype("Float64")
    path = DATA_DIR / f"{name}.csv"
    df.to_csv(path, index=False, lineterminator="\n")
    print(f"{path.name}: {len(df)} rows")


def combine(frames: list[pd.DataFrame], keys: list[str]) -> pd.DataFrame:
    """Rows of every provider, sorted by `keys` (stable, so each provider's own order is kept)."""
    df = pd.concat(frames, ignore_index=True)
    return df.sort_values(keys, kind="stable").reset_index(drop=True)


def coverage_gcp_azure(ref: Path, gcp_instances: pd.DataFrame, azure_instances: pd.DataFrame) -> None:
    price_list = pd.read_csv(ref / "coefficients/prices/cyclenerd_gcp_compute-instance-prices_2026-07-30.csv")
    names = {n for n in price_list.machine_type if not n.startswith("custom-")}
    ccf = set(pd.read_csv(ref / "coefficients/catalogs/gcp/ccf_gcp-instances-latest-2026.csv")["Instance Type"])
    have = set(gcp_instances.instance_type)
    print(f"GCP price-list types covered: {len(names & have)}/{len(names)}; CCF: {len(ccf & have)}/{len(ccf)}")
    unknown = sorted(azure_instances.loc[azure_instances.microarchitecture == "Unknown", "instance_type"])
    print(f"Azure sizes: {len(azure_instances)}; GPU sizes: {int((azure_instances.gpu_count > 0).sum())}; "
          f"Unknown microarchitecture: {unknown}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=Path("/work/shared/reference"))
    ref = parser.parse_args(argv).reference
    DATA_DIR.mkdir(exist_ok=True)
    aws_instances = aws.build_instances(ref)
    gcp_instances = gcp.build_instances(ref)
    azure_instances = azure.build_instances(ref)
    write(combine([aws_instances, azure_instances, gcp_instances], ["provider", "instance_type"]), "instances")
    write(
        combine(
            [aws.build_cpu_power(ref), azure.build_cpu_power(ref, azure_instances),
             gcp.build_cpu_power(ref, gcp_instances), onprem.build_cpu_power(ref)],
            ["provider", "microarchitecture"],
        ),
        "cpu_power",
    )
    write(build_accelerators(), "accelerators")
    write(build_workloads(), "workloads")
    write(build_constants(), "constants")
    write(combine([aws.build_pue(ref), azure.build_pue(ref), gcp.build_pue(ref), onprem.build_pue()],
                  ["provider", "region", "year"]), "pue")
    grid = combine([aws.build_grid(ref), azure.build_grid(ref), gcp.build_grid(ref), onprem.build_grid(ref)],
                   ["provider", "region", "year"])
    write(grid[GRID_COLUMNS], "grid")
    write(combine([aws.build_regions(ref), azure.build_regions(ref), gcp.build_regions(ref)],
                  ["provider", "region"]), "regions")
    write(combine([azure.build_aliases(ref), gcp.build_aliases()], ["provider", "alias"]), "region_aliases")
    write(onprem.build_cpu_models(ref), "cpu_models")
    write(onprem.build_zones(ref), "zones")
    write(grid_hourly.build_grid_hourly(ref), "grid_hourly")
    write(build_providers(), "providers")
    write(services.build_service_categories(ref), "service_categories")
    # The planning tables are written as built (prices.build rounds its own figures).
    write(water.build(ref, pd.read_csv(DATA_DIR / "regions.csv"), pd.read_csv(DATA_DIR / "grid.csv"),
                      pd.read_csv(DATA_DIR / "zones.csv")), "water")
    planning = prices.build(ref)
    regions = pd.read_csv(DATA_DIR / "regions.csv")
    planning["prices"] = nearest_prices.fill(planning["prices"], regions).sort_values(
        ["provider", "region", "instance_type"])
    planning |= storage_prices.build(ref, planning["prices"], regions)
    for name, frame in planning.items():
        frame.to_csv(DATA_DIR / f"{name}.csv", index=False, lineterminator="\n")
        print(f"{name}.csv: {len(frame)} rows")
    (DATA_DIR / "VERSION").write_text(VERSION + "\n")
    aws.coverage(ref, aws_instances)
    coverage_gcp_azure(ref, gcp_instances, azure_instances)


if __name__ == "__main__":
    main()
