"""Hand-entered AWS facts used by rebuild/aws.py, each with the source it comes from.

These are facts (counts, model names, datasheet watts, published baselines), restated in our own
words and structures. Nothing here is copied from an AGPL or unlicensed file. Values that are our
own estimates (no vendor figure exists) say so in their source string.
"""

from __future__ import annotations

from .licences import APACHE, FACT

AWS_DOCS = "AWS documentation (EC2 instance types)"

# Per-family microarchitecture fallbacks, used when the catalog CPU name does not resolve.
FAMILY_MICROARCH: dict[str, tuple[str, str]] = {
    # t2 runs on Haswell (E5-2676 v3) or Broadwell (E5-2686 v4) hosts; we pick the launch platform.
    "t2": ("Haswell", "AWS documentation (T2: Intel Xeon Haswell/Broadwell); Haswell chosen"),
}

# Per-family CPU model corrections (catalog value is wrong).
FAMILY_CPU_MODEL: dict[str, tuple[str, str]] = {
    "p4d": (
        "Intel Xeon Platinum 8275CL",
        "AWS documentation (P4d: 2nd gen Xeon Scalable, Cascade Lake P-8275CL)",
    ),
    "p4de": (
        "Intel Xeon Platinum 8275CL",
        "AWS documentation (P4de: same host as P4d, Cascade Lake P-8275CL)",
    ),
}

# Microarchitectures on which AWS disables SMT, so one vCPU is one physical core (2 SPECpower
# hardware threads). Source: AWS documentation for M7a/C7a/R7a/Hpc7a and the 8th-gen AMD families.
AWS_SMT_OFF_FACTOR: dict[str, float] = {"EPYC Gen4": 2.0, "EPYC Gen5": 2.0}
AWS_SMT_OFF_SOURCE = "AWS documentation (7th/8th gen AMD instances: SMT disabled, 1 vCPU = 1 physical core)"

# --------------------------------------------------------------------------------------------------
# CPU power rows that SPECpower cannot give (no published SPECpower results for these chips).
# min/max W per vCPU, reference GiB per vCPU, source.
# --------------------------------------------------------------------------------------------------
# Graviton: one vCPU is one Neoverse core (no SMT). CCF proxies every Graviton with EPYC Gen2
# SPECpower values (0.47/1.69 W per thread); Graviton2 (64 cores, ~110 W package reported) works out
# at ~1.7 W/core at full load, consistent with that proxy. We keep the proxy for all generations so
# Graviton 1 never gets *more* watts than Graviton2 (CCF's app gave it the higher AWS fallback).
GRAVITON_PROXY = "EPYC Gen2"
GRAVITON_ROWS = ["Graviton", "Graviton2", "Graviton3", "Graviton3E", "Graviton4", "Graviton5", "NVIDIA Grace"]
GRAVITON_SOURCE = (
    "proxy: EPYC Gen2 SPECpower values (CCF convention for Graviton); no SPECpower results for Arm "
    "cloud CPUs; cloudcarbon choice, see SOURCES.md"
)
# Apple mac instances: Apple publishes whole-computer power for Mac mini (M1, 2020): 6.8 W idle,
# 39 W max, 8 cores. We divide by cores; the memory is unified and already included.
APPLE_ROW = (
    6.8 / 8,
    39.0 / 8,
    2.0,
    "vendor datasheet (Apple, Mac mini (M1, 2020) power consumption: 6.8 W idle, 39 W max, 8 cores)",
)

