"""Google Cloud rows of the coefficient tables (called by rebuild/__main__.py; see SOURCES.md)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pandas as pd

from ..facts import gcp, hardware
from ..facts.licences import APACHE, FACT, ODBL
from .common import (
    CCF,
    INSTANCE_COLUMNS,
    SRC_EMBODIED_MODEL,
    host_embodied,
    instance_row,
    join,
    microarchitecture,
    provider_cpu_power,
)

SRC_CCF_CATALOG = f"CCF gcp-instances-latest-2026.csv ({CCF})"
SRC_CYCLENERD = "Cyclenerd/google-cloud-pricing-cost-calculator@fd66b26ff84f pricing.yml (machine type specs)"
SRC_CCF_EMBODIED = f"CCF coefficients-gcp-embodied.csv, mean over microarchitectures, total - additional_gpus ({CCF})"
SRC_RCI = "Google Cloud region-carbon-info {year} (GoogleCloudPlatform/region-carbon-info@49f3f26bfd68)"
SRC_PICKER = "GoogleCloudPlatform/region-picker@565d8fa976d0 regions.json (name, lat/long)"
SRC_GSF_PUE = (
    "Google data centers efficiency (campus trailing twelve-month PUE, {year}), as compiled in "
    "Green-Software-Foundation/real-time-cloud@b2858aa2300a Cloud_Region_Metadata.csv"
)
SSD_TB_PER_DRIVE = 3.0


def family_of(machine_type: str) -> str:
    """Machine series = the token before the first '-' (n2 and n2d stay distinct)."""
    return machine_type.split("-", 1)[0]


def load_catalog(ref: Path) -> pd.DataFrame:
    """Cyclenerd specs (vCPUs, memory, local SSD, GPU count) + CCF 2026 types it lacks + curated extras."""
    prices = pd.read_csv(ref / "coefficients/prices/cyclenerd_gcp_compute-instance-prices_2026-07-30.csv")
    cy = prices.drop_duplicates("machine_type")
    cy = cy[~cy.machine_type.str.startswith("custom-")]
    rows = {
        r.machine_type: {
            "instance_type": r.machine_type,
            "vcpus": float(r.vcpu),
            "memory_gib": float(r.memory_gib),
            "local_ssd_gb": float(r.local_ssd_gb) if pd.notna(r.local_ssd_gb) else 0.0,
            "price_gpus": float(r.accelerator_count) if pd.notna(r.accelerator_count) else None,
            "ccf_cpu": "",
            "row_source": SRC_CYCLENERD,
            "row_licence": APACHE,
        }
        for r in cy.itertuples()
    }
    ccf = pd.read_csv(ref / "coefficients/catalogs/gcp/ccf_gcp-instances-latest-2026.csv")
    for r in ccf.itertuples():
        name = r._1
        if name in rows:
            rows[name]["ccf_cpu"] = str(r._9)
            rows[name]["row_source"] = join(SRC_CYCLENERD, SRC_CCF_CATALOG)
            continue
        rows[name] = {
            "instance_type": name,
            "vcpus": float(r._2),
            "memory_gib": float(r._3),
            "local_ssd_gb": 0.0,
            "price_gpus": None,
            "ccf_cpu": str(r._9),
            "row_source": SRC_CCF_CATALOG,
            "row_licence": APACHE,
        }
    for name, (vcpus, mem, src) in gcp.EXTRA_TYPES.items():
        rows.setdefault(
            name,
            {
                "instance_type": name,
                "vcpus": float(vcpus),
                "memory_gib": mem,
                "local_ssd_gb": 0.0,
                "price_gpus": None,
                "ccf_cpu": "",
                "row_source": src,
                "row_licence": FACT,
            },
        )
    out = pd.DataFrame(list(rows.values()))
    out["family"] = out.instance_type.map(family_of)
    return out


def cpu_for(ref: Path, machine_type: str, family: str, vcpus: int) -> tuple[str, str, str]:
    """(CPU name, microarchitecture, source): type override, size override, family fact."""
    for prefix, fact in gcp.TYPE_CPU.items():
        if machine_type.startswith(prefix + "-"):
            return fact
    for fam, sizes, fact in gcp.SIZE_CPU:
        if fam == family and vcpus in sizes:
            return fact
    if family not in gcp.FAMILY_CPU:
        raise ValueError(f"{machine_type}: processor unknown; add family {family!r} to facts/gcp.py")
    cpu, arch, src = gcp.FAMILY_CPU[family]
    if arch == "Unknown" and cpu:
        arch, _ = microarchitecture(ref, cpu)
    return cpu, arch, src


def accelerators_for(r: pd.Series) -> tuple[str, int, str, str]:
    """(gpu_model, gpu_count, accelerator_kind, source) from curated facts and the price list."""
    if r.instance_type in gcp.FRACTIONAL:
        model, src = gcp.FRACTIONAL[r.instance_type]
        return model, 1, "gpu", src
    for prefix, (model, src) in gcp.TYPE_GPU.items():
        if r.instance_type.startswith(prefix + "-"):
            m = re.search(r"-(\d+)g$", r.instance_type)
            count = int(m.group(1)) if m else int(r.price_gpus or 0)
            if count <= 0:
                raise ValueError(f"{r.instance_type}: GPU count unknown; add it to facts/gcp.py")
            return model, count, "gpu", join(src, SRC_CYCLENERD if not m else "")
    return "", 0, "", ""


def build_instances(ref: Path) -> pd.DataFrame:
    cat = load_catalog(ref)
    for name, (vcpus, _, _) in gcp.SHARED_CORE.items():
        cat.loc[cat.instance_type == name, "vcpus"] = float(vcpus)
    cat["vcpus"] = cat.vcpus.astype(int)
    cat["host_family"] = cat.family.map(lambda f: gcp.HOST_FAMILY.get(f, f))
    fam_max = cat.groupby("family").vcpus.max()
    platform = cat.sort_values(["vcpus", "memory_gib"]).groupby("family").tail(1).set_index("family")
    emb = pd.read_csv(ref / "coefficients/embodied/ccf_coefficients-gcp-embodied.csv")
    published = (emb.total - emb.additional_gpus).groupby(emb.type).mean()
    per_socket = {**hardware.VCPUS_PER_SOCKET, **gcp.VCPUS_PER_SOCKET}

    rows = []
    for r in cat.itertuples(index=False):
        cpu, arch, cpu_src = cpu_for(ref, r.instance_type, r.family, r.vcpus)
        is_metal = r.instance_type.endswith("-metal")
        host_vcpus = int(r.vcpus if is_metal else fam_max[r.host_family])
        gpu_model, gpu_count, kind, gsrc = accelerators_for(r)
        baseline, bsrc = None, ""
        if r.instance_type in gcp.SHARED_CORE:
            _, baseline, bsrc = gcp.SHARED_CORE[r.instance_type]
        if r.instance_type in published.index:
            embodied, method, esrc = float(published[r.instance_type]), "ccf-published", SRC_CCF_EMBODIED
        else:
            host = platform.loc[r.host_family]
            mem = float(r.memory_gib) if is_metal else float(host.memory_gib)
            ssd_tb = (r.local_ssd_gb if is_metal else host.local_ssd_gb) / 1000
            ssd = math.ceil(ssd_tb / SSD_TB_PER_DRIVE)
            embodied = host_embodied(mem, host_vcpus, per_socket.get(arch, per_socket["Unknown"]), ssd)
            method = "ccf-model-computed"
            esrc = join(SRC_EMBODIED_MODEL, "local SSD: 1 drive per 3 TB (cloudcarbon approximation)" if ssd else "")
        rows.append(instance_row(
            "gcp", r, cpu_model=cpu or r.ccf_cpu, microarchitecture=arch, host_vcpus=host_vcpus, gpu_model=gpu_model,
            gpu_count=gpu_count, accelerator_kind=kind, burstable_baseline=baseline, host_embodied_kgco2e=embodied,
            embodied_method=method, source=join(r.row_source, cpu_src, gsrc, bsrc, esrc),
            licence=join(r.row_licence, FACT)))
    rows += tpu_rows(per_socket["Unknown"])
    return pd.DataFrame(rows, columns=INSTANCE_COLUMNS)


def tpu_rows(vcpus_per_socket: int) -> list[dict]:
    """One row per TPU version: one chip with its share of the host VM."""
    rows = []
    for name, (model, host_vcpus, host_mem, chips, src) in gcp.TPUS.items():
        rows.append(
            {
                "provider": "gcp",
                "instance_type": name,
                "family": "tpu",
                "vcpus": host_vcpus // chips,
                "memory_gib": host_mem / chips,
                "cpu_model": "",
                "microarchitecture": "Unknown",
                "host_vcpus": host_vcpus,
                "gpu_model": model,
                "gpu_count": 1,
                "accelerator_kind": "tpu",
                "burstable_baseline": None,
                "host_embodied_kgco2e": host_embodied(host_mem, host_vcpus, vcpus_per_socket, 0),
                "embodied_method": "ccf-model-computed",
                "source": join(
                    src, "one row = one TPU chip with 1/chips of its host VM (cloudcarbon convention)",
                    SRC_EMBODIED_MODEL,
                ),
                "licence": FACT,
            }
        )
    return rows


def build_cpu_power(ref: Path, instances: pd.DataFrame) -> pd.DataFrame:
    return provider_cpu_power(ref, "gcp", set(instances.microarchitecture))


# ------------------------------------------------------------------------------------------------
# grid, pue, regions
# ------------------------------------------------------------------------------------------------
def read_region_carbon_info(ref: Path) -> pd.DataFrame:
    """Google's yearly files as (region, year, value, cfe_pct, signal, source)."""
    frames = []
    for path in sorted((ref / "coefficients/grid").glob("gcp_region-carbon-info_*.csv")):
        year = int(path.stem.rsplit("_", 1)[1])
        df = pd.read_csv(path)
        value_col = next(c for c in df.columns if "carbon intensity" in c.lower())
        # The 2019-2020 files give life-cycle intensity; later files the operational (direct) intensity.
        kind = "life-cycle" if value_col.lower().startswith("lifecycle") else "operational (direct emissions)"
        frames.append(
            pd.DataFrame(
                {
                    "region": df["Google Cloud Region"],
                    "year": year,
                    "gco2e_per_kwh": df[value_col].astype(float),
                    "cfe_pct": df["Google CFE"].astype(float) * 100,
                    "signal": f"Google location-based grid intensity, annual average, {kind}",
                    "source": SRC_RCI.format(year=year),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def build_grid(ref: Path) -> pd.DataFrame:
    rci = read_region_carbon_info(ref)
    rci["zone"] = ""
    rci["licence"] = APACHE
    rows = [rci]
    # Regions Google does not (yet) report: Electricity Maps yearly via our zone mapping.
    missing = sorted(set(gcp.REGIONS) - set(rci.region))
    em = []
    for year in range(2021, 2026):
        zones = json.loads((ref / f"coefficients/grid/co2js_electricitymaps_yearly_{year}.json").read_text())
        for region in missing:
            zone = gcp.REGIONS[region][4]
            value = zones.get(zone, {}).get("carbonIntensity", {}).get("value")
            if value is not None:
                em.append(
                    (region, year, float(value), None, "location-based annual average, life-cycle (Electricity Maps; "
                     "no Google figure for this region)", zone,
                     f"Electricity Maps yearly {year}, zone {zone} (via thegreenwebfoundation/co2.js@27cbe8328aea)",
                     ODBL)
                )
    rows.append(pd.DataFrame(em, columns=["region", "year", "gco2e_per_kwh", "cfe_pct", "signal", "zone", "source",
                                          "licence"]))
    single = pd.concat(rows, ignore_index=True)
    # Multi/dual-region locations: MEAN of the member regions with a value that year (never the sum).
    multi = []
    for loc, (_, _, members) in gcp.MULTI_REGIONS.items():
        # Google's figures only, so one mean never mixes Google's and Electricity Maps' methods (nor
        # yields a 2025 "asia" row from the one member Electricity Maps covers).
        sub = rci[rci.region.isin(members)]
        if sub.empty:
            sub = single[single.region.isin(members)]
        for year, g in sub.groupby("year"):
            multi.append(
                (loc, int(year), float(g.gco2e_per_kwh.mean()), float(g.cfe_pct.mean()) if g.cfe_pct.notna().any()
                 else None,
                 f"mean of member regions ({len(g)}: {', '.join(sorted(g.region))}); "
                 + "; ".join(sorted(set(g.signal))), "",
                 join(*sorted(set(g.source)), gcp.MULTI_REGIONS_SOURCE), join(*sorted(set(g.licence)), FACT))
            )
    multi_df = pd.DataFrame(multi, columns=["region", "year", "gco2e_per_kwh", "cfe_pct", "signal", "zone", "source",
                                            "licence"])
    out = pd.concat([single, multi_df], ignore_index=True)
    out["provider"] = "gcp"
    return out


def build_pue(ref: Path) -> pd.DataFrame:
    gsf = pd.read_csv(ref / "coefficients/grid/gsf-real-time-cloud_Cloud_Region_Metadata.csv")
    g = gsf[(gsf["cloud-provider"] == "Google Cloud") & gsf["power-usage-effectiveness"].notna()]
    rows = [
        ("gcp", r["cloud-region"], int(r["year"]), float(r["power-usage-effectiveness"]),
         SRC_GSF_PUE.format(year=int(r["year"])), FACT)
        for _, r in g.iterrows()
    ]
    rows += [("gcp", "*", y, v, gcp.GOOGLE_PUE_SOURCE.format(year=y), FACT) for y, v in gcp.FLEET_PUE.items()]
    return pd.DataFrame(rows, columns=["provider", "region", "year", "pue", "source", "licence"])


def build_regions(ref: Path) -> pd.DataFrame:
    picker = json.loads((ref / "coefficients/regions/gcp-region-picker_regions.json").read_text())
    rows = []
    for region, (country, sub, lat, lon, _zone) in gcp.REGIONS.items():
        info = picker.get(region, {})
        srcs = [gcp.REGIONS_SOURCE]
        if info:
            srcs.append(SRC_PICKER)
        rows.append(
            (
                "gcp", region, info.get("name", gcp.REGION_NAMES.get(region, region)), country, sub,
                lat if lat is not None else info.get("latitude"), lon if lon is not None else info.get("longitude"),
                "", join(*srcs), join(FACT, APACHE if info else ""),
            )
        )
    located = {r[1]: r for r in rows}
    for loc, (country, name, members) in gcp.MULTI_REGIONS.items():
        lats = [located[m][5] for m in members if located[m][5] is not None]
        lons = [located[m][6] for m in members if located[m][6] is not None]
        rows.append(
            ("gcp", loc, name, country, "", sum(lats) / len(lats), sum(lons) / len(lons), "",
             join(gcp.MULTI_REGIONS_SOURCE, "location = mean of member regions"), FACT)
        )
    return pd.DataFrame(rows, columns=["provider", "region", "name", "country", "subdivision", "latitude", "longitude",
                                       "billing_prefix", "source", "licence"])


def build_aliases() -> pd.DataFrame:
    """Every GCP location id (regions, multi/dual-regions), lower-cased, to itself."""
    ids = list(gcp.REGIONS) + list(gcp.MULTI_REGIONS)
    return pd.DataFrame(
        [("gcp", i.lower(), i, "Google Cloud documentation (location ids; exports spell multi-regions "
          "upper-case, e.g. US, EU)", FACT) for i in ids],
        columns=["provider", "alias", "region", "source", "licence"],
    )


def build_constants() -> list[tuple[str, float, str, str, str]]:
    return [(f"replication_gcp_{cls}", v, "copies", src, APACHE) for cls, (v, src) in gcp.REPLICATION.items()]
