"""Hand-entered Microsoft Azure facts used by rebuild/azure.py, each with the source it comes from.

Facts (VM sizes of series newer than the saved catalogs, processors, GPU models and counts, burstable
baselines, region locations) restated in our own structures. Instance names use the ARM spelling that
Cost Management exports carry in AdditionalInfo.ServiceType: `Standard_D4s_v3` (case as Microsoft
writes it; consumers match case-insensitively).
"""

from __future__ import annotations

MS_DOCS = "Microsoft Learn (Azure VM sizes)"

# --------------------------------------------------------------------------------------------------
# CPU name -> microarchitecture, tried after the CCF CPU-family lists (case-insensitive substring of
# the CPU name with trademark signs removed).
# --------------------------------------------------------------------------------------------------
CPU_RULES: list[tuple[str, str]] = [
    ("cobalt 100", "Azure Cobalt 100"),
    ("ampere", "Ampere Altra"),
    ("grace", "NVIDIA Grace"),
    ("8573c", "Emerald Rapids"),
    ("8480c", "Sapphire Rapids"),
    ("8473c", "Sapphire Rapids"),
    ("8370c", "Ice Lake"),
    ("8272cl", "Cascade Lake"),
    ("8280", "Cascade Lake"),
    ("6246r", "Cascade Lake"),
    ("8171m", "Skylake"),
    ("8168", "Skylake"),
    ("8180m", "Skylake"),
    ("xeon scalable", "Skylake"),
    ("e5-2673 v4", "Broadwell"),
    ("e5-2690 v4", "Broadwell"),
    ("e5-2673 v3", "Haswell"),
    ("e5-2690 v3", "Haswell"),
    ("e5-2698b v3", "Haswell"),
    ("e7-8890 v3", "Haswell"),
    ("e-2288g", "Coffee Lake"),
    ("7551", "EPYC Gen1"),
    ("7452", "EPYC Gen2"),
    ("7v12", "EPYC Gen2"),
    ("7763", "EPYC Gen3"),
    ("7v13", "EPYC Gen3"),
    ("7v73x", "EPYC Gen3"),
    ("74f3v", "EPYC Gen3"),
    ("9v33x", "EPYC Gen4"),
    ("9v84", "EPYC Gen4"),
    ("9004", "EPYC Gen4"),
]
CPU_RULES_SOURCE = MS_DOCS + " (processor per series); cloudcarbon curated rule"