# --------------------------------------------------------------------------------------------------
# Accelerators per instance family: family -> (model, kind, {size: count}, source).
# "*" as size = every size of the family.
# --------------------------------------------------------------------------------------------------
_G_1_4_8 = {
    "xlarge": 1,
    "2xlarge": 1,
    "4xlarge": 1,
    "8xlarge": 1,
    "16xlarge": 1,
    "12xlarge": 4,
    "24xlarge": 4,
    "48xlarge": 8,
}
FAMILY_ACCELERATORS: dict[str, tuple[str, str, dict[str, int], str]] = {
    "p2": (
        "NVIDIA K80",
        "gpu",
        {"xlarge": 1, "8xlarge": 8, "16xlarge": 16},
        AWS_DOCS + " (P2: NVIDIA K80 GPUs)",
    ),
    "p3": (
        "NVIDIA V100",
        "gpu",
        {"2xlarge": 1, "8xlarge": 4, "16xlarge": 8},
        AWS_DOCS + " (P3: NVIDIA V100 16GB)",
    ),
    "p3dn": ("NVIDIA V100 32GB", "gpu", {"24xlarge": 8}, AWS_DOCS + " (P3dn: 8x NVIDIA V100 32GB)"),
    "p4d": ("NVIDIA A100 40GB", "gpu", {"24xlarge": 8}, AWS_DOCS + " (P4d: 8x NVIDIA A100 40GB)"),
    "p4de": ("NVIDIA A100 80GB", "gpu", {"24xlarge": 8}, AWS_DOCS + " (P4de: 8x NVIDIA A100 80GB)"),
    "p5": ("NVIDIA H100", "gpu", {"4xlarge": 1, "48xlarge": 8}, AWS_DOCS + " (P5: NVIDIA H100)"),
    "p5e": ("NVIDIA H200", "gpu", {"48xlarge": 8}, AWS_DOCS + " (P5e: 8x NVIDIA H200)"),
    "p5en": ("NVIDIA H200", "gpu", {"48xlarge": 8}, AWS_DOCS + " (P5en: 8x NVIDIA H200)"),
    "p6-b200": ("NVIDIA B200", "gpu", {"48xlarge": 8}, AWS_DOCS + " (P6-B200: 8x NVIDIA B200)"),
    "p6-b300": ("NVIDIA B300", "gpu", {"48xlarge": 8}, AWS_DOCS + " (P6-B300: 8x NVIDIA B300)"),
    "p6e-gb200": (
        "NVIDIA GB200",
        "gpu",
        {"36xlarge": 4},
        AWS_DOCS + " (P6e-GB200: 4 Blackwell GPUs per instance)",
    ),
    "g2": (
        "NVIDIA GRID K520",
        "gpu",
        {"2xlarge": 1, "8xlarge": 4},
        AWS_DOCS + " (G2: NVIDIA GRID K520 GPUs)",
    ),
    "g3": (
        "NVIDIA M60",
        "gpu",
        {"4xlarge": 1, "8xlarge": 2, "16xlarge": 4},
        AWS_DOCS + " (G3: NVIDIA Tesla M60 GPUs)",
    ),
    "g3s": ("NVIDIA M60", "gpu", {"xlarge": 1}, AWS_DOCS + " (G3s: 1 NVIDIA Tesla M60 GPU)"),
    "g4dn": (
        "NVIDIA T4",
        "gpu",
        {"xlarge": 1, "2xlarge": 1, "4xlarge": 1, "8xlarge": 1, "16xlarge": 1, "12xlarge": 4, "metal": 8},
        AWS_DOCS + " (G4dn: NVIDIA T4)",
    ),
    "g4ad": (
        "AMD Radeon Pro V520",
        "gpu",
        {"xlarge": 1, "2xlarge": 1, "4xlarge": 1, "8xlarge": 2, "16xlarge": 4},
        AWS_DOCS + " (G4ad: AMD Radeon Pro V520)",
    ),
    "g5": ("NVIDIA A10G", "gpu", _G_1_4_8, AWS_DOCS + " (G5: NVIDIA A10G)"),
    "g5g": (
        "NVIDIA T4G",
        "gpu",
        {"xlarge": 1, "2xlarge": 1, "4xlarge": 1, "8xlarge": 1, "16xlarge": 2, "metal": 2},
        AWS_DOCS + " (G5g: NVIDIA T4G)",
    ),
    "g6": ("NVIDIA L4", "gpu", _G_1_4_8, AWS_DOCS + " (G6: NVIDIA L4)"),
    "gr6": ("NVIDIA L4", "gpu", {"4xlarge": 1, "8xlarge": 1}, AWS_DOCS + " (Gr6: 1 NVIDIA L4)"),
    "g6e": ("NVIDIA L40S", "gpu", _G_1_4_8, AWS_DOCS + " (G6e: NVIDIA L40S)"),
    "g7e": (
        "NVIDIA RTX PRO 6000 Blackwell",
        "gpu",
        {"2xlarge": 1, "4xlarge": 1, "8xlarge": 1, "12xlarge": 2, "24xlarge": 4, "48xlarge": 8},
        AWS_DOCS + " (G7e: NVIDIA RTX PRO 6000 Blackwell Server Edition)",
    ),
    "g7": (
        "NVIDIA GPU (unspecified)",
        "gpu",
        {"2xlarge": 1, "4xlarge": 1, "8xlarge": 1, "12xlarge": 2, "24xlarge": 4, "48xlarge": 8},
        "cloudcarbon inference: size ladder and prices follow G7e (GPU model not in our sources)",
    ),
    "cg1": ("NVIDIA M2050", "gpu", {"4xlarge": 2}, AWS_DOCS + " (CG1: 2x NVIDIA Tesla M2050)"),
    "inf1": (
        "AWS Inferentia",
        "inferentia",
        {"xlarge": 1, "2xlarge": 1, "6xlarge": 4, "24xlarge": 16},
        AWS_DOCS + " (Inf1: AWS Inferentia chips)",
    ),
    "inf2": (
        "AWS Inferentia2",
        "inferentia",
        {"xlarge": 1, "8xlarge": 1, "24xlarge": 6, "48xlarge": 12},
        AWS_DOCS + " (Inf2: AWS Inferentia2 chips)",
    ),
    "trn1": (
        "AWS Trainium",
        "trainium",
        {"2xlarge": 1, "32xlarge": 16},
        AWS_DOCS + " (Trn1: AWS Trainium chips)",
    ),
    "trn1n": ("AWS Trainium", "trainium", {"32xlarge": 16}, AWS_DOCS + " (Trn1n: 16 AWS Trainium chips)"),
    "trn2": (
        "AWS Trainium2",
        "trainium",
        {"3xlarge": 1, "48xlarge": 16},
        AWS_DOCS + " (Trn2: AWS Trainium2 chips)",
    ),
    "trn2u": (
        "AWS Trainium2",
        "trainium",
        {"48xlarge": 16},
        AWS_DOCS + " (Trn2 UltraServer: 16 Trainium2 per node)",
    ),
    "dl1": ("Habana Gaudi", "other", {"24xlarge": 8}, AWS_DOCS + " (DL1: 8x Habana Gaudi)"),
    "dl2q": ("Qualcomm AI100", "other", {"24xlarge": 8}, AWS_DOCS + " (DL2q: 8x Qualcomm Cloud AI 100)"),
    "f1": (
        "Xilinx VU9P",
        "fpga",
        {"2xlarge": 1, "4xlarge": 2, "16xlarge": 8},
        AWS_DOCS + " (F1: Xilinx VU9P FPGAs)",
    ),
    "f2": (
        "AMD VU47P",
        "fpga",
        {"6xlarge": 1, "12xlarge": 2, "48xlarge": 8},
        AWS_DOCS + " (F2: AMD Virtex UltraScale+ HBM VU47P)",
    ),
    "vt1": (
        "Xilinx U30",
        "other",
        {"3xlarge": 1, "6xlarge": 2, "24xlarge": 8},
        AWS_DOCS + " (VT1: Xilinx Alveo U30 cards)",
    ),
}
# Fractional GPUs (G6f, Gr6f): one slice counted as 1 "GPU" of a scaled model, so the
# integer gpu_count contract holds and energy/embodied stay proportional.
FRACTIONAL_GPUS: dict[str, tuple[str, str]] = {
    "g6f.large": ("NVIDIA L4 (1/8)", AWS_DOCS + " (G6f.large: 1/8 NVIDIA L4)"),
    "g6f.xlarge": ("NVIDIA L4 (1/8)", AWS_DOCS + " (G6f.xlarge: 1/8 NVIDIA L4)"),
    "g6f.2xlarge": ("NVIDIA L4 (1/4)", AWS_DOCS + " (G6f.2xlarge: 1/4 NVIDIA L4)"),
    "g6f.4xlarge": ("NVIDIA L4 (1/2)", AWS_DOCS + " (G6f.4xlarge: 1/2 NVIDIA L4)"),
    "gr6f.4xlarge": ("NVIDIA L4 (1/2)", AWS_DOCS + " (Gr6f.4xlarge: 1/2 NVIDIA L4)"),
}

