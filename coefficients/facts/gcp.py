"""Hand-entered Google Cloud facts used by rebuild/gcp.py, each with the source it comes from.

Facts (processors, GPU models and counts, shared-core fractions, TPU hosts, region locations) restated
in our own structures. Values that are our own inference or estimate say so in their source string.
"""

from __future__ import annotations

GCP_DOCS = "Google Cloud documentation (Compute Engine machine families)"

# --------------------------------------------------------------------------------------------------
# Processor per machine series (family = the series token before the first '-': n2, n2d, c4a, ...).
# family -> (CPU name, microarchitecture, source). Applied when the CCF catalog has no CPU for a type,
# or overrides it where the catalog is wrong (marked "correction").
# --------------------------------------------------------------------------------------------------
FAMILY_CPU: dict[str, tuple[str, str, str]] = {
    "e2": ("Intel Xeon Scalable Platinum 8173M", "Skylake", GCP_DOCS + " (E2: Skylake/Broadwell/Haswell/"
           "Cascade Lake/EPYC Rome, platform chosen by Google; CCF picks Skylake)"),
    "f1": ("Intel Xeon Scalable Platinum 8173M", "Skylake", GCP_DOCS + " (N1 shared-core f1-micro; Skylake chosen)"),
    "g1": ("Intel Xeon Scalable Platinum 8173M", "Skylake", GCP_DOCS + " (N1 shared-core g1-small; Skylake chosen)"),
    "n1": ("Intel Xeon Scalable Platinum 8173M", "Skylake", GCP_DOCS + " (N1: Sandy Bridge-Skylake; Skylake)"),
    "n2": ("Intel Xeon Gold 6268CL", "Cascade Lake", GCP_DOCS + " (N2: Cascade Lake up to 80 vCPUs; "
           "larger shapes Ice Lake)"),
    "n2d": ("AMD EPYC 7B12", "EPYC Gen2", GCP_DOCS + " (N2D: AMD EPYC Rome or Milan; Rome chosen)"),
    "n4": ("Intel Xeon Platinum 8581C", "Emerald Rapids", GCP_DOCS + " (N4: 5th gen Xeon, Emerald Rapids)"),
    "n4d": ("AMD EPYC 9B45", "EPYC Gen5", GCP_DOCS + " (N4D: 5th gen AMD EPYC, Turin)"),
    "n4a": ("Google Axion", "Google Axion", GCP_DOCS + " (N4A: Google Axion, Arm Neoverse V2)"),
    "c2": ("Intel Xeon Gold 6253CL", "Cascade Lake", GCP_DOCS + " (C2: Cascade Lake)"),
    "c2d": ("AMD EPYC 7B13", "EPYC Gen3", GCP_DOCS + " (C2D: 3rd gen AMD EPYC, Milan)"),
    "c3": ("Intel Xeon Platinum 8481C", "Sapphire Rapids", GCP_DOCS + " (C3: 4th gen Xeon, Sapphire Rapids)"),
    "c3d": ("AMD EPYC 9B14", "EPYC Gen4", GCP_DOCS + " (C3D: 4th gen AMD EPYC, Genoa)"),
    "c4": ("Intel Xeon Platinum 8581C", "Emerald Rapids", GCP_DOCS + " (C4: 5th gen Xeon Emerald Rapids; "
           "144/288-vCPU shapes on Xeon 6 Granite Rapids)"),
    "c4n": ("Intel Xeon Platinum 8581C", "Emerald Rapids", "cloudcarbon inference: C4N priced like C4 (cyclenerd "
            "pricing.yml); C4 processor assumed"),
    "c4a": ("Google Axion", "Google Axion", GCP_DOCS + " (C4A: Google Axion, Arm Neoverse V2)"),
    "c4d": ("AMD EPYC 9B45", "EPYC Gen5", GCP_DOCS + " (C4D: 5th gen AMD EPYC, Turin)"),
    "t2d": ("AMD EPYC 7B13", "EPYC Gen3", GCP_DOCS + " (T2D: 3rd gen AMD EPYC, Milan)"),
    "t2a": ("Ampere Altra Q64-30", "Ampere Altra", GCP_DOCS + " (T2A: Ampere Altra, Arm Neoverse N1)"),
    "h3": ("Intel Xeon Platinum 8481C", "Sapphire Rapids", GCP_DOCS + " (H3: 4th gen Xeon, Sapphire Rapids)"),
    "h4d": ("AMD EPYC 9B45", "EPYC Gen5", GCP_DOCS + " (H4D: 5th gen AMD EPYC, Turin)"),
    "m1": ("Intel Xeon E7-8880 V4", "Broadwell", GCP_DOCS + " (M1: Broadwell E7 (ultramem) / Skylake (megamem))"),
    "m2": ("Intel Xeon Platinum 8280L", "Cascade Lake", GCP_DOCS + " (M2: Cascade Lake)"),
    "m3": ("Intel Xeon Platinum 8373C", "Ice Lake", GCP_DOCS + " (M3: 3rd gen Xeon, Ice Lake)"),
    "m4": ("Intel Xeon Platinum 8581C", "Emerald Rapids", GCP_DOCS + " (M4: 5th gen Xeon, Emerald Rapids)"),
    "x4": ("Intel Xeon Platinum 8490H", "Sapphire Rapids", GCP_DOCS + " (X4: Sapphire Rapids)"),
    "z3": ("Intel Xeon Platinum 8481C", "Sapphire Rapids", GCP_DOCS + " (Z3: Sapphire Rapids)"),
    "a2": ("Intel Xeon Platinum 8273CL", "Cascade Lake", GCP_DOCS + " (A2: Cascade Lake)"),
    "a3": ("Intel Xeon Platinum 8481C", "Sapphire Rapids", GCP_DOCS + " (A3 High/Mega/Edge: 4th gen Xeon "
           "Sapphire Rapids; correction: the CCF catalog says 8581C)"),
    "a4": ("Intel Xeon Platinum 8570", "Emerald Rapids", GCP_DOCS + " (A4: 5th gen Xeon, Emerald Rapids)"),
    "a4x": ("NVIDIA Grace", "NVIDIA Grace", GCP_DOCS + " (A4X: NVIDIA GB200 superchips, Grace Arm CPU)"),
    "g2": ("Intel Xeon Platinum 8273CL", "Cascade Lake", GCP_DOCS + " (G2: Cascade Lake)"),
    "g4": ("AMD EPYC 9B45", "EPYC Gen5", GCP_DOCS + " (G4: 5th gen AMD EPYC, Turin)"),
    "tpu": ("", "Unknown", "Google Cloud TPU documentation (host CPU model not published)"),
}
# Shapes whose processor differs from the family default: (family, predicate on vCPUs) -> CPU.
SIZE_CPU: list[tuple[str, tuple[int, ...], tuple[str, str, str]]] = [
    ("n2", (96, 128), ("Intel Xeon Platinum 8373C", "Ice Lake", GCP_DOCS + " (N2 shapes above 80 vCPUs: Ice Lake)")),
    ("c4", (144, 288), ("Intel Xeon 6985P-C", "Granite Rapids", GCP_DOCS + " (C4 144/288-vCPU shapes: Xeon 6)")),
]
# Type-level CPU overrides (prefix of the machine type).
TYPE_CPU: dict[str, tuple[str, str, str]] = {
    "a3-ultragpu": ("Intel Xeon Platinum 8580", "Emerald Rapids", GCP_DOCS + " (A3 Ultra: 5th gen Xeon)"),
    "m1-megamem": ("Intel Xeon Scalable Platinum 8173M", "Skylake", GCP_DOCS + " (M1 megamem: Skylake)"),
}

