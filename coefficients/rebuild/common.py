"""Helpers shared by the per-provider builders (rebuild/aws.py, gcp.py, azure.py, onprem.py)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from ..facts import hardware
from ..facts.constants import CONSTANTS
from ..facts.licences import APACHE

CCF = "cloud-carbon-footprint/ccf-coefficients@b0032d928c78"
SRC_SPECPOWER = f"SPECpower_ssj2008 results in CCF SPECpower-2026-03-09.csv + CCF CPU-family lists ({CCF})"
SRC_EMBODIED_MODEL = "CCF/Teads embodied component model applied to catalog specs (cloudcarbon computed)"

# CCF's spelling of microarchitectures -> ours.
CCF_MICROARCH = {
    f"EPYC {n} Gen": f"EPYC Gen{i}" for i, n in enumerate(["1st", "2nd", "3rd", "4th", "5th"], 1)
}
# Our SPECpower microarchitectures -> CCF CPU-family list files.
FAMILY_FILES = {
    "Sandy Bridge": ["intel-sandybridge"],
    "Ivy Bridge": ["intel-ivybridge"],
    "Haswell": ["intel-haswell"],
    "Broadwell": ["intel-broadwell"],
    "Skylake": ["intel-skylake", "intel-skylake-server"],
    "Cascade Lake": ["intel-cascadelake"],
    "Coffee Lake": ["intel-coffeelake"],
    "Ice Lake": ["intel-icelake"],
    "Sapphire Rapids": ["intel-sapphirerapids"],
    "Emerald Rapids": ["intel-emeraldrapids"],
    "Granite Rapids": ["intel-graniterapids"],
    "EPYC Gen1": ["amd-epyc-gen1"],
    "EPYC Gen2": ["amd-epyc-gen2"],
    "EPYC Gen3": ["amd-epyc-gen3"],
    "EPYC Gen4": ["amd-epyc-gen4"],
    "EPYC Gen5": ["amd-epyc-gen5"],
}
# cfe_pct: the provider's carbon-free energy % for the region and year (NULL where not published).
GRID_COLUMNS = ["provider", "region", "year", "gco2e_per_kwh", "cfe_pct", "signal", "zone", "source", "licence"]
INSTANCE_COLUMNS = [
    "provider",
    "instance_type",
    "family",
    "vcpus",
    "memory_gib",
    "cpu_model",
    "microarchitecture",
    "host_vcpus",
    "gpu_model",
    "gpu_count",
    "accelerator_kind",
    "burstable_baseline",
    "host_embodied_kgco2e",
    "embodied_method",
    "source",
    "licence",
]



def instance_row(provider: str, r: Any, *, cpu_model: str, microarchitecture: str, host_vcpus: int,
                 gpu_model: str | None, gpu_count: int, accelerator_kind: str | None,
                 burstable_baseline: float | None, host_embodied_kgco2e: float, embodied_method: str, source: str,
                 licence: str) -> dict[str, Any]:
    """One instances.csv row for catalogue row `r` (instance_type, family, vcpus, memory_gib)."""
    return {"provider": provider, "instance_type": r.instance_type, "family": r.family, "vcpus": int(r.vcpus),
            "memory_gib": float(r.memory_gib), "cpu_model": cpu_model, "microarchitecture": microarchitecture,
            "host_vcpus": host_vcpus, "gpu_model": gpu_model, "gpu_count": gpu_count,
            "accelerator_kind": accelerator_kind, "burstable_baseline": burstable_baseline,
            "host_embodied_kgco2e": host_embodied_kgco2e, "embodied_method": embodied_method, "source": source,
            "licence": licence}


def join(*parts: str) -> str:
    """Join non-empty, distinct source/licence strings with '; ' (order kept)."""
    seen: list[str] = []
    for part in parts:
        for item in (p.strip() for p in part.split("; ")):
            if item and item not in seen:
                seen.append(item)
    return "; ".join(seen)


# ------------------------------------------------------------------------------------------------
# CPU model -> microarchitecture
# ------------------------------------------------------------------------------------------------
def model_pattern(model: str) -> re.Pattern[str]:
    # Whole-token match; "E5-2670" must not match "E5-2670 v2" (a different generation).
    return re.compile(r"(?<![\w-])" + re.escape(model) + r"(?![\w-])(?!\s+v\d)", re.IGNORECASE)


@cache
def family_patterns(ref: Path) -> dict[str, list[re.Pattern[str]]]:
    folder = ref / "coefficients/power/ccf_cpu-families"
    out: dict[str, list[re.Pattern[str]]] = {}
    for arch, files in FAMILY_FILES.items():
        models = [m.strip() for f in files for m in (folder / f"{f}.csv").read_text().splitlines()]
        out[arch] = [model_pattern(m) for m in models if m]
    return out


def microarchitecture(ref: Path, cpu_name: str) -> tuple[str, str]:
    """(microarchitecture, source) for a catalog CPU name: CCF family lists, then curated rules."""
    for arch, patterns in family_patterns(ref).items():
        if any(p.search(cpu_name) for p in patterns):
            return arch, f"CCF CPU-family lists ({CCF})"
    low = cpu_name.lower()
    for needle, arch in hardware.CPU_NAME_RULES:
        if needle in low:
            return arch, hardware.CPU_RULES_SOURCE
    return "Unknown", ""


def embodied_model(memory_gib: float, sockets: int, ssd: int, hdd: int) -> float:
    """CCF/Teads host embodied kgCO2e, excluding accelerators (they come from accelerators.csv)."""
    c = CONSTANTS
    return (
        c["embodied_base_kgco2e"][0]
        + max(0.0, memory_gib - c["embodied_memory_base_gb"][0]) * c["embodied_memory_kgco2e_per_gb"][0]
        + c["embodied_cpu_socket_kgco2e"][0] * max(0, sockets - 1)
        + c["embodied_ssd_kgco2e"][0] * ssd
        + c["embodied_hdd_kgco2e"][0] * hdd
    )


def specpower_by_microarch(ref: Path, families: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """Mean W per hardware thread (idle, 100 %) and GiB per thread of SPECpower servers, per family.

    `families` maps a microarchitecture to CCF CPU-family list files (default: FAMILY_FILES).
    """
    spec = pd.read_csv(ref / "coefficients/power/ccf_SPECpower-2026-03-09.csv")
    if families is None:
        patterns_by_arch = family_patterns(ref)
    else:
        folder = ref / "coefficients/power/ccf_cpu-families"
        patterns_by_arch = {
            arch: [model_pattern(m.strip()) for f in files for m in (folder / f"{f}.csv").read_text().splitlines()
                   if m.strip()]
            for arch, files in families.items()
        }
    out = []
    for arch, patterns in patterns_by_arch.items():
        hit = spec[spec["CPU Description"].map(lambda d, ps=patterns: any(p.search(str(d)) for p in ps))]
        threads = hit["Total Threads"].astype(float)
        out.append(
            {
                "microarchitecture": arch,
                "servers": len(hit),
                "min_w": (hit["avg. watts @ active idle"] / threads).mean(),
                "max_w": (hit["avg. watts @ 100%"] / threads).mean(),
                "gib_per_thread": (hit["Total Memory (GB)"] / threads).mean(),
            }
        )
    return pd.DataFrame(out).set_index("microarchitecture")


# ------------------------------------------------------------------------------------------------
# CPU power rows for GCP and Azure
# ------------------------------------------------------------------------------------------------
CPU_POWER_COLUMNS = [
    "provider",
    "microarchitecture",
    "min_w_per_vcpu",
    "max_w_per_vcpu",
    "ref_memory_gib_per_vcpu",
    "source",
    "licence",
]
# Arm server cores with no SPECpower results of their own -> the measured Arm proxy.
ARM_PROXY = "Ampere Altra"
ARM_PROXIED = {
    "Google Axion": "Google Axion (Arm Neoverse V2)",
    "Azure Cobalt 100": "Azure Cobalt 100 (Arm Neoverse N2)",
    "NVIDIA Grace": "NVIDIA Grace (Arm Neoverse V2)",
}


def provider_cpu_power(ref: Path, provider: str, archs: set[str]) -> pd.DataFrame:
    """cpu_power rows for `provider` (gcp | azure | on-premises) covering `archs` plus an `Unknown` fallback.

    Order of preference: CCF's coefficients-<provider>-use.csv; else the same SPECpower-derived values
    as the AWS table (CCF coefficients-aws-use.csv, provider-independent hardware); EPYC Gen5 recomputed
    (CCF's value is an outlier); Ampere Altra measured from SPECpower (CCF Neoverse N1 list); other Arm
    cores proxied by Ampere Altra.
    """
    use_file = f"coefficients-{provider}-use.csv"
    # On-premises hardware has no CCF file of its own: it takes the provider-independent AWS values.
    use_path = ref / f"coefficients/power/ccf_{use_file}"
    use = pd.read_csv(use_path, index_col=0) if use_path.exists() else pd.DataFrame(columns=["Architecture"])
    use["Architecture"] = use["Architecture"].replace(CCF_MICROARCH)
    use = use.set_index("Architecture")
    aws = pd.read_csv(ref / "coefficients/power/ccf_coefficients-aws-use.csv", index_col=0)
    aws["Architecture"] = aws["Architecture"].replace(CCF_MICROARCH)
    aws = aws.set_index("Architecture")
    spec = specpower_by_microarch(ref)
    altra = specpower_by_microarch(ref, {ARM_PROXY: ["amd-neoverse-n1"]}).loc[ARM_PROXY]
    altra_src = (
        f"computed from {SRC_SPECPOWER} (Ampere Altra/Altra Max servers via the CCF Neoverse N1 list, "
        f"{int(altra.servers)} servers; 1 thread per core)"
    )
    rows = []
    for arch in sorted(archs - {"Unknown"}):
        if arch in FAMILY_FILES and arch != "EPYC Gen5" and arch in use.index:
            mn, mx = float(use.loc[arch, "Min Watts"]), float(use.loc[arch, "Max Watts"])
            mem = float(spec.loc[arch, "gib_per_thread"])
            src = join(f"CCF {use_file}, SPECpower 2026-03-09 ({CCF})", f"ref memory from {SRC_SPECPOWER}")
        elif arch in FAMILY_FILES and arch != "EPYC Gen5" and arch in aws.index:
            mn, mx = float(aws.loc[arch, "Min Watts"]), float(aws.loc[arch, "Max Watts"])
            mem = float(spec.loc[arch, "gib_per_thread"])
            src = join(
                f"CCF coefficients-aws-use.csv, SPECpower 2026-03-09 ({CCF}) (no {provider} row; same hardware)",
                f"ref memory from {SRC_SPECPOWER}",
            )
        elif arch == "EPYC Gen5":
            mn, mx = float(spec.loc[arch, "min_w"]), float(spec.loc[arch, "max_w"])
            mem = float(spec.loc[arch, "gib_per_thread"])
            src = (
                f"recomputed from {SRC_SPECPOWER} (whole-token model match, {int(spec.loc[arch, 'servers'])} "
                "servers); CCF value replaced; SMT on (1 vCPU = 1 hardware thread)"
            )
        elif arch == ARM_PROXY:
            mn, mx, mem, src = float(altra.min_w), float(altra.max_w), float(altra.gib_per_thread), altra_src
        elif arch in ARM_PROXIED:
            mn, mx, mem = float(altra.min_w), float(altra.max_w), float(altra.gib_per_thread)
            src = (
                f"proxy: Ampere Altra SPECpower values for {ARM_PROXIED[arch]} (no SPECpower results; newer Arm "
                f"cores are more efficient, so this leans high); {altra_src}"
            )
        else:
            raise ValueError(f"{provider}: no CPU power source for microarchitecture {arch!r}")
        rows.append((provider, arch, mn, mx, mem, src, APACHE))
    df = pd.DataFrame(rows, columns=CPU_POWER_COLUMNS)
    measured = df[~df.microarchitecture.isin(ARM_PROXIED)]
    fallback = (
        provider,
        "Unknown",
        measured.min_w_per_vcpu.mean(),
        measured.max_w_per_vcpu.mean(),
        measured.ref_memory_gib_per_vcpu.mean(),
        "cloudcarbon: provider fallback = mean of the SPECpower-derived microarchitectures in this provider's rows",
        APACHE,
    )
    return pd.concat([df, pd.DataFrame([fallback], columns=CPU_POWER_COLUMNS)], ignore_index=True)


def host_embodied(memory_gib: float, host_vcpus: int, vcpus_per_socket: int, ssd: int) -> float:
    """CCF/Teads model for a host with `host_vcpus`, `memory_gib` and `ssd` local SSDs (no HDDs)."""
    sockets = max(1, -(-host_vcpus // vcpus_per_socket))
    return embodied_model(memory_gib, sockets, ssd, 0)