# --------------------------------------------------------------------------------------------------
# Burstable baselines: per-vCPU baseline utilisation (AWS "baseline performance per vCPU").
# --------------------------------------------------------------------------------------------------
_T3_BASELINE = {
    "nano": 0.05,
    "micro": 0.10,
    "small": 0.20,
    "medium": 0.20,
    "large": 0.30,
    "xlarge": 0.40,
    "2xlarge": 0.40,
}
BURSTABLE_BASELINES: dict[str, dict[str, float]] = {
    "t2": {
        "nano": 0.05,
        "micro": 0.10,
        "small": 0.20,
        "medium": 0.20,
        "large": 0.30,
        "xlarge": 0.225,
        "2xlarge": 0.169,
    },
    "t3": _T3_BASELINE,
    "t3a": _T3_BASELINE,
    "t4g": _T3_BASELINE,
}
BURSTABLE_SOURCE = "AWS documentation (burstable performance instances: baseline performance per vCPU)"

# Burstable and flex families share hosts with a full family: use its largest size as host_vcpus.
HOST_FAMILY: dict[str, str] = {
    "t1": "m1",
    "t2": "m4",
    "t3": "m5",
    "t3a": "m5a",
    "t4g": "m6g",
    "m7i-flex": "m7i",
    "c7i-flex": "c7i",
    "m8i-flex": "m8i",
    "c8i-flex": "c8i",
    "r8i-flex": "r8i",
    # Fractional and single-GPU graphics families run on G6 hosts (AWS documentation: G6f/Gr6/Gr6f).
    "g6f": "g6",
    "gr6": "g6",
    "gr6f": "g6",
}