# --------------------------------------------------------------------------------------------------
# Series newer than the saved catalogs. (name pattern with {n} = vCPUs, vCPU sizes, GiB per vCPU,
# CPU name, source). Memory = vCPUs x GiB per vCPU.
# --------------------------------------------------------------------------------------------------
_INTEL_V6 = "Intel Xeon Platinum 8573C (Emerald Rapids)"
_AMD_V6 = "AMD EPYC 9004 (Genoa)"
_COBALT = "Azure Cobalt 100"
_V6_INTEL = [2, 4, 8, 16, 32, 48, 64, 96, 128, 192]
_V6_AMD = [2, 4, 8, 16, 32, 48, 64, 96]
_V6_ARM = [2, 4, 8, 16, 32, 48, 64, 96]
SERIES: list[tuple[str, list[int], float, str, str]] = [
    ("Standard_D{n}s_v6", _V6_INTEL, 4.0, _INTEL_V6, MS_DOCS + " (Dsv6: 5th gen Xeon, 4 GiB/vCPU)"),
    ("Standard_D{n}ds_v6", _V6_INTEL, 4.0, _INTEL_V6, MS_DOCS + " (Ddsv6: 5th gen Xeon, 4 GiB/vCPU)"),
    ("Standard_D{n}ls_v6", _V6_INTEL, 2.0, _INTEL_V6, MS_DOCS + " (Dlsv6: 5th gen Xeon, 2 GiB/vCPU)"),
    ("Standard_D{n}lds_v6", _V6_INTEL, 2.0, _INTEL_V6, MS_DOCS + " (Dldsv6: 5th gen Xeon, 2 GiB/vCPU)"),
    ("Standard_E{n}s_v6", _V6_INTEL, 8.0, _INTEL_V6, MS_DOCS + " (Esv6: 5th gen Xeon, 8 GiB/vCPU)"),
    ("Standard_E{n}ds_v6", _V6_INTEL, 8.0, _INTEL_V6, MS_DOCS + " (Edsv6: 5th gen Xeon, 8 GiB/vCPU)"),
    ("Standard_D{n}as_v6", _V6_AMD, 4.0, _AMD_V6, MS_DOCS + " (Dasv6: 4th gen AMD EPYC, 4 GiB/vCPU)"),
    ("Standard_D{n}ads_v6", _V6_AMD, 4.0, _AMD_V6, MS_DOCS + " (Dadsv6: 4th gen AMD EPYC, 4 GiB/vCPU)"),
    ("Standard_D{n}als_v6", _V6_AMD, 2.0, _AMD_V6, MS_DOCS + " (Dalsv6: 4th gen AMD EPYC, 2 GiB/vCPU)"),
    ("Standard_D{n}alds_v6", _V6_AMD, 2.0, _AMD_V6, MS_DOCS + " (Daldsv6: 4th gen AMD EPYC, 2 GiB/vCPU)"),
    ("Standard_E{n}as_v6", _V6_AMD, 8.0, _AMD_V6, MS_DOCS + " (Easv6: 4th gen AMD EPYC, 8 GiB/vCPU)"),
    ("Standard_E{n}ads_v6", _V6_AMD, 8.0, _AMD_V6, MS_DOCS + " (Eadsv6: 4th gen AMD EPYC, 8 GiB/vCPU)"),
    ("Standard_F{n}as_v6", [2, 4, 8, 16, 32, 48, 64], 4.0, _AMD_V6, MS_DOCS + " (Fasv6: 4th gen AMD EPYC)"),
    ("Standard_F{n}als_v6", [2, 4, 8, 16, 32, 48, 64], 2.0, _AMD_V6, MS_DOCS + " (Falsv6: 4th gen AMD EPYC)"),
    ("Standard_F{n}ams_v6", [2, 4, 8, 16, 32, 48, 64], 8.0, _AMD_V6, MS_DOCS + " (Famsv6: 4th gen AMD EPYC)"),
    ("Standard_D{n}ps_v6", _V6_ARM, 4.0, _COBALT, MS_DOCS + " (Dpsv6: Azure Cobalt 100, 4 GiB/vCPU)"),
    ("Standard_D{n}pds_v6", _V6_ARM, 4.0, _COBALT, MS_DOCS + " (Dpdsv6: Azure Cobalt 100, 4 GiB/vCPU)"),
    ("Standard_D{n}pls_v6", _V6_ARM, 2.0, _COBALT, MS_DOCS + " (Dplsv6: Azure Cobalt 100, 2 GiB/vCPU)"),
    ("Standard_D{n}plds_v6", _V6_ARM, 2.0, _COBALT, MS_DOCS + " (Dpldsv6: Azure Cobalt 100, 2 GiB/vCPU)"),
    ("Standard_E{n}ps_v6", _V6_ARM, 8.0, _COBALT, MS_DOCS + " (Epsv6: Azure Cobalt 100, 8 GiB/vCPU)"),
    ("Standard_E{n}pds_v6", _V6_ARM, 8.0, _COBALT, MS_DOCS + " (Epdsv6: Azure Cobalt 100, 8 GiB/vCPU)"),
]
# Single sizes: name -> (vCPUs, memory GiB, CPU name, source)
SIZES: dict[str, tuple[int, float, str, str]] = {
    "Standard_NC40ads_H100_v5": (40, 320.0, "AMD EPYC 9V84 (Genoa)", MS_DOCS + " (NCads H100 v5)"),
    "Standard_NC80adis_H100_v5": (80, 640.0, "AMD EPYC 9V84 (Genoa)", MS_DOCS + " (NCads H100 v5)"),
    "Standard_NCC40ads_H100_v5": (40, 320.0, "AMD EPYC 9V84 (Genoa)", MS_DOCS + " (NCCads H100 v5)"),
    "Standard_ND96isr_H100_v5": (96, 1900.0, "Intel Xeon Platinum 8480C", MS_DOCS + " (ND H100 v5)"),
    "Standard_ND96isr_H200_v5": (96, 1850.0, "Intel Xeon Platinum 8480C", MS_DOCS + " (ND H200 v5)"),
    "Standard_ND96isr_MI300X_v5": (96, 1850.0, "Intel Xeon Platinum 8480C", MS_DOCS + " (ND MI300X v5)"),
    "Standard_ND128isr_NDR_GB200_v6": (128, 900.0, "NVIDIA Grace", MS_DOCS + " (ND GB200 v6)"),
    "Standard_HB120rs_v3": (120, 448.0, "AMD EPYC 7V73X", MS_DOCS + " (HBv3: EPYC Milan-X)"),
    "Standard_HB176rs_v4": (176, 768.0, "AMD EPYC 9V33X", MS_DOCS + " (HBv4: EPYC Genoa-X)"),
}

