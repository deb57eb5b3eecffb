"""AWS rows of the coefficient tables (called by rebuild/__main__.py; see SOURCES.md): the CCF catalog and
coefficients, botocore and karpenter names, combined with the hand-entered facts in facts/aws.py.
"""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path

import pandas as pd

from ..facts import aws as cur
from ..facts import hardware
from ..facts.licences import APACHE, FACT, ODBL
from .common import (
    CCF,
    CCF_MICROARCH,
    CPU_POWER_COLUMNS,
    FAMILY_FILES,
    GRID_COLUMNS,
    INSTANCE_COLUMNS,
    SRC_EMBODIED_MODEL,
    SRC_SPECPOWER,
    embodied_model,
    instance_row,
    join,
    microarchitecture,
    specpower_by_microarch,
)

SRC_CATALOG = f"CCF aws-instances-latest-2026.csv ({CCF})"
SRC_EMBODIED = f"CCF coefficients-aws-embodied.csv, host = total - additional_gpus ({CCF})"
SRC_USE = f"CCF coefficients-aws-use.csv, SPECpower 2026-03-09 ({CCF})"
SRC_BOTOCORE = "botocore 1.43.11 (EC2 InstanceType enum, endpoints.json)"
SRC_KARPENTER = "aws/karpenter-provider-aws@1d927085dd81 price list (instance type names)"
SRC_GSF = "as compiled in Green-Software-Foundation/real-time-cloud@b2858aa2300a Cloud_Region_Metadata.csv"
SRC_EM = "Electricity Maps yearly {year}, zone {zone} (via thegreenwebfoundation/co2.js@27cbe8328aea)"
GRID_SIGNAL = "location-based annual average, life-cycle"

# ------------------------------------------------------------------------------------------------
# instances.csv
# ------------------------------------------------------------------------------------------------
def size_vcpus(size: str) -> int:
    """vCPUs implied by an EC2 size name (medium=1, large=2, xlarge=4, 12xlarge=48, metal-48xl=192)."""
    m = re.fullmatch(r"(?:metal-)?(\d*)x(?:large|l)", size)
    if m:
        return 4 * int(m.group(1) or 1)
    return {"nano": 1, "micro": 1, "small": 1, "medium": 1, "large": 2}[size]


def load_catalog(ref: Path) -> pd.DataFrame:
    """CCF 2026 catalog + legacy types + karpenter-only types derived from sibling families."""
    ccf = pd.read_csv(ref / "coefficients/catalogs/aws/ccf_aws-instances-latest-2026.csv")
    ccf = ccf.rename(
        columns={
            "Instance Type": "instance_type",
            "vCPUs": "vcpus",
            "Memory (GiB)": "memory_gib",
            "Platform CPU Name": "cpu_model",
        }
    )
    ccf["cpu_model"] = ccf["cpu_model"].fillna("").str.replace("\u2011", "-")
    ccf["row_source"] = SRC_CATALOG
    ccf["row_licence"] = APACHE
    ccf = ccf[["instance_type", "vcpus", "memory_gib", "cpu_model", "row_source", "row_licence"]]

    extra = [
        {
            "instance_type": t,
            "vcpus": v,
            "memory_gib": m,
            "cpu_model": c,
            "row_source": join(s, SRC_BOTOCORE),
            "row_licence": FACT,
        }
        for t, (v, m, c, s) in cur.LEGACY_INSTANCES.items()
        if t not in set(ccf.instance_type)
    ]
    known = set(ccf.instance_type) | {e["instance_type"] for e in extra}
    by_type = ccf.set_index("instance_type")
    prices = pd.read_csv(ref / "coefficients/prices/karpenter_aws_ondemand-linux-prices.csv")
    for name in sorted(set(prices.instance_type) - known):
        family, size = name.split(".", 1)
        if family not in cur.SIBLING_FAMILIES:
            print(f"warning: no specs for {name} (add it to facts/aws.py)", file=sys.stderr)
            continue
        sibling, cpu_override, src = cur.SIBLING_FAMILIES[family]
        sib = by_type.loc[by_type.index.str.startswith(sibling + ".")]
        same = f"{sibling}.{size}"
        if same in by_type.index:
            vcpus, mem, cpu = by_type.loc[same, ["vcpus", "memory_gib", "cpu_model"]]
        else:  # size absent in the sibling: scale by the sibling's memory per vCPU
            vcpus = size_vcpus(size)
            mem = vcpus * float((sib.memory_gib / sib.vcpus).median())
            cpu = sib.cpu_model.iloc[0]
        extra.append(
            {
                "instance_type": name,
                "vcpus": int(vcpus),
                "memory_gib": float(mem),
                "cpu_model": cpu_override or cpu,
                "row_source": join(src, f"specs as {sibling}", SRC_KARPENTER),
                "row_licence": join(FACT, APACHE),
            }
        )
    out = pd.concat([ccf, pd.DataFrame(extra)], ignore_index=True)
    out["family"] = out.instance_type.str.split(".").str[0]
    out["size"] = out.instance_type.str.split(".", n=1).str[1]
    return out


