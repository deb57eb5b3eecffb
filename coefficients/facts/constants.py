"""The method's constants (memory and storage power, utilisation defaults and bounds, lifespans, embodied
model inputs, ...), each with the source it comes from."""

from __future__ import annotations

from .licences import APACHE, FACT

# --------------------------------------------------------------------------------------------------
# Constants: key -> (value, unit, source, licence)
# --------------------------------------------------------------------------------------------------
CONSTANTS: dict[str, tuple[float, str, str, str]] = {
    "memory_w_per_gib": (
        0.392,
        "W/GiB",
        "CCF methodology (mean of Crucial 0.375 and Micron 0.4083 W/GB)",
        APACHE,
    ),
    "ssd_wh_per_tb_hour": (
        1.2,
        "Wh/TBh",
        "CCF methodology (LBNL 2016 US data-center report: 6 W per 5 TB SSD)",
        APACHE,
    ),
    "hdd_wh_per_tb_hour": (
        0.65,
        "Wh/TBh",
        "CCF methodology (LBNL 2016 US data-center report: 6.5 W per 10 TB HDD)",
        APACHE,
    ),
    "network_kwh_per_gb": (
        0.001,
        "kWh/GB",
        "CCF methodology (lowest literature value, hyperscale backbone)",
        APACHE,
    ),
    "cpu_utilization_default": (
        0.5,
        "fraction",
        "CCF methodology (LBNL 2016: average server utilisation)",
        APACHE,
    ),
    "cpu_utilization_low": (
        0.2,
        "fraction",
        "cloudcarbon choice: typical VM fleet average (LBNL 2016 reports 10-50 %)",
        FACT,
    ),
    "cpu_utilization_high": (0.8, "fraction", "cloudcarbon choice: well-packed/batch workloads", FACT),
    "gpu_utilization_default": (0.5, "fraction", "cloudcarbon choice, same as CCF GPU default (50 %)", FACT),
    "gpu_utilization_low": (0.2, "fraction", "cloudcarbon choice: inference/interactive GPU fleets", FACT),
    "gpu_utilization_high": (
        1.0,
        "fraction",
        "cloudcarbon choice: large training runs hold the board at its power limit (Patterson et al. 2021 measured "
        "330 W average per 300 W V100 for GPT-3, system overheads included)",
        FACT,
    ),
    "server_lifespan_hours": (
        52560.0,
        "h",
        "AWS 2022 depreciation change to 6-year server life (Amazon 10-K); 6 x 8760 h",
        FACT,
    ),
    "server_lifespan_hours_low_bound": (
        35040.0,
        "h",
        "CCF methodology (4-year lifespan, Dell R740 LCA); high embodied bound",
        APACHE,
    ),
    # replication_<provider>_<storage class>: copies the provider keeps of each stored byte.
    "replication_aws_object": (3.0, "copies", "AWS documentation (S3 Standard stores data across >= 3 AZs)", FACT),
    "replication_aws_archive": (3.0, "copies", "AWS documentation (S3 Glacier classes store data across >= 3 AZs)",
                                FACT),
    "replication_aws_block": (2.0, "copies", "CCF methodology (EBS volume replication factor 2)", APACHE),
    "replication_default": (1.0, "copies", "cloudcarbon default (no replication)", FACT),
    "onprem_pue": (1.56, "ratio", "Uptime Institute Global Data Center Survey 2024 (average PUE 1.56); "
                   "the latest year of pue.csv's on-premises rows", FACT),
    "embodied_base_kgco2e": (
        1000.0,
        "kgCO2e",
        "CCF/Teads embodied model (Dell R740 LCA: 1-socket base server)",
        APACHE,
    ),
    "embodied_memory_kgco2e_per_gb": (
        533.0 / 384.0,
        "kgCO2e/GB",
        "CCF/Teads embodied model (Dell R740: 533 kg per 384 GB)",
        APACHE,
    ),
    "embodied_memory_base_gb": (16.0, "GB", "CCF/Teads embodied model (base server includes 16 GB)", APACHE),
    "embodied_cpu_socket_kgco2e": (
        100.0,
        "kgCO2e",
        "CCF/Teads embodied model (per additional CPU socket)",
        APACHE,
    ),
    "embodied_ssd_kgco2e": (100.0, "kgCO2e", "CCF/Teads embodied model (per SSD)", APACHE),
    "embodied_hdd_kgco2e": (50.0, "kgCO2e", "CCF/Teads embodied model (per HDD)", APACHE),
    "embodied_gpu_kgco2e_default": (
        150.0,
        "kgCO2e",
        "CCF/Teads embodied model (per GPU card); BLOOM LCA",
        APACHE,
    ),
    "world_grid_gco2e_per_kwh": (
        475.0,
        "gCO2e/kWh",
        "IEA world average as used by codecarbon (carbon_intensity_per_source.json)",
        "MIT",
    ),
}