# Series whose sizes carry no CPU name in the catalogs: family (size without vCPU number) -> CPU.
FAMILY_CPU: dict[str, tuple[str, str]] = {
    "Gs": ("Intel Xeon E5-2698B v3", MS_DOCS + " (G/GS-series: Xeon E5-2698B v3, Haswell)"),
    "Fs": ("Intel Xeon E5-2673 v3", MS_DOCS + " (F/Fs-series v1: Xeon E5-2673 v3, Haswell)"),
    "F": ("Intel Xeon E5-2673 v3", MS_DOCS + " (F/Fs-series v1: Xeon E5-2673 v3, Haswell)"),
    "NC_Promo": ("Intel Xeon E5-2690 v3", MS_DOCS + " (NC-series: Xeon E5-2690 v3, Haswell)"),
    "NCr_Promo": ("Intel Xeon E5-2690 v3", MS_DOCS + " (NC-series: Xeon E5-2690 v3, Haswell)"),
    "NV_Promo": ("Intel Xeon E5-2690 v3", MS_DOCS + " (NV-series: Xeon E5-2690 v3, Haswell)"),
}
# Names in a source list that are not real sizes.
DROP: dict[str, str] = {
    "Standard_ND96isr_v5": "GSF if-plugins spelling of Standard_ND96isr_H100_v5 (added from MS docs instead)",
}

# Source-list spellings -> the size name Azure exports use.
RENAME: dict[str, str] = {"Standard_B1ls2": "Standard_B1ls"}
# The GSF if-plugins list also carries Microsoft's footnote marks glued to the version
# (Standard_D2s_v32, Standard_E16ads_v52): rebuild/azure.py drops the digit after "_v<n>".

# GSF if-plugins rows that contradict Microsoft's size tables: it lists Dpsv5/Dpdsv5 with half the
# vCPUs and the Dplsv5 memory (e.g. D64ps_v5 as 16 vCPUs / 64 GiB). name -> (vCPUs, memory GiB).
CORRECTIONS: dict[str, tuple[int, float]] = {
    f"Standard_D{n}p{d}s_v5": (n, 208.0 if n == 64 else 4.0 * n)
    for n in (2, 4, 8, 16, 32, 48, 64)
    for d in ("", "d")
} | {
    "Standard_E64is_v3": (64, 432.0),
    "Standard_E112ibs_v5": (112, 672.0),
    "Standard_ND40rs_v2": (40, 672.0),
}
CORRECTIONS_SOURCE = (
    MS_DOCS + " (Dpsv5/Dpdsv5: 4 GiB per vCPU, 64-vCPU sizes 208 GiB; E64is_v3, E112ibs_v5 and ND40rs_v2: "
    "vCPUs as the size name); corrects the GSF list"
)

# --------------------------------------------------------------------------------------------------
# GPUs per size: name -> (model, count). Fractional GPUs are one "GPU" of a scaled model.
# --------------------------------------------------------------------------------------------------
GPU_SOURCE = MS_DOCS + " (GPU-accelerated sizes: GPU model and count per size)"


def _sizes(pattern: str, counts: dict[int | str, int], model: str) -> dict[str, tuple[str, int]]:
    return {pattern.format(n=n): (model, c) for n, c in counts.items()}