# --------------------------------------------------------------------------------------------------
# Instance types missing from the CCF 2026 catalog.
# type -> (vcpus, memory GiB, CPU name, source)
# --------------------------------------------------------------------------------------------------
LEGACY_INSTANCES: dict[str, tuple[int, float, str, str]] = {
    "cc1.4xlarge": (
        16,
        23.0,
        "Intel Xeon X5570",
        AWS_DOCS + " (previous generation: CC1, 2x Xeon X5570 Nehalem)",
    ),
    "cc2.8xlarge": (32, 60.5, "Intel Xeon E5-2670", AWS_DOCS + " (previous generation: CC2)"),
    "cg1.4xlarge": (16, 22.5, "Intel Xeon X5570", AWS_DOCS + " (previous generation: CG1)"),
    "cr1.8xlarge": (32, 244.0, "Intel Xeon E5-2670", AWS_DOCS + " (previous generation: CR1)"),
    "hi1.4xlarge": (16, 60.5, "Intel Xeon E5620", AWS_DOCS + " (previous generation: HI1, Westmere)"),
    "hs1.8xlarge": (16, 117.0, "Intel Xeon E5-2650", AWS_DOCS + " (previous generation: HS1)"),
    "g2.2xlarge": (8, 15.0, "Intel Xeon E5-2670", AWS_DOCS + " (previous generation: G2)"),
    "g2.8xlarge": (32, 60.0, "Intel Xeon E5-2670", AWS_DOCS + " (previous generation: G2)"),
    "g3.4xlarge": (16, 122.0, "Intel Xeon E5-2686 v4", AWS_DOCS + " (G3)"),
    "g3.8xlarge": (32, 244.0, "Intel Xeon E5-2686 v4", AWS_DOCS + " (G3)"),
    "g3.16xlarge": (64, 488.0, "Intel Xeon E5-2686 v4", AWS_DOCS + " (G3)"),
    "g3s.xlarge": (4, 30.5, "Intel Xeon E5-2686 v4", AWS_DOCS + " (G3s)"),
    "p2.xlarge": (4, 61.0, "Intel Xeon E5-2686 v4", AWS_DOCS + " (P2)"),
    "p2.8xlarge": (32, 488.0, "Intel Xeon E5-2686 v4", AWS_DOCS + " (P2)"),
    "p2.16xlarge": (64, 732.0, "Intel Xeon E5-2686 v4", AWS_DOCS + " (P2)"),
    "p3.2xlarge": (8, 61.0, "Intel Xeon E5-2686 v4", AWS_DOCS + " (P3)"),
    "p3.8xlarge": (32, 244.0, "Intel Xeon E5-2686 v4", AWS_DOCS + " (P3)"),
    "p3.16xlarge": (64, 488.0, "Intel Xeon E5-2686 v4", AWS_DOCS + " (P3)"),
    "p3dn.24xlarge": (96, 768.0, "Intel Xeon Platinum 8175M", AWS_DOCS + " (P3dn)"),
    "mac-m4max.metal": (
        16,
        128.0,
        "Apple M4 Max with 16-core CPU",
        AWS_DOCS + " (EC2 M4 Max Mac: 16-core CPU, 128 GB)",
    ),
    "u7ib-12tb.224xlarge": (
        896,
        12288.0,
        "Intel Xeon Sapphire Rapids",
        AWS_DOCS + " (U7ib high memory: 4th gen Xeon)",
    ),
    "i3p.16xlarge": (64, 488.0, "Intel Xeon E5-2686 v4", AWS_DOCS + " (I3p, GovCloud: I3 platform)"),
}