# --------------------------------------------------------------------------------------------------
# Shared-core types: visible vCPUs and the fraction of each vCPU they may sustain (our
# burstable_baseline, same meaning as AWS: per vCPU). e2-micro = 2 vCPUs x 12.5 % = 0.25 vCPU.
# --------------------------------------------------------------------------------------------------
SHARED_CORE: dict[str, tuple[int, float, str]] = {
    "e2-micro": (2, 0.125, "Google Cloud documentation (E2 shared-core: e2-micro 0.25 vCPU = 2 vCPUs x 12.5 %)"),
    "e2-small": (2, 0.25, "Google Cloud documentation (E2 shared-core: e2-small 0.5 vCPU = 2 vCPUs x 25 %)"),
    "e2-medium": (2, 0.5, "Google Cloud documentation (E2 shared-core: e2-medium 1 vCPU = 2 vCPUs x 50 %)"),
    "f1-micro": (1, 0.2, "Google Cloud documentation (N1 shared-core: f1-micro 0.2 vCPU)"),
    "g1-small": (1, 0.5, "Google Cloud documentation (N1 shared-core: g1-small 0.5 vCPU)"),
}
# Shared-core types run on the hosts of this family (for host vCPUs and embodied).
HOST_FAMILY: dict[str, str] = {"f1": "n1", "g1": "n1"}