GPUS: dict[str, tuple[str, int]] = {
    **_sizes("Standard_NC{n}", {6: 1, 12: 2, 24: 4, "24r": 4}, "NVIDIA K80"),
    **_sizes("Standard_NC{n}_Promo", {6: 1, 12: 2, 24: 4, "24r": 4}, "NVIDIA K80"),
    **_sizes("Standard_NC{n}s_v2", {6: 1, 12: 2, 24: 4, "24r": 4}, "NVIDIA P100"),
    "Standard_NC24rs_v2": ("NVIDIA P100", 4),
    **_sizes("Standard_NC{n}s_v3", {6: 1, 12: 2, 24: 4}, "NVIDIA V100 PCIe"),
    "Standard_NC24rs_v3": ("NVIDIA V100 PCIe", 4),
    **_sizes("Standard_NC{n}as_T4_v3", {4: 1, 8: 1, 16: 1, 64: 4}, "NVIDIA T4"),
    **_sizes("Standard_NC{n}ads_A100_v4", {24: 1, 48: 2, 96: 4}, "NVIDIA A100 80GB PCIe"),
    "Standard_NC40ads_H100_v5": ("NVIDIA H100 NVL", 1),
    "Standard_NC80adis_H100_v5": ("NVIDIA H100 NVL", 2),
    "Standard_NCC40ads_H100_v5": ("NVIDIA H100 NVL", 1),
    **_sizes("Standard_ND{n}s", {6: 1, 12: 2, 24: 4}, "NVIDIA P40"),
    "Standard_ND24rs": ("NVIDIA P40", 4),
    "Standard_ND40rs_v2": ("NVIDIA V100 32GB", 8),
    "Standard_ND96asr_v4": ("NVIDIA A100 40GB", 8),
    "Standard_ND96amsr_A100_v4": ("NVIDIA A100 80GB", 8),
    "Standard_ND96isr_H100_v5": ("NVIDIA H100", 8),
    "Standard_ND96isr_H200_v5": ("NVIDIA H200", 8),
    "Standard_ND96isr_MI300X_v5": ("AMD Instinct MI300X", 8),
    "Standard_ND128isr_NDR_GB200_v6": ("NVIDIA GB200", 4),
    **_sizes("Standard_NV{n}", {6: 1, 12: 2, 24: 4}, "NVIDIA M60"),
    **_sizes("Standard_NV{n}_Promo", {6: 1, 12: 2, 24: 4}, "NVIDIA M60"),
    **_sizes("Standard_NV{n}s_v3", {12: 1, 24: 2, 48: 4}, "NVIDIA M60"),
    "Standard_NV4as_v4": ("AMD Radeon Instinct MI25 (1/8)", 1),
    "Standard_NV8as_v4": ("AMD Radeon Instinct MI25 (1/4)", 1),
    "Standard_NV16as_v4": ("AMD Radeon Instinct MI25 (1/2)", 1),
    "Standard_NV32as_v4": ("AMD Radeon Instinct MI25", 1),
    "Standard_NV6ads_A10_v5": ("NVIDIA A10 (1/6)", 1),
    "Standard_NV12ads_A10_v5": ("NVIDIA A10 (1/3)", 1),
    "Standard_NV18ads_A10_v5": ("NVIDIA A10 (1/2)", 1),
    "Standard_NV36ads_A10_v5": ("NVIDIA A10", 1),
    "Standard_NV36adms_A10_v5": ("NVIDIA A10", 1),
    "Standard_NV72ads_A10_v5": ("NVIDIA A10", 2),
    "Standard_NG8ads_V620_v1": ("AMD Radeon PRO V620 (1/4)", 1),
    "Standard_NG16ads_V620_v1": ("AMD Radeon PRO V620 (1/2)", 1),
    "Standard_NG32ads_V620_v1": ("AMD Radeon PRO V620", 1),
    "Standard_NG32adms_V620_v1": ("AMD Radeon PRO V620", 1),
    **_sizes("Standard_NP{n}s", {10: 1, 20: 2, 40: 4}, "Xilinx U250"),
}
FPGA_MODELS = {"Xilinx U250"}