# Families known only from the karpenter price list: derive specs from a sibling family with the
# same processor and memory ratio (the suffix letters only change network/EBS bandwidth or disks).
SIBLING_FAMILIES: dict[str, tuple[str, str | None, str]] = {
    # family: (sibling family, CPU name override or None, source)
    "c8ib": ("c8i", None, "AWS documentation (C8ib: C8i with higher EBS bandwidth, Xeon 6)"),
    "c8in": ("c8i", None, "AWS documentation (C8in: C8i with higher network bandwidth, Xeon 6)"),
    "c8ine": ("c8i", None, "AWS documentation (C8ine: network-enhanced C8i, Xeon 6)"),
    "m8ib": ("m8i", None, "AWS documentation (M8ib: M8i with higher EBS bandwidth, Xeon 6)"),
    "m8in": ("m8i", None, "AWS documentation (M8in: M8i with higher network bandwidth, Xeon 6)"),
    "m8ine": ("m8i", None, "AWS documentation (M8ine: network-enhanced M8i, Xeon 6)"),
    "m8idb": ("m8id", None, "AWS documentation (M8idb: M8id with higher EBS bandwidth, Xeon 6)"),
    "m8idn": ("m8id", None, "AWS documentation (M8idn: M8id with higher network bandwidth, Xeon 6)"),
    "r8ib": ("r8i", None, "AWS documentation (R8ib: R8i with higher EBS bandwidth, Xeon 6)"),
    "r8in": ("r8i", None, "AWS documentation (R8in: R8i with higher network bandwidth, Xeon 6)"),
    "r8idb": ("r8id", None, "AWS documentation (R8idb: R8id with higher EBS bandwidth, Xeon 6)"),
    "r8idn": ("r8id", None, "AWS documentation (R8idn: R8id with higher network bandwidth, Xeon 6)"),
    "c9g": ("c8g", "AWS Graviton5 Processor", "AWS documentation (C9g: Graviton5, 2 GiB per vCPU)"),
    "c9gd": ("c8gd", "AWS Graviton5 Processor", "AWS documentation (C9gd: Graviton5 with local NVMe)"),
    "m9g": ("m8g", "AWS Graviton5 Processor", "AWS documentation (M9g: Graviton5, 4 GiB per vCPU)"),
    "m9gd": ("m8gd", "AWS Graviton5 Processor", "AWS documentation (M9gd: Graviton5 with local NVMe)"),
    "g7": ("g7e", None, "cloudcarbon inference: specs assumed equal to G7e sizes (not in our catalogs)"),
}