# --------------------------------------------------------------------------------------------------
# Accelerators: machine type prefix -> (model, source). The count comes from the "-<n>g" suffix, or
# from the cyclenerd price list (g2/g4), or FRACTIONAL below.
# --------------------------------------------------------------------------------------------------
TYPE_GPU: dict[str, tuple[str, str]] = {
    "a2-highgpu": ("NVIDIA A100 40GB", GCP_DOCS + " (A2 Standard: NVIDIA A100 40GB)"),
    "a2-megagpu": ("NVIDIA A100 40GB", GCP_DOCS + " (A2 Standard: a2-megagpu-16g = 16 A100 40GB)"),
    "a2-ultragpu": ("NVIDIA A100 80GB", GCP_DOCS + " (A2 Ultra: NVIDIA A100 80GB)"),
    "a3-highgpu": ("NVIDIA H100", GCP_DOCS + " (A3 High: NVIDIA H100 80GB SXM)"),
    "a3-megagpu": ("NVIDIA H100", GCP_DOCS + " (A3 Mega: NVIDIA H100 80GB SXM)"),
    "a3-edgegpu": ("NVIDIA H100", GCP_DOCS + " (A3 Edge: NVIDIA H100 80GB SXM)"),
    "a3-ultragpu": ("NVIDIA H200", GCP_DOCS + " (A3 Ultra: NVIDIA H200 141GB)"),
    "a4-highgpu": ("NVIDIA B200", GCP_DOCS + " (A4: NVIDIA B200)"),
    "a4x-highgpu": ("NVIDIA GB200", GCP_DOCS + " (A4X: NVIDIA GB200 NVL72, 4 Blackwell GPUs per VM)"),
    "g2-standard": ("NVIDIA L4", GCP_DOCS + " (G2: NVIDIA L4)"),
    "g4-standard": ("NVIDIA RTX PRO 6000 Blackwell", GCP_DOCS + " (G4: NVIDIA RTX PRO 6000 Blackwell Server)"),
}
# G4 shapes under 48 vCPUs carry 0 whole GPUs in the price list: a share of one GPU, pro rata vCPUs/48.
FRACTIONAL: dict[str, tuple[str, str]] = {
    "g4-standard-6": ("NVIDIA RTX PRO 6000 Blackwell (1/8)", "cloudcarbon inference: 6/48 of one G4 GPU"),
    "g4-standard-12": ("NVIDIA RTX PRO 6000 Blackwell (1/4)", "cloudcarbon inference: 12/48 of one G4 GPU"),
    "g4-standard-24": ("NVIDIA RTX PRO 6000 Blackwell (1/2)", "cloudcarbon inference: 24/48 of one G4 GPU"),
}

# --------------------------------------------------------------------------------------------------
# Machine types in neither the CCF 2026 catalog nor the cyclenerd price list.
# type -> (vCPUs, memory GiB, source)
# --------------------------------------------------------------------------------------------------
EXTRA_TYPES: dict[str, tuple[int, float, str]] = {
    "a4-highgpu-8g": (224, 3968.0, GCP_DOCS + " (A4: 224 vCPUs, 3,968 GB, 8 B200)"),
    "a4x-highgpu-4g": (140, 884.0, GCP_DOCS + " (A4X: 140 vCPUs, 884 GB, 4 GB200 GPUs)"),
    "h4d-standard-192": (192, 720.0, GCP_DOCS + " (H4D: 192 vCPUs, 720 GB)"),
    "h4d-highmem-192": (192, 1488.0, GCP_DOCS + " (H4D: 192 vCPUs, 1,488 GB)"),
    "h4d-highmem-192-lssd": (192, 1488.0, GCP_DOCS + " (H4D: 192 vCPUs, 1,488 GB, local SSD)"),
}