def accelerators_for(instance_type: str, family: str, size: str) -> tuple[str, int, str, str]:
    """(gpu_model, gpu_count, accelerator_kind, source) from curated facts."""
    if instance_type in cur.FRACTIONAL_GPUS:
        model, src = cur.FRACTIONAL_GPUS[instance_type]
        return model, 1, "gpu", src
    if family not in cur.FAMILY_ACCELERATORS:
        return "", 0, "", ""
    model, kind, counts, src = cur.FAMILY_ACCELERATORS[family]
    if size not in counts:
        raise ValueError(f"{instance_type}: accelerator count unknown; add the size to facts/aws.py")
    return model, counts[size], kind, src


def local_drives(family: str, host_vcpus: int) -> tuple[int, int]:
    """(SSD count, HDD count) on the whole host, for the embodied model."""
    if family in cur.LOCAL_DRIVES:
        n, kind = cur.LOCAL_DRIVES[family]
        return (n, 0) if kind == "ssd" else (0, n)
    m = re.fullmatch(r"([a-z]+)(\d+)([a-z-]*)", family)
    if not m:
        return 0, 0
    prefix, _, suffix = m.groups()
    if prefix in ("i", "im", "is"):  # storage optimised: many NVMe drives
        return min(8, max(2, math.ceil(host_vcpus / 16))), 0
    if prefix in ("d", "h"):  # dense HDD storage
        return 0, 24
    if "d" in suffix:  # "d" variants: local NVMe, roughly one drive per 32 vCPUs
        return min(8, max(1, math.ceil(host_vcpus / 32))), 0
    return 0, 0