# --------------------------------------------------------------------------------------------------
# Burstable B-series: baseline per vCPU (Microsoft's "base CPU performance" / vCPUs).
# --------------------------------------------------------------------------------------------------
B_V1_BASELINES: dict[str, float] = {
    "Standard_B1ls": 0.05,
    "Standard_B1s": 0.10,
    "Standard_B1ms": 0.20,
    "Standard_B2s": 0.20,
    "Standard_B2ms": 0.30,
    "Standard_B4ms": 0.225,
    "Standard_B8ms": 0.16875,
    "Standard_B12ms": 0.16875,
    "Standard_B16ms": 0.16875,
    "Standard_B20ms": 0.16875,
}
# B v2 (Bsv2, Basv2, Bpsv2): by size suffix ts / ls / s.
B_V2_BASELINES: dict[str, float] = {"ts": 0.10, "ls": 0.15, "s": 0.20}
BURSTABLE_SOURCE = MS_DOCS + " (B-series: base CPU performance per VM divided by vCPUs)"
# Burstable series share hosts with a general-purpose series (for host vCPUs and embodied).
HOST_FAMILY: dict[str, str] = {
    "Bs": "Ds_v3", "Bls": "Ds_v3", "Bms": "Ds_v3", "BLS": "Ds_v3", "BMS": "Ds_v3", "BS": "Ds_v3",
    "Bs_v2": "Ds_v5", "Bls_v2": "Ds_v5", "Bts_v2": "Ds_v5",
    "Bas_v2": "Das_v5", "Bals_v2": "Das_v5", "Bats_v2": "Das_v5",
    "Bps_v2": "Dps_v5", "Bpls_v2": "Dps_v5", "Bpts_v2": "Dps_v5",
}

# vCPUs per socket for the embodied model (SMT on unless noted).
VCPUS_PER_SOCKET: dict[str, int] = {
    "Ampere Altra": 80,
    "Azure Cobalt 100": 128,
    "EPYC Gen4": 192,
    "EPYC Gen5": 192,
    "Emerald Rapids": 128,
    "Granite Rapids": 256,
}