# Local drives on the full host: family -> (count, "ssd" | "hdd"). Families not listed fall back to
# a rule in rebuild/aws.py (storage-optimised i*/d* families and "d" variants get NVMe SSDs).
LOCAL_DRIVES: dict[str, tuple[int, str]] = {
    "p5": (8, "ssd"),
    "p5e": (8, "ssd"),
    "p5en": (8, "ssd"),
    "p6-b200": (8, "ssd"),
    "p6-b300": (8, "ssd"),
    "p6e-gb200": (4, "ssd"),
    "trn1": (4, "ssd"),
    "trn1n": (4, "ssd"),
    "trn2": (4, "ssd"),
    "trn2u": (4, "ssd"),
    "g5": (2, "ssd"),
    "g6": (4, "ssd"),
    "g6e": (4, "ssd"),
    "g6f": (1, "ssd"),
    "gr6": (2, "ssd"),
    "gr6f": (1, "ssd"),
    "g7e": (4, "ssd"),
    "g7": (4, "ssd"),
    "dl1": (4, "ssd"),
    "f2": (4, "ssd"),
    "p3dn": (2, "ssd"),
    "hs1": (24, "hdd"),
    "hi1": (2, "ssd"),
    "cc2": (4, "hdd"),
    "cr1": (2, "ssd"),
}
LOCAL_DRIVES_SOURCE = "AWS documentation (instance store volumes per family); cloudcarbon approximation"

