"""Hand-entered facts for on-premises inventories (called by rebuild/onprem.py), each with its source."""

from __future__ import annotations

from .licences import FACT

UPTIME = "Uptime Institute Global Data Center Survey {year} (average annual PUE of respondents' largest site)"
# Survey year -> average PUE. Large, surveyed sites; small server rooms usually run higher.
ONPREM_PUE: dict[int, float] = {2020: 1.59, 2021: 1.57, 2022: 1.55, 2023: 1.58, 2024: 1.56}

VENDOR_CODENAMES = "AMD and Intel product codenames (vendor product pages); Ampere product names"
# Codename or family name (whole words, lower case) -> microarchitecture in cpu_power.csv, for
# inventories that name a CPU generation rather than a model number.
CPU_CODENAMES: dict[str, str] = {
    "naples": "EPYC Gen1",
    "rome": "EPYC Gen2",
    "milan": "EPYC Gen3",
    "milan-x": "EPYC Gen3",
    "genoa": "EPYC Gen4",
    "genoa-x": "EPYC Gen4",
    "bergamo": "EPYC Gen4",
    "siena": "EPYC Gen4",
    "turin": "EPYC Gen5",
    "sandy bridge": "Sandy Bridge",
    "ivy bridge": "Ivy Bridge",
    "haswell": "Haswell",
    "broadwell": "Broadwell",
    "skylake": "Skylake",
    "cascade lake": "Cascade Lake",
    "coffee lake": "Coffee Lake",
    "ice lake": "Ice Lake",
    "sapphire rapids": "Sapphire Rapids",
    "emerald rapids": "Emerald Rapids",
    "granite rapids": "Granite Rapids",
    "ampere altra": "Ampere Altra",
    "altra max": "Ampere Altra",
}
CODENAME_LICENCE = FACT