# --------------------------------------------------------------------------------------------------
# Regions: armRegionName -> (country, ISO 3166-2 subdivision, lat, lon, Electricity Maps zone)
# lat/lon None = taken from carbon-aware-sdk azure-regions.json (MIT).
# --------------------------------------------------------------------------------------------------
REGIONS_SOURCE = (
    "Microsoft Azure geographies (region city); zone = cloudcarbon mapping to Electricity Maps zone ids"
)
REGIONS: dict[str, tuple[str, str, float | None, float | None, str]] = {
    "australiacentral": ("AU", "AU-ACT", None, None, "AU-NSW"),
    "australiacentral2": ("AU", "AU-ACT", None, None, "AU-NSW"),
    "australiaeast": ("AU", "AU-NSW", None, None, "AU-NSW"),
    "australiasoutheast": ("AU", "AU-VIC", None, None, "AU-VIC"),
    "austriaeast": ("AT", "AT-9", 48.2082, 16.3738, "AT"),
    "belgiumcentral": ("BE", "BE-BRU", 50.8503, 4.3517, "BE"),
    "brazilsouth": ("BR", "BR-SP", None, None, "BR-CS"),
    "brazilsoutheast": ("BR", "BR-RJ", None, None, "BR-CS"),
    "canadacentral": ("CA", "CA-ON", None, None, "CA-ON"),
    "canadaeast": ("CA", "CA-QC", None, None, "CA-QC"),
    "centralindia": ("IN", "IN-MH", None, None, "IN-WE"),
    "centralus": ("US", "US-IA", None, None, "US-MIDW-MISO"),
    "centraluseuap": ("US", "US-IA", None, None, "US-MIDW-MISO"),
    "chilecentral": ("CL", "CL-RM", -33.4489, -70.6693, "CL-SEN"),
    "chinaeast": ("CN", "CN-SH", 31.2304, 121.4737, "CN"),
    "chinaeast2": ("CN", "CN-SH", 31.2304, 121.4737, "CN"),
    "chinaeast3": ("CN", "CN-SH", 31.2304, 121.4737, "CN"),
    "chinanorth": ("CN", "CN-BJ", 39.9042, 116.4074, "CN"),
    "chinanorth2": ("CN", "CN-BJ", 39.9042, 116.4074, "CN"),
    "chinanorth3": ("CN", "CN-HE", 38.0428, 114.5149, "CN"),
    "denmarkeast": ("DK", "DK-84", 55.6761, 12.5683, "DK-DK2"),
    "eastasia": ("HK", "", 22.2670, 114.1880, "HK"),
    "eastus": ("US", "US-VA", None, None, "US-MIDA-PJM"),
    "eastus2": ("US", "US-VA", None, None, "US-MIDA-PJM"),
    "eastus2euap": ("US", "US-VA", None, None, "US-MIDA-PJM"),
    "eastus3": ("US", "US-GA", 33.7490, -84.3880, "US-SE-SOCO"),
    "finlandcentral": ("FI", "FI-18", 60.1699, 24.9384, "FI"),
    "francecentral": ("FR", "FR-IDF", None, None, "FR"),
    "francesouth": ("FR", "FR-PAC", None, None, "FR"),
    "germanynorth": ("DE", "DE-BE", None, None, "DE"),
    "germanywestcentral": ("DE", "DE-HE", None, None, "DE"),
    "greececentral": ("GR", "GR-I", 37.9838, 23.7275, "GR"),
    "indonesiacentral": ("ID", "ID-JK", -6.2088, 106.8456, "ID"),
    "israelcentral": ("IL", "", None, None, "IL"),
    "italynorth": ("IT", "IT-25", None, None, "IT-NO"),
    "japaneast": ("JP", "JP-13", None, None, "JP-TK"),
    "japanwest": ("JP", "JP-27", None, None, "JP-KN"),
    "jioindiacentral": ("IN", "IN-MH", None, None, "IN-WE"),
    "jioindiawest": ("IN", "IN-GJ", None, None, "IN-WE"),
    "koreacentral": ("KR", "KR-11", None, None, "KR"),
    "koreasouth": ("KR", "KR-26", None, None, "KR"),
    "malaysiawest": ("MY", "MY-14", 3.1390, 101.6869, "MY-WM"),
    "mexicocentral": ("MX", "MX-QUE", None, None, "MX"),
    "newzealandnorth": ("NZ", "NZ-AUK", -36.8485, 174.7633, "NZ"),
    "northcentralus": ("US", "US-IL", None, None, "US-MIDA-PJM"),
    "northeurope": ("IE", "IE-D", None, None, "IE"),
    "norwayeast": ("NO", "NO-03", None, None, "NO-NO1"),
    "norwaywest": ("NO", "NO-11", None, None, "NO-NO2"),
    "polandcentral": ("PL", "PL-14", None, None, "PL"),
    "qatarcentral": ("QA", "", None, None, "QA"),
    "saudiarabiaeast": ("SA", "SA-04", 26.4207, 50.0888, "SA"),
    "southafricanorth": ("ZA", "ZA-GP", None, None, "ZA"),
    "southafricawest": ("ZA", "ZA-WC", None, None, "ZA"),
    "southcentralus": ("US", "US-TX", None, None, "US-TEX-ERCO"),
    "southeastasia": ("SG", "", None, None, "SG"),
    "southindia": ("IN", "IN-TN", None, None, "IN-SO"),
    "spaincentral": ("ES", "ES-MD", None, None, "ES"),
    "swedencentral": ("SE", "SE-X", None, None, "SE-SE3"),
    "swedensouth": ("SE", "SE-M", 55.6050, 13.0038, "SE-SE4"),
    "switzerlandnorth": ("CH", "CH-ZH", None, None, "CH"),
    "switzerlandwest": ("CH", "CH-GE", None, None, "CH"),
    "taiwannorth": ("TW", "", 25.0330, 121.5654, "TW"),
    "taiwannorthwest": ("TW", "", 24.8138, 120.9675, "TW"),
    "uaecentral": ("AE", "AE-AZ", None, None, "AE"),
    "uaenorth": ("AE", "AE-DU", None, None, "AE"),
    "uksouth": ("GB", "GB-LND", None, None, "GB"),
    "ukwest": ("GB", "GB-CRF", None, None, "GB"),
    "usdodcentral": ("US", "US-IA", 41.6005, -93.6091, "US-MIDW-MISO"),
    "usdodeast": ("US", "US-VA", 36.6676, -78.3875, "US-MIDA-PJM"),
    "usgovarizona": ("US", "US-AZ", 33.4484, -112.0740, "US-SW-AZPS"),
    "usgoviowa": ("US", "US-IA", 41.6005, -93.6091, "US-MIDW-MISO"),
    "usgovtexas": ("US", "US-TX", 29.4241, -98.4936, "US-TEX-ERCO"),
    "usgovvirginia": ("US", "US-VA", 36.6676, -78.3875, "US-MIDA-PJM"),
    "westcentralus": ("US", "US-WY", None, None, "US-NW-PACE"),
    "westeurope": ("NL", "NL-NH", None, None, "NL"),
    "westindia": ("IN", "IN-MH", None, None, "IN-WE"),
    "westus": ("US", "US-CA", None, None, "US-CAL-CISO"),
    "westus2": ("US", "US-WA", None, None, "US-NW-GCPD"),
    "westus3": ("US", "US-AZ", None, None, "US-SW-SRP"),
}

