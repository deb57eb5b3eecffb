"""On-premises rows of the coefficient tables (called by rebuild/__main__.py; see SOURCES.md).

An inventory names its servers' CPUs, GPUs, site PUE and grid zone, so on-premises needs no instance
catalogue: CPU power per microarchitecture (the same SPECpower-derived values as the clouds), a CPU
model -> microarchitecture table, the Uptime Institute PUE as the default, and every Electricity Maps
zone's yearly intensity.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from ..facts import onprem
from ..facts.licences import APACHE, FACT, ODBL
from .common import ARM_PROXY, CCF, FAMILY_FILES, provider_cpu_power

PROVIDER = "on-premises"
SRC_FAMILIES = f"CCF CPU-family lists ({CCF})"
SRC_EM = "Electricity Maps yearly {year}, zone {zone} ({name}) (via thegreenwebfoundation/co2.js@27cbe8328aea)"
GRID_SIGNAL = "location-based annual average, life-cycle"
CPU_MODEL_COLUMNS = ["match", "microarchitecture", "kind", "source", "licence"]


def cpu_tokens(name: str) -> str:
    """The normalised form both sides of a CPU-name match use (must equal the SQL in onprem_normalize.sql):
    lower case, '1v2' -> '1 v2', anything but letters, digits, '+' and '-' -> one space."""
    text = re.sub(r"([0-9])v([0-9])", r"\1 v\2", name.lower())
    return re.sub(r"[^a-z0-9+-]+", " ", text).strip()


def build_cpu_power(ref: Path) -> pd.DataFrame:
    return provider_cpu_power(ref, PROVIDER, set(FAMILY_FILES) | {ARM_PROXY})


def build_cpu_models(ref: Path) -> pd.DataFrame:
    """CPU model names (CCF family lists) and codenames -> microarchitecture; a name in two is an error."""
    folder = ref / "coefficients/power/ccf_cpu-families"
    lists = {**FAMILY_FILES, ARM_PROXY: ["amd-neoverse-n1"]}
    found: dict[str, tuple[str, str, str, str]] = {}
    for arch, files in lists.items():
        for model in (m.strip() for f in files for m in (folder / f"{f}.csv").read_text().splitlines()):
            match = cpu_tokens(model)
            if not match:
                continue
            if match in found and found[match][0] != arch:
                raise ValueError(f"CPU model {model!r} is listed for {found[match][0]} and {arch}")
            found[match] = (arch, "model", SRC_FAMILIES, APACHE)
    for name, arch in onprem.CPU_CODENAMES.items():
        found.setdefault(cpu_tokens(name), (arch, "codename", onprem.VENDOR_CODENAMES, onprem.CODENAME_LICENCE))
    rows = [(match, *rest) for match, rest in found.items()]
    return pd.DataFrame(rows, columns=CPU_MODEL_COLUMNS).sort_values("match").reset_index(drop=True)


def build_pue() -> pd.DataFrame:
    rows = [(PROVIDER, "*", year, pue, onprem.UPTIME.format(year=year), FACT)
            for year, pue in onprem.ONPREM_PUE.items()]
    return pd.DataFrame(rows, columns=["provider", "region", "year", "pue", "source", "licence"])


def build_grid(ref: Path) -> pd.DataFrame:
    """Every Electricity Maps zone, every year: an inventory's `location` is a zone id (e.g. DE, US-CAL-CISO)."""
    rows = []
    for year in range(2021, 2026):
        zones = json.loads((ref / f"coefficients/grid/co2js_electricitymaps_yearly_{year}.json").read_text())
        for zone, item in zones.items():
            value = (item.get("carbonIntensity") or {}).get("value")
            if value is None:
                continue
            name = (item.get("zone") or {}).get("zoneName") or zone
            rows.append((PROVIDER, zone, year, float(value), None, GRID_SIGNAL, zone,
                         SRC_EM.format(year=year, zone=zone, name=name), ODBL))
    columns = ["provider", "region", "year", "gco2e_per_kwh", "cfe_pct", "signal", "zone", "source", "licence"]
    return pd.DataFrame(rows, columns=columns)


def build_zones(ref: Path) -> pd.DataFrame:
    """Electricity Maps zone ids and names, so an inventory may name its location either way."""
    names: dict[str, str] = {}
    for year in range(2021, 2026):
        zones = json.loads((ref / f"coefficients/grid/co2js_electricitymaps_yearly_{year}.json").read_text())
        names.update({zone: (item.get("zone") or {}).get("zoneName") or zone for zone, item in zones.items()})
    rows = [(zone, name, "Electricity Maps zone list (via thegreenwebfoundation/co2.js@27cbe8328aea)", ODBL)
            for zone, name in sorted(names.items())]
    return pd.DataFrame(rows, columns=["zone", "name", "source", "licence"])