def build_instances(ref: Path) -> pd.DataFrame:
    cat = load_catalog(ref)
    for fam, (cpu, _src) in cur.FAMILY_CPU_MODEL.items():
        cat.loc[cat.family == fam, "cpu_model"] = cpu
    published = pd.read_csv(ref / "coefficients/embodied/ccf_coefficients-aws-embodied.csv").set_index("type")
    fam_max = cat.groupby("family").vcpus.max()
    # The platform of a family = its largest size (most vCPUs, then most memory).
    platform = cat.sort_values(["vcpus", "memory_gib"]).groupby("family").tail(1).set_index("family")

    rows = []
    for r in cat.itertuples(index=False):
        sources, licences = [r.row_source], [r.row_licence]
        if r.family in cur.FAMILY_CPU_MODEL:
            sources.append(cur.FAMILY_CPU_MODEL[r.family][1])
        arch, src = microarchitecture(ref, r.cpu_model)
        if arch == "Unknown" and r.family in cur.FAMILY_MICROARCH:
            arch, src = cur.FAMILY_MICROARCH[r.family]
        sources.append(src)

        is_metal = r.size.startswith("metal")
        host_family = cur.HOST_FAMILY.get(r.family, r.family)
        host_vcpus = int(r.vcpus if is_metal else fam_max.get(host_family, fam_max[r.family]))

        gpu_model, gpu_count, kind, gsrc = accelerators_for(r.instance_type, r.family, r.size)
        sources.append(gsrc)
        baseline = cur.BURSTABLE_BASELINES.get(r.family, {}).get(r.size)
        if baseline is not None:
            sources.append(cur.BURSTABLE_SOURCE)

        if r.instance_type in published.index:
            p = published.loc[r.instance_type]
            embodied, method = float(p.total - p.additional_gpus), "ccf-published"
            sources.append(SRC_EMBODIED)
        else:
            host_platform = platform.loc[host_family if host_family in platform.index else r.family]
            mem = float(r.memory_gib) if is_metal else float(host_platform.memory_gib)
            sockets = max(1, math.ceil(host_vcpus / hardware.VCPUS_PER_SOCKET[arch]))
            ssd, hdd = local_drives(r.family, host_vcpus)
            embodied, method = embodied_model(mem, sockets, ssd, hdd), "ccf-model-computed"
            sources.append(SRC_EMBODIED_MODEL)
            if ssd or hdd:
                sources.append(cur.LOCAL_DRIVES_SOURCE)
        if any(s.startswith(("AWS documentation", "vendor", "cloudcarbon")) for s in sources[1:] if s):
            licences.append(FACT)
        rows.append(instance_row(
            "aws", r, cpu_model=r.cpu_model, microarchitecture=arch, host_vcpus=host_vcpus, gpu_model=gpu_model,
            gpu_count=gpu_count, accelerator_kind=kind, burstable_baseline=baseline, host_embodied_kgco2e=embodied,
            embodied_method=method, source=join(*sources), licence=join(*licences)))
    df = pd.DataFrame(rows, columns=INSTANCE_COLUMNS)
    return df.sort_values(["provider", "instance_type"]).reset_index(drop=True)


# ------------------------------------------------------------------------------------------------
# cpu_power.csv
# ------------------------------------------------------------------------------------------------
def build_cpu_power(ref: Path) -> pd.DataFrame:
    use = pd.read_csv(ref / "coefficients/power/ccf_coefficients-aws-use.csv", index_col=0)
    use["Architecture"] = use["Architecture"].replace(CCF_MICROARCH)
    use = use.set_index("Architecture")
    spec = specpower_by_microarch(ref)
    rows = []
    for arch in FAMILY_FILES:
        ref_mem = float(spec.loc[arch, "gib_per_thread"])
        if arch == "EPYC Gen5":
            # CCF's EPYC 5th Gen row (3.68/8.96 W) is an outlier; whole-token matching of the same
            # SPECpower file gives values in line with the EPYC line-up.
            mn, mx = float(spec.loc[arch, "min_w"]), float(spec.loc[arch, "max_w"])
            n = int(spec.loc[arch, "servers"])
            src = (
                f"recomputed from {SRC_SPECPOWER} (whole-token model match, {n} servers); CCF value replaced"
            )
        else:
            mn, mx = float(use.loc[arch, "Min Watts"]), float(use.loc[arch, "Max Watts"])
            src = join(SRC_USE, f"ref memory from {SRC_SPECPOWER}")
        factor = cur.AWS_SMT_OFF_FACTOR.get(arch, 1.0)
        if factor != 1.0:
            src = join(src, f"x{factor:g} per vCPU: {cur.AWS_SMT_OFF_SOURCE}")
        rows.append(("aws", arch, mn * factor, mx * factor, ref_mem * factor, src, APACHE))
    measured = pd.DataFrame(rows, columns=CPU_POWER_COLUMNS)
    proxy = measured.set_index("microarchitecture").loc[cur.GRAVITON_PROXY]
    extra = [
        (
            "aws",
            g,
            proxy.min_w_per_vcpu,
            proxy.max_w_per_vcpu,
            proxy.ref_memory_gib_per_vcpu,
            join(cur.GRAVITON_SOURCE, SRC_USE),
            join(APACHE, FACT),
        )
        for g in cur.GRAVITON_ROWS
    ]
    mn, mx, mem, src = cur.APPLE_ROW
    extra.append(("aws", "Apple Silicon", mn, mx, mem, src, FACT))
    extra.append(
        (
            "aws",
            "Unknown",
            measured.min_w_per_vcpu.mean(),
            measured.max_w_per_vcpu.mean(),
            measured.ref_memory_gib_per_vcpu.mean(),
            "cloudcarbon: provider fallback = mean of the SPECpower-derived microarchitectures in this table",
            APACHE,
        )
    )
    df = pd.concat([measured, pd.DataFrame(extra, columns=measured.columns)], ignore_index=True)
    return df.sort_values(["provider", "microarchitecture"]).reset_index(drop=True)