# --------------------------------------------------------------------------------------------------
# TPUs: one row per chip. instance_type "tpu-<version>" = one chip-hour, with the chip's share of its
# host VM (vCPUs, memory) so host embodied carbon is counted once per chip.
# version -> (accelerator model, host vCPUs, host memory GiB, chips per host, source)
# --------------------------------------------------------------------------------------------------
TPUS: dict[str, tuple[str, int, float, int, str]] = {
    "tpu-v2": ("Google TPU v2", 96, 334.0, 4, "Google Cloud TPU documentation (v2-8 host: 96 vCPUs, 334 GiB, 4 chips)"),
    "tpu-v3": ("Google TPU v3", 96, 340.0, 4, "Google Cloud TPU documentation (v3-8 host: 96 vCPUs, 340 GiB, 4 chips)"),
    "tpu-v4": ("Google TPU v4", 240, 407.0, 4, "Google Cloud TPU documentation (v4 host: 240 vCPUs, 407 GiB, 4 chips)"),
    "tpu-v5e": ("Google TPU v5e", 224, 384.0, 8, "Google Cloud TPU documentation (ct5lp-hightpu-8t: 224 vCPUs, "
                "384 GiB, 8 chips)"),
    "tpu-v5p": ("Google TPU v5p", 208, 448.0, 4, "Google Cloud TPU documentation (ct5p-hightpu-4t: 208 vCPUs, "
                "448 GiB, 4 chips)"),
    "tpu-v6e": ("Google TPU v6e", 180, 720.0, 4, "Google Cloud TPU documentation (ct6e-standard-4t: 180 vCPUs, "
                "720 GiB, 4 chips)"),
}

# vCPUs per socket for the embodied model (sockets = ceil(host vCPUs / this)); SMT on.
VCPUS_PER_SOCKET: dict[str, int] = {
    "Google Axion": 96,
    "Ampere Altra": 80,
    "EPYC Gen4": 192,
    "EPYC Gen5": 192,
    "Emerald Rapids": 128,
    "Granite Rapids": 256,
}

# --------------------------------------------------------------------------------------------------
# Regions: region -> (country, ISO 3166-2 subdivision, lat, lon, Electricity Maps zone (fallback only))
# Location from GoogleCloudPlatform/region-picker where it has the region, else Google's locations
# page (city); zone used only for regions that Google's region-carbon-info does not cover.
# --------------------------------------------------------------------------------------------------
REGIONS_SOURCE = "Google Cloud documentation (Cloud locations: region city); cloudcarbon subdivision mapping"
REGIONS: dict[str, tuple[str, str, float | None, float | None, str]] = {
    "africa-south1": ("ZA", "ZA-GP", -26.2056, 28.0337, "ZA"),
    "asia-east1": ("TW", "", None, None, "TW"),
    "asia-east2": ("HK", "", None, None, "HK"),
    "asia-northeast1": ("JP", "JP-13", None, None, "JP-TK"),
    "asia-northeast2": ("JP", "JP-27", None, None, "JP-KN"),
    "asia-northeast3": ("KR", "KR-11", None, None, "KR"),
    "asia-south1": ("IN", "IN-MH", None, None, "IN-WE"),
    "asia-south2": ("IN", "IN-DL", None, None, "IN-NO"),
    "asia-southeast1": ("SG", "", None, None, "SG"),
    "asia-southeast2": ("ID", "ID-JK", None, None, "ID"),
    "asia-southeast3": ("TH", "TH-10", 13.7563, 100.5018, "TH"),
    "australia-southeast1": ("AU", "AU-NSW", None, None, "AU-NSW"),
    "australia-southeast2": ("AU", "AU-VIC", None, None, "AU-VIC"),
    "europe-central2": ("PL", "PL-14", None, None, "PL"),
    "europe-north1": ("FI", "FI-19", None, None, "FI"),
    "europe-north2": ("SE", "SE-AB", 59.3293, 18.0686, "SE-SE3"),
    "europe-southwest1": ("ES", "ES-MD", None, None, "ES"),
    "europe-west1": ("BE", "BE-WHT", None, None, "BE"),
    "europe-west2": ("GB", "GB-LND", None, None, "GB"),
    "europe-west3": ("DE", "DE-HE", None, None, "DE"),
    "europe-west4": ("NL", "NL-GR", None, None, "NL"),
    "europe-west6": ("CH", "CH-ZH", None, None, "CH"),
    "europe-west8": ("IT", "IT-25", None, None, "IT-NO"),
    "europe-west9": ("FR", "FR-IDF", None, None, "FR"),
    "europe-west10": ("DE", "DE-BE", None, None, "DE"),
    "europe-west12": ("IT", "IT-21", None, None, "IT-NO"),
    "me-central1": ("QA", "", None, None, "QA"),
    "me-central2": ("SA", "SA-04", None, None, "SA"),
    "me-west1": ("IL", "IL-TA", None, None, "IL"),
    "northamerica-northeast1": ("CA", "CA-QC", None, None, "CA-QC"),
    "northamerica-northeast2": ("CA", "CA-ON", None, None, "CA-ON"),
    "northamerica-south1": ("MX", "MX-QUE", 20.5888, -100.3899, "MX"),
    "southamerica-east1": ("BR", "BR-SP", None, None, "BR-CS"),
    "southamerica-west1": ("CL", "CL-RM", None, None, "CL-SEN"),
    "us-central1": ("US", "US-IA", None, None, "US-MIDW-MISO"),
    "us-central2": ("US", "US-OK", 36.1540, -95.9928, "US-CENT-SWPP"),
    "us-east1": ("US", "US-SC", None, None, "US-CAR-SC"),
    "us-east2": ("US", "US-GA", 33.7490, -84.3880, "US-SE-SOCO"),
    "us-east4": ("US", "US-VA", None, None, "US-MIDA-PJM"),
    "us-east5": ("US", "US-OH", None, None, "US-MIDA-PJM"),
    "us-south1": ("US", "US-TX", None, None, "US-TEX-ERCO"),
    "us-west1": ("US", "US-OR", None, None, "US-NW-BPAT"),
    "us-west2": ("US", "US-CA", None, None, "US-CAL-LDWP"),
    "us-west3": ("US", "US-UT", None, None, "US-NW-PACE"),
    "us-west4": ("US", "US-NV", None, None, "US-NW-NEVP"),
}
# Names for regions region-picker lacks.
REGION_NAMES: dict[str, str] = {
    "asia-southeast3": "Bangkok, Thailand",
    "europe-north2": "Stockholm, Sweden",
    "northamerica-south1": "Querétaro, Mexico",
    "us-central2": "Oklahoma, USA",
    "us-east2": "Georgia, USA",
}