# --------------------------------------------------------------------------------------------------
# Regions: region -> (country ISO2, ISO 3166-2 subdivision, lat, lon, Electricity Maps zone,
#                     CUR billing prefix)
# --------------------------------------------------------------------------------------------------
REGIONS_SOURCE = (
    "AWS documentation (Regions and Zones; Region billing codes); location = region's metro area; "
    "zone = cloudcarbon mapping to Electricity Maps zone ids"
)
AWS_REGIONS: dict[str, tuple[str, str, float, float, str, str]] = {
    "us-east-1": ("US", "US-VA", 39.04, -77.49, "US-MIDA-PJM", "USE1"),
    "us-east-2": ("US", "US-OH", 39.96, -83.00, "US-MIDA-PJM", "USE2"),
    "us-west-1": ("US", "US-CA", 37.34, -121.89, "US-CAL-CISO", "USW1"),
    "us-west-2": ("US", "US-OR", 45.84, -119.70, "US-NW-BPAT", "USW2"),
    "ca-central-1": ("CA", "CA-QC", 45.50, -73.57, "CA-QC", "CAN1"),
    "ca-west-1": ("CA", "CA-AB", 51.05, -114.07, "CA-AB", "CAN2"),
    "sa-east-1": ("BR", "BR-SP", -23.55, -46.63, "BR-CS", "SAE1"),
    "mx-central-1": ("MX", "MX-QUE", 20.59, -100.39, "MX", "MXC1"),
    "eu-west-1": ("IE", "IE-D", 53.35, -6.26, "IE", "EU"),
    "eu-west-2": ("GB", "GB-LND", 51.51, -0.13, "GB", "EUW2"),
    "eu-west-3": ("FR", "FR-IDF", 48.86, 2.35, "FR", "EUW3"),
    "eu-central-1": ("DE", "DE-HE", 50.11, 8.68, "DE", "EUC1"),
    "eu-central-2": ("CH", "CH-ZH", 47.37, 8.54, "CH", "EUC2"),
    "eu-north-1": ("SE", "SE-AB", 59.33, 18.07, "SE-SE3", "EUN1"),
    "eu-south-1": ("IT", "IT-25", 45.46, 9.19, "IT-NO", "EUS1"),
    "eu-south-2": ("ES", "ES-AR", 41.65, -0.88, "ES", "EUS2"),
    "il-central-1": ("IL", "IL-TA", 32.08, 34.78, "IL", "ILC1"),
    "me-south-1": ("BH", "", 26.22, 50.59, "BH", "MES1"),
    "me-central-1": ("AE", "", 25.26, 55.30, "AE", "MEC1"),
    "af-south-1": ("ZA", "ZA-WC", -33.92, 18.42, "ZA", "AFS1"),
    "ap-east-1": ("HK", "", 22.32, 114.17, "HK", "APE1"),
    "ap-east-2": ("TW", "", 25.03, 121.57, "TW", "APE2"),
    "ap-south-1": ("IN", "IN-MH", 19.08, 72.88, "IN-WE", "APS3"),
    "ap-south-2": ("IN", "IN-TG", 17.39, 78.49, "IN-SO", "APS5"),
    "ap-northeast-1": ("JP", "JP-13", 35.68, 139.69, "JP-TK", "APN1"),
    "ap-northeast-2": ("KR", "KR-11", 37.57, 126.98, "KR", "APN2"),
    "ap-northeast-3": ("JP", "JP-27", 34.69, 135.50, "JP-KN", "APN3"),
    "ap-southeast-1": ("SG", "", 1.35, 103.82, "SG", "APS1"),
    "ap-southeast-2": ("AU", "AU-NSW", -33.87, 151.21, "AU-NSW", "APS2"),
    "ap-southeast-3": ("ID", "ID-JK", -6.21, 106.85, "ID", "APS4"),
    "ap-southeast-4": ("AU", "AU-VIC", -37.81, 144.96, "AU-VIC", "APS6"),
    "ap-southeast-5": ("MY", "MY-01", 1.49, 103.74, "MY-WM", "APS7"),
    "ap-southeast-6": ("NZ", "NZ-AUK", -36.85, 174.76, "NZ", "APS8"),
    "ap-southeast-7": ("TH", "TH-10", 13.76, 100.50, "TH", "APS9"),
    "us-gov-east-1": ("US", "US-OH", 39.96, -83.00, "US-MIDA-PJM", "UGE1"),
    "us-gov-west-1": ("US", "US-OR", 45.52, -122.68, "US-NW-BPAT", "UGW1"),
    "cn-north-1": ("CN", "CN-BJ", 39.90, 116.41, "CN", "CNN1"),
    "cn-northwest-1": ("CN", "CN-NX", 38.47, 106.27, "CN", "CNW1"),
    # European Sovereign Cloud (Brandenburg); billing code not published in our sources.
    "eusc-de-east-1": ("DE", "DE-BB", 52.41, 13.06, "DE", ""),
}

# --------------------------------------------------------------------------------------------------
# PUE: provider-wide values per year (region "*").
# --------------------------------------------------------------------------------------------------
AWS_GLOBAL_PUE: dict[int, tuple[float, str, str]] = {
    2020: (1.135, "CCF methodology (AWS PUE assumption, no AWS figure published for the year)", APACHE),
    2021: (1.135, "CCF methodology (AWS PUE assumption, no AWS figure published for the year)", APACHE),
    2022: (1.135, "CCF methodology (AWS PUE assumption, no AWS figure published for the year)", APACHE),
    2023: (1.15, "AWS sustainability (global data-center PUE 2023: 1.15)", FACT),
    2024: (1.15, "AWS sustainability (global data-center PUE 2024: 1.15)", FACT),
}

