"""Microsoft Azure rows of the coefficient tables (called by rebuild/__main__.py; see SOURCES.md)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from ..facts import azure as az
from ..facts import hardware
from ..facts.licences import APACHE, FACT, ODBL
from .common import (
    CCF,
    CCF_MICROARCH,
    INSTANCE_COLUMNS,
    SRC_EMBODIED_MODEL,
    host_embodied,
    instance_row,
    join,
    microarchitecture,
    provider_cpu_power,
)

SRC_GSF_IF = "Green-Software-Foundation/if-plugins@36b9e2aa2da5 azure-instances.csv (MIT)"
SRC_CCF_CATALOG = f"CCF azure-instances.csv ({CCF})"
SRC_CCF_EMBODIED = (
    f"CCF coefficients-azure-embodied.csv, mean over microarchitectures, total - additional_gpus ({CCF})"
)
SRC_FINOPS = "microsoft/finops-toolkit@04d370f322f6 src/open-data/Regions.csv (MIT)"
SRC_CAS = "Green-Software-Foundation/carbon-aware-sdk@e6de58da895e azure-regions.json (MIT, lat/long)"
SRC_GSF_PUE = (
    "Microsoft datacenter fact sheets (region PUE, {year}), as compiled in "
    "Green-Software-Foundation/real-time-cloud@b2858aa2300a Cloud_Region_Metadata.csv"
)
SRC_EM = "Electricity Maps yearly {year}, zone {zone} (via thegreenwebfoundation/co2.js@27cbe8328aea)"
GRID_SIGNAL = "location-based annual average, life-cycle"
MIT = "MIT"


def clean_cpu(text: str) -> str:
    """First (newest) CPU of a comma-separated list, without trademark signs."""
    first = str(text).split(",")[0]
    return re.sub(r"\s+", " ", re.sub(r"[®™]|\(tm\)|\(r\)", "", first, flags=re.IGNORECASE)).strip()


def family_of(size: str) -> str:
    """Series of a size: drop 'Standard_' and the vCPU number (with any constrained-core suffix)."""
    return re.sub(r"\d+(-\d+)?", "", size.removeprefix("Standard_"), count=1)


def load_catalog(ref: Path) -> pd.DataFrame:
    """GSF if-plugins list (MIT) + CCF sizes it lacks + curated newer series."""
    folder = ref / "coefficients/catalogs/azure"
    gsf = pd.read_csv(folder / "gsf-if_azure-instances.csv").drop_duplicates("instance-class")
    gsf["instance-class"] = gsf["instance-class"].replace(az.RENAME).str.replace(r"(_v\d)\d$", r"\1", regex=True)
    rows = {
        r["instance-class"].lower(): {
            "instance_type": r["instance-class"],
            "vcpus": float(r["cpu-cores-utilized"]),
            "memory_gib": float(r["memory-available"]),
            "cpu_model": "" if str(r["cpu-model-name"]).startswith("NO DATA") else clean_cpu(r["cpu-model-name"]),
            "row_source": SRC_GSF_IF,
            "row_licence": MIT,
        }
        for _, r in gsf.iterrows()
        if r["instance-class"] not in az.DROP
    }
    for name, (vcpus, mem) in az.CORRECTIONS.items():
        if name.lower() in rows:
            rows[name.lower()].update(
                vcpus=float(vcpus),
                memory_gib=mem,
                row_source=join(SRC_GSF_IF, az.CORRECTIONS_SOURCE),
                row_licence=join(MIT, FACT),
            )
    ccf = pd.read_csv(folder / "ccf_azure-instances.csv").dropna(subset=["Instance vCPUs"])
    for _, r in ccf.iterrows():
        name = "Standard_" + str(r["Virtual Machine"]).strip().replace(" ", "_")
        rows.setdefault(
            name.lower(),
            {
                "instance_type": name,
                "vcpus": float(r["Instance vCPUs"]),
                "memory_gib": float(r["Instance Memory"]),
                "cpu_model": "",
                "row_source": SRC_CCF_CATALOG,
                "row_licence": APACHE,
                "ccf_arch": str(r["Microarchitecture"]),
            },
        )
    for pattern, sizes, gib, cpu, src in az.SERIES:
        for n in sizes:
            name = pattern.format(n=n)
            rows.setdefault(name.lower(), {"instance_type": name, "vcpus": float(n), "memory_gib": n * gib,
                                   "cpu_model": cpu, "row_source": src, "row_licence": FACT})
    for name, (vcpus, mem, cpu, src) in az.SIZES.items():
        row = rows.setdefault(name.lower(), {"instance_type": name, "vcpus": float(vcpus), "memory_gib": mem,
                                             "cpu_model": cpu, "row_source": src, "row_licence": FACT})
        if not row["cpu_model"]:
            row["cpu_model"], row["row_source"] = cpu, join(row["row_source"], src)
    out = pd.DataFrame(list(rows.values()))
    out["ccf_arch"] = out.get("ccf_arch", pd.Series(dtype=str)).fillna("")
    # Constrained-vCPU sizes (Standard_E16-4s_v3): Azure reserves and bills the full size (16 vCPUs),
    # only the number of active cores is limited, so vcpus = the parent size's vCPUs. The name's
    # number is not always the vCPU count (Standard_DS11_v2 has 2), so look the parent up.
    name = out.instance_type.str.lower()
    parent = name.str.replace(r"^(standard_[a-z]+\d+)-\d+", r"\1", regex=True)
    full = out.instance_type.str.extract(r"^Standard_[A-Za-z]+(\d+)-\d+", expand=False).astype(float)
    constrained = parent != name
    parent_vcpus = parent[constrained].map(pd.Series(out.vcpus.values, index=name))
    out.loc[constrained, "vcpus"] = parent_vcpus.fillna(full[constrained])
    out = out[out.vcpus >= 1].copy()
    out["vcpus"] = out.vcpus.astype(int)
    out["family"] = out.instance_type.map(family_of)
    # Sizes without a CPU name (CCF-only, constrained-core): the series' CPU (most common in the series),
    # else the curated series fact.
    known = out[out.cpu_model != ""].groupby("family").cpu_model.agg(lambda s: s.mode().iloc[0])
    for i in out.index[out.cpu_model == ""]:
        fam = out.at[i, "family"]
        if fam in known.index:
            out.at[i, "cpu_model"] = known[fam]
            out.at[i, "row_source"] = join(out.at[i, "row_source"], f"CPU as the {fam} series ({SRC_GSF_IF})")
        elif fam in az.FAMILY_CPU:
            out.at[i, "cpu_model"], src = az.FAMILY_CPU[fam]
            out.at[i, "row_source"] = join(out.at[i, "row_source"], src)
    return out


def arch_for(ref: Path, cpu: str, ccf_arch: str) -> tuple[str, str]:
    # Our Azure rules first: the CCF family lists put 8370C (Ice Lake) under Cascade Lake too.
    low = cpu.lower()
    for needle, rule_arch in az.CPU_RULES:
        if cpu and needle in low:
            return rule_arch, az.CPU_RULES_SOURCE
    if cpu:
        arch, src = microarchitecture(ref, cpu)
        if arch != "Unknown":
            return arch, src
    if ccf_arch and ccf_arch != "Unknown":
        return CCF_MICROARCH.get(ccf_arch, ccf_arch), SRC_CCF_CATALOG
    return "Unknown", ""


def baseline_for(size: str) -> float | None:
    if size in az.B_V1_BASELINES:
        return az.B_V1_BASELINES[size]
    m = re.fullmatch(r"Standard_B\d+[ap]?(ts|ls|s)_v2", size)
    return az.B_V2_BASELINES[m.group(1)] if m else None


def build_instances(ref: Path) -> pd.DataFrame:
    cat = load_catalog(ref)
    fam_max = cat.groupby("family").vcpus.max()
    platform = cat.sort_values(["vcpus", "memory_gib"]).groupby("family").tail(1).set_index("family")
    emb = pd.read_csv(ref / "coefficients/embodied/ccf_coefficients-azure-embodied.csv")
    emb["name"] = "Standard_" + emb.type.astype(str).str.strip().str.replace(" ", "_")
    published = (emb.total - emb.additional_gpus).groupby(emb.name).mean()
    per_socket = {**hardware.VCPUS_PER_SOCKET, **az.VCPUS_PER_SOCKET}

    rows = []
    for r in cat.itertuples(index=False):
        arch, arch_src = arch_for(ref, r.cpu_model, r.ccf_arch)
        host_family = az.HOST_FAMILY.get(r.family, r.family)
        host_family = host_family if host_family in fam_max.index else r.family
        host_vcpus = int(max(fam_max[host_family], r.vcpus))
        gpu_model, gpu_count = az.GPUS.get(r.instance_type, ("", 0))
        kind = ("fpga" if gpu_model in az.FPGA_MODELS else "gpu") if gpu_model else ""
        baseline = baseline_for(r.instance_type)
        if r.instance_type in published.index:
            embodied, method, esrc = float(published[r.instance_type]), "ccf-published", SRC_CCF_EMBODIED
        else:
            mem = float(platform.loc[host_family].memory_gib)
            embodied = host_embodied(mem, host_vcpus, per_socket.get(arch, per_socket["Unknown"]), 0)
            method, esrc = "ccf-model-computed", SRC_EMBODIED_MODEL
        rows.append(instance_row(
            "azure", r, cpu_model=r.cpu_model, microarchitecture=arch, host_vcpus=host_vcpus, gpu_model=gpu_model,
            gpu_count=gpu_count, accelerator_kind=kind, burstable_baseline=baseline, host_embodied_kgco2e=embodied,
            embodied_method=method, licence=join(r.row_licence, FACT),
            source=join(r.row_source, arch_src, az.GPU_SOURCE if gpu_model else "",
                        az.BURSTABLE_SOURCE if baseline is not None else "", esrc)))
    return pd.DataFrame(rows, columns=INSTANCE_COLUMNS)


def build_cpu_power(ref: Path, instances: pd.DataFrame) -> pd.DataFrame:
    return provider_cpu_power(ref, "azure", set(instances.microarchitecture))


# ------------------------------------------------------------------------------------------------
# grid, pue, regions, aliases
# ------------------------------------------------------------------------------------------------
def build_grid(ref: Path) -> pd.DataFrame:
    rows = []
    for year in range(2021, 2026):
        zones = json.loads((ref / f"coefficients/grid/co2js_electricitymaps_yearly_{year}.json").read_text())
        for region, (*_, zone) in az.REGIONS.items():
            value = zones.get(zone, {}).get("carbonIntensity", {}).get("value")
            if value is not None:
                rows.append(("azure", region, year, float(value), None, GRID_SIGNAL, zone,
                             SRC_EM.format(year=year, zone=zone), ODBL))
    return pd.DataFrame(rows, columns=["provider", "region", "year", "gco2e_per_kwh", "cfe_pct", "signal", "zone",
                                       "source", "licence"])


def build_pue(ref: Path) -> pd.DataFrame:
    gsf = pd.read_csv(ref / "coefficients/grid/gsf-real-time-cloud_Cloud_Region_Metadata.csv")
    a = gsf[(gsf["cloud-provider"] == "Microsoft Azure") & gsf["power-usage-effectiveness"].notna()]
    # northeurope is listed twice (Finland, Ireland); only the Ireland campus has a PUE.
    a = a.drop_duplicates(["cloud-region", "year"])
    rows = [
        ("azure", r["cloud-region"], int(r["year"]), float(r["power-usage-effectiveness"]),
         SRC_GSF_PUE.format(year=int(r["year"])), FACT)
        for _, r in a.iterrows()
        if r["cloud-region"] in az.REGIONS
    ]
    rows += [("azure", "*", y, v, az.FLEET_PUE_SOURCE, FACT) for y, v in az.FLEET_PUE.items()]
    return pd.DataFrame(rows, columns=["provider", "region", "year", "pue", "source", "licence"])


def build_regions(ref: Path) -> pd.DataFrame:
    located = json.loads((ref / "coefficients/regions/carbon-aware-sdk_azure-regions.json").read_text("latin-1"))
    names = pd.read_csv(ref / "samples/azure-cost/reference/finops-toolkit_Regions.csv").drop_duplicates("RegionId")
    names = names.set_index("RegionId").RegionName
    rows = []
    for region, (country, sub, lat, lon, _zone) in az.REGIONS.items():
        info = located.get(region, {})
        rows.append(
            (
                "azure", region, names.get(region, region), country, sub,
                lat if lat is not None else float(info["Latitude"]),
                lon if lon is not None else float(info["Longitude"]),
                "", join(az.REGIONS_SOURCE, SRC_FINOPS, SRC_CAS if lat is None else ""),
                join(FACT, MIT),
            )
        )
    return pd.DataFrame(rows, columns=["provider", "region", "name", "country", "subdivision", "latitude", "longitude",
                                       "billing_prefix", "source", "licence"])


def build_aliases(ref: Path) -> pd.DataFrame:
    """Every spelling in the FinOps toolkit's Regions.csv (and our ids and display names), lower-cased."""
    ft = pd.read_csv(ref / "samples/azure-cost/reference/finops-toolkit_Regions.csv")
    ft = ft[ft.RegionId.isin(az.REGIONS)]
    pairs = {(str(o).strip().lower(), rid) for o, rid in zip(ft.OriginalValue, ft.RegionId, strict=True)}
    pairs |= {(str(n).strip().lower(), rid) for n, rid in zip(ft.RegionName, ft.RegionId, strict=True)}
    pairs |= {(rid, rid) for rid in az.REGIONS}
    return pd.DataFrame(
        [("azure", alias, rid, SRC_FINOPS, MIT) for alias, rid in sorted(pairs)],
        columns=["provider", "alias", "region", "source", "licence"],
    )


def build_constants() -> list[tuple[str, float, str, str, str]]:
    return [(f"replication_azure_{cls}", v, "copies", src, APACHE) for cls, (v, src) in az.REPLICATION.items()]