# Multi-region and dual-region locations -> member regions. Their grid value is the MEAN of the
# members that have a value for the year (CCF sums them, ~6x too high for `us`).
MULTI_REGIONS_SOURCE = (
    "Google Cloud documentation (Cloud Storage locations: predefined dual-regions; multi-regions US, EU, "
    "ASIA = data centres in that area); members of multi-regions = cloudcarbon choice (all regions in the area)"
)
MULTI_REGIONS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "asia1": ("JP", "Dual-region Tokyo + Osaka", ("asia-northeast1", "asia-northeast2")),
    "eur4": ("", "Dual-region Finland + Netherlands", ("europe-north1", "europe-west4")),
    "eur5": ("", "Dual-region Belgium + London", ("europe-west1", "europe-west2")),
    "eur7": ("", "Dual-region London + Frankfurt", ("europe-west2", "europe-west3")),
    "eur8": ("", "Dual-region Frankfurt + Zurich", ("europe-west3", "europe-west6")),
    "nam4": ("US", "Dual-region Iowa + South Carolina", ("us-central1", "us-east1")),
    "us": ("US", "United States (multi-region)", tuple(r for r in REGIONS if r.startswith("us-"))),
    "eu": ("", "European Union (multi-region)", (
        "europe-central2", "europe-north1", "europe-north2", "europe-southwest1", "europe-west1", "europe-west3",
        "europe-west4", "europe-west8", "europe-west9", "europe-west10", "europe-west12",
    )),
    "asia": ("", "Asia (multi-region)", tuple(r for r in REGIONS if r.startswith("asia-"))),
}

# --------------------------------------------------------------------------------------------------
# PUE: Google fleet-wide trailing-twelve-month PUE per year (region '*').
# Per-campus values come from the reference files (rebuild/gcp.py).
# --------------------------------------------------------------------------------------------------
GOOGLE_PUE_SOURCE = "Google data centers efficiency (fleet-wide trailing twelve-month PUE, {year})"
FLEET_PUE: dict[int, float] = {2019: 1.10, 2020: 1.10, 2021: 1.10, 2022: 1.10, 2023: 1.10, 2024: 1.09}