# --------------------------------------------------------------------------------------------------
# PUE: Microsoft fleet value per year (region '*'); per-region values come from the reference files.
# --------------------------------------------------------------------------------------------------
FLEET_PUE_SOURCE = (
    "Microsoft datacenter sustainability fact sheets (fleet design PUE ~1.18, newest designs 1.12; CCF uses "
    "1.185); uncertain: Microsoft publishes no audited fleet-wide annual PUE"
)
FLEET_PUE: dict[int, float] = {2020: 1.18, 2021: 1.18, 2022: 1.18, 2023: 1.18, 2024: 1.18}

# --------------------------------------------------------------------------------------------------
# Storage replication per storage class (LRS default; GRS/GZRS accounts keep 6 copies).
# --------------------------------------------------------------------------------------------------
CCF_REPLICATION = "CCF methodology (packages/azure/src/lib/ReplicationFactors.ts)"
REPLICATION: dict[str, tuple[float, str]] = {
    "object": (3.0, CCF_REPLICATION + ": Storage LRS/ZRS 3 (GRS/GZRS 6 not distinguished)"),
    "archive": (3.0, CCF_REPLICATION + ": Storage LRS 3 (archive tier)"),
    "block": (3.0, CCF_REPLICATION + ": Managed Disks 3"),
    "file": (3.0, CCF_REPLICATION + ": Azure Files LRS 3"),
    "database": (3.0, CCF_REPLICATION + ": SQL Database 3, MySQL 3"),
}

# --------------------------------------------------------------------------------------------------
# Accelerators only Azure uses: model -> (kind, max W, idle W or None (= Teads ratio), embodied kg or
# None (= 150), source).
# --------------------------------------------------------------------------------------------------


def _share(watts: float, den: int, datasheet: str) -> tuple[str, float, None, float, str]:
    return (
        "gpu",
        watts / den,
        None,
        150.0 / den,
        f"vendor datasheet ({datasheet}: {watts:g} W) x 1/{den} (Azure fractional GPU); embodied 150 kg x 1/{den}",
    )


ACCELERATORS: dict[str, tuple[str, float, float | None, float | None, str]] = {
    "NVIDIA P40": ("gpu", 250.0, None, None, "vendor datasheet (NVIDIA, Tesla P40: 250 W)"),
    "NVIDIA V100 PCIe": ("gpu", 250.0, None, None, "vendor datasheet (NVIDIA, Tesla V100 PCIe 16GB: 250 W)"),
    "NVIDIA A100 80GB PCIe": ("gpu", 300.0, None, None, "vendor datasheet (NVIDIA, A100 80GB PCIe: 300 W)"),
    "NVIDIA H100 NVL": ("gpu", 400.0, None, None, "vendor datasheet (NVIDIA, H100 NVL 94GB: 350-400 W; 400 W)"),
    "AMD Radeon Instinct MI25": ("gpu", 300.0, None, None, "vendor datasheet (AMD, Radeon Instinct MI25: 300 W)"),
    "AMD Radeon PRO V620": ("gpu", 300.0, None, None, "vendor datasheet (AMD, Radeon PRO V620: 300 W)"),
    "Xilinx U250": ("fpga", 225.0, None, None, "vendor datasheet (Xilinx, Alveo U250: 225 W max)"),
    "NVIDIA A10 (1/6)": _share(150.0, 6, "NVIDIA, A10"),
    "NVIDIA A10 (1/3)": _share(150.0, 3, "NVIDIA, A10"),
    "NVIDIA A10 (1/2)": _share(150.0, 2, "NVIDIA, A10"),
    "AMD Radeon Instinct MI25 (1/8)": _share(300.0, 8, "AMD, Radeon Instinct MI25"),
    "AMD Radeon Instinct MI25 (1/4)": _share(300.0, 4, "AMD, Radeon Instinct MI25"),
    "AMD Radeon Instinct MI25 (1/2)": _share(300.0, 2, "AMD, Radeon Instinct MI25"),
    "AMD Radeon PRO V620 (1/4)": _share(300.0, 4, "AMD, Radeon PRO V620"),
    "AMD Radeon PRO V620 (1/2)": _share(300.0, 2, "AMD, Radeon PRO V620"),
}
