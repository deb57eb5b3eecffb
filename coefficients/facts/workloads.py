"""Accelerator utilisation per workload class (`estimate --workload`): the central fraction of the idle-to-max
power range and its low/high bounds, each from a published measurement (or said to be an assumption)."""

from __future__ import annotations

from .licences import FACT

# class -> (central u, low u, high u, source)
WORKLOADS: dict[str, tuple[float, float, float, str]] = {
    "training": (
        0.7, 0.2, 1.0,
        "measured: Dodge et al. 2022 (FAccT), Table 2: pretraining a 6.1B-parameter transformer on 256 A100s for "
        "192 h drew 13,812 kWh of GPU energy = 281 W per 400 W GPU (u = 0.66); Morrison et al. 2025 (ICLR), "
        "Section 4.3: training power swings between 15 % and 85 % of the hardware's maximum; Patterson et al. "
        "2021, Table 4: GPT-3 averaged 330 W per 300 W V100 with system overheads (high bound 1.0); small models "
        "do not fill the accelerator (Dodge et al. 2022: ViT Tiny trained at 89 W per 300 W V100, low bound 0.2)",
    ),
    "inference": (
        0.2, 0.05, 0.6,
        "measured: Luccioni et al. 2023 (JMLR), Section 5: BLOOM served from 16 A100 40GB for 18 days used "
        "914 kWh, 75.3 % of it by the GPUs = about 100 W per 400 W GPU (u = 0.15); Patel et al. 2024 (POLCA, "
        "ISCA), Section 3: inference power stays well below the provisioned peak (prompt phases near TDP are "
        "brief, token generation draws less)",
    ),
    "batch": (
        0.5, 0.2, 1.0,
        "assumption, not a measurement: the library's GPU default (50 %, as CCF) and range (0.2-1.0), for "
        "throughput jobs that are neither sustained training nor latency-bound serving",
    ),
    "idle": (
        0.0, 0.0, 0.05,
        "measured: Teads measured accelerators idling at about 11.4 % of full-load power (as used by CCF); "
        "u = 0 is the model's idle power, up to 5 % for housekeeping",
    ),
}
LICENCE = FACT