# --------------------------------------------------------------------------------------------------
# Storage replication: copies kept of each stored byte, per storage class.
# --------------------------------------------------------------------------------------------------
CCF_REPLICATION = "CCF methodology (packages/gcp/src/lib/ReplicationFactors.ts)"
REPLICATION: dict[str, tuple[float, str]] = {
    "object": (2.0, CCF_REPLICATION + ": Cloud Storage single/dual/multi-region 2"),
    "archive": (2.0, CCF_REPLICATION + ": Cloud Storage (Archive class) 2"),
    "block": (2.0, CCF_REPLICATION + ": Persistent Disk regional 2 (zonal PD counted the same)"),
    "file": (2.0, CCF_REPLICATION + ": Filestore 2"),
    "database": (2.0, CCF_REPLICATION + ": Cloud SQL HA / Memorystore Standard / Spanner 2"),
}

# --------------------------------------------------------------------------------------------------
# Accelerators only GCP uses: model -> (kind, max W, idle W or None (= Teads ratio), embodied kg or
# None (= 150), source). TPU watts are per chip.
# --------------------------------------------------------------------------------------------------
ACCELERATORS: dict[str, tuple[str, float, float | None, float | None, str]] = {
    "Google TPU v2": (
        "tpu",
        280.0,
        None,
        None,
        "Jouppi et al., 'Ten Lessons From Three Generations Shaped Google's TPUv4i' (ISCA 2021): TPUv2 TDP 280 W "
        "per chip; measured average 221 W (Patterson et al. 2021, as in mlco2 gpus.csv, MIT)",
    ),
    "Google TPU v3": (
        "tpu",
        450.0,
        None,
        None,
        "Jouppi et al. (ISCA 2021): TPUv3 TDP 450 W per chip; measured average 283 W (Patterson et al. 2021, as "
        "in mlco2 gpus.csv, MIT)",
    ),
    "Google TPU v4": (
        "tpu",
        192.0,
        None,
        None,
        "Jouppi et al., 'TPU v4: An Optically Reconfigurable Supercomputer' (ISCA 2023): 192 W max, 170 W mean "
        "per chip",
    ),
    "Google TPU v5e": (
        "tpu",
        200.0,
        None,
        None,
        "estimate: Google publishes no v5e power; 200 W per chip assumed (inference part, v4-class), high "
        "uncertainty",
    ),
    "Google TPU v5p": (
        "tpu",
        450.0,
        None,
        None,
        "estimate: Google publishes no v5p power; 450 W per chip assumed (2x v4 compute, 95 GB HBM2e), high "
        "uncertainty",
    ),
    "Google TPU v6e": (
        "tpu",
        300.0,
        None,
        None,
        "estimate: Google publishes no Trillium power (only +67 % energy efficiency vs v5e at 4.7x peak "
        "compute); 300 W per chip assumed, high uncertainty",
    ),
    "Google TPU v7": (
        "tpu",
        850.0,
        None,
        None,
        "estimate: Google publishes no Ironwood (TPU7x) chip power, only 2x performance per watt vs Trillium and a "
        "9,216-chip superpod of nearly 10 MW (about 1.08 kW per chip with hosts, network and cooling); 850 W per "
        "chip assumed, range 600-1100 W, high uncertainty",
    ),
    "NVIDIA RTX PRO 6000 Blackwell (1/8)": (
        "gpu", 75.0, None, 18.75,
        "vendor datasheet (NVIDIA, RTX PRO 6000 Blackwell Server Edition: 600 W) x 1/8 (G4 fractional share); "
        "embodied 150 kg x 1/8",
    ),
    "NVIDIA RTX PRO 6000 Blackwell (1/4)": (
        "gpu", 150.0, None, 37.5,
        "vendor datasheet (NVIDIA, RTX PRO 6000 Blackwell Server Edition: 600 W) x 1/4 (G4 fractional share); "
        "embodied 150 kg x 1/4",
    ),
    "NVIDIA RTX PRO 6000 Blackwell (1/2)": (
        "gpu", 300.0, None, 75.0,
        "vendor datasheet (NVIDIA, RTX PRO 6000 Blackwell Server Edition: 600 W) x 1/2 (G4 fractional share); "
        "embodied 150 kg x 1/2",
    ),
}