# ------------------------------------------------------------------------------------------------
# pue.csv, grid.csv, regions.csv
# ------------------------------------------------------------------------------------------------
def build_pue(ref: Path) -> pd.DataFrame:
    gsf = pd.read_csv(ref / "coefficients/grid/gsf-real-time-cloud_Cloud_Region_Metadata.csv")
    aws = gsf[(gsf["cloud-provider"] == "Amazon Web Services") & gsf["power-usage-effectiveness"].notna()]
    rows = [
        (
            "aws",
            r["cloud-region"],
            int(r["year"]),
            float(r["power-usage-effectiveness"]),
            f"AWS sustainability (data-center PUE by region, {int(r['year'])}), {SRC_GSF}",
            FACT,
        )
        for _, r in aws.iterrows()
    ]
    rows += [("aws", "*", year, pue, src, lic) for year, (pue, src, lic) in cur.AWS_GLOBAL_PUE.items()]
    df = pd.DataFrame(rows, columns=["provider", "region", "year", "pue", "source", "licence"])
    return df.sort_values(["provider", "region", "year"]).reset_index(drop=True)


def build_grid(ref: Path) -> pd.DataFrame:
    rows = []
    for year in range(2021, 2026):
        path = ref / f"coefficients/grid/co2js_electricitymaps_yearly_{year}.json"
        zones = json.loads(path.read_text())
        for region, (*_, zone, _prefix) in cur.AWS_REGIONS.items():
            value = zones.get(zone, {}).get("carbonIntensity", {}).get("value")
            if value is None:
                print(f"warning: no Electricity Maps {year} value for {region} ({zone})", file=sys.stderr)
                continue
            rows.append(
                (
                    "aws",
                    region,
                    year,
                    float(value),
                    None,
                    GRID_SIGNAL,
                    zone,
                    SRC_EM.format(year=year, zone=zone),
                    ODBL,
                )
            )
    df = pd.DataFrame(
        rows, columns=GRID_COLUMNS
    )
    return df.sort_values(["provider", "region", "year"]).reset_index(drop=True)


def build_regions(ref: Path) -> pd.DataFrame:
    names = pd.read_csv(ref / "coefficients/regions/botocore_aws-regions.csv").set_index("region").description
    rows = [
        (
            "aws",
            region,
            names.get(region, region),
            country,
            sub,
            lat,
            lon,
            prefix,
            join(cur.REGIONS_SOURCE, SRC_BOTOCORE),
            join(FACT, APACHE),
        )
        for region, (country, sub, lat, lon, _zone, prefix) in cur.AWS_REGIONS.items()
    ]
    df = pd.DataFrame(
        rows,
        columns=[
            "provider",
            "region",
            "name",
            "country",
            "subdivision",
            "latitude",
            "longitude",
            "billing_prefix",
            "source",
            "licence",
        ],
    )
    return df.sort_values(["provider", "region"]).reset_index(drop=True)


def coverage(ref: Path, instances: pd.DataFrame) -> None:
    names = set(
        pd.read_csv(ref / "coefficients/catalogs/aws/botocore_ec2_instance-type-names.csv").instance_type
    )
    have = set(instances.instance_type)
    print(f"botocore EC2 names covered: {len(names & have)}/{len(names)}; missing: {sorted(names - have)}")
    prices = set(
        pd.read_csv(ref / "coefficients/prices/karpenter_aws_ondemand-linux-prices.csv").instance_type
    )
    print(f"karpenter names covered: {len(prices & have)}/{len(prices)}; missing: {sorted(prices - have)}")
