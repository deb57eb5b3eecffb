"""Hand-entered hardware facts every provider's builder uses, each with the source it comes from: CPU name ->
microarchitecture rules, the accelerator catalogue (watts, embodied carbon) and vCPUs per socket. Restated in
our own words and structures; nothing copied from an AGPL or unlicensed file.
"""

from __future__ import annotations

# --------------------------------------------------------------------------------------------------
# CPU name -> microarchitecture rules, tried in order after the CCF CPU-family lists.
# Each rule: (case-insensitive substring of the catalog's CPU name, microarchitecture).
# --------------------------------------------------------------------------------------------------
CPU_NAME_RULES: list[tuple[str, str]] = [
    ("graviton5", "Graviton5"),
    ("graviton4", "Graviton4"),
    ("graviton3e", "Graviton3E"),
    ("graviton3", "Graviton3"),
    ("graviton2", "Graviton2"),
    ("graviton", "Graviton"),
    ("grace", "NVIDIA Grace"),
    ("apple m", "Apple Silicon"),
    ("granite rapids", "Granite Rapids"),
    ("emerald rapids", "Emerald Rapids"),
    ("sapphire rapids", "Sapphire Rapids"),
    ("ice lake", "Ice Lake"),
    ("8375c", "Ice Lake"),
    ("cascade lake", "Cascade Lake"),
    ("8259cl", "Cascade Lake"),
    ("8259l", "Cascade Lake"),
    ("8275cl", "Cascade Lake"),
    ("8252c", "Cascade Lake"),
    ("8280l", "Cascade Lake"),
    ("skylake", "Skylake"),
    ("8175", "Skylake"),
    ("8124m", "Skylake"),
    ("8151", "Skylake"),
    ("8176m", "Skylake"),
    ("8488c", "Sapphire Rapids"),
    ("e7-8880 v3", "Haswell"),
    ("e7 8880v3", "Haswell"),
    ("e5-2666 v3", "Haswell"),
    ("e5-2676 v3", "Haswell"),
    ("e5-2686 v4", "Broadwell"),
    ("e5-2680 v2", "Ivy Bridge"),
    ("e5-2651 v2", "Ivy Bridge"),
    ("e5-2670 v2", "Ivy Bridge"),
    ("e5-2670", "Sandy Bridge"),
    ("e5-2665", "Sandy Bridge"),
    ("e5-2650", "Sandy Bridge"),
    ("i7-8700b", "Coffee Lake"),
    ("epyc 7571", "EPYC Gen1"),
    ("epyc 7r32", "EPYC Gen2"),
    ("epyc 7r13", "EPYC Gen3"),
    ("epyc 9r14", "EPYC Gen4"),
    ("epyc 9r45", "EPYC Gen5"),
    ("epyc 9r05", "EPYC Gen5"),
]
CPU_RULES_SOURCE = "AWS documentation (processor per instance family); cloudcarbon curated rule"

# --------------------------------------------------------------------------------------------------
# Accelerators: model -> (kind, max W, idle W or None (= Teads ratio), embodied kg or None (= 150),
#                         source)
# --------------------------------------------------------------------------------------------------
# Teads measured GPU idle at ~11.4 % of full-load watts (CCF uses 35 W idle / 306 W max for V100,
# K80, M60; 46/407 A100; 8/71 T4; 18/153 A10G: all 11.3-11.8 %).
IDLE_RATIO = 35.0 / 306.0
IDLE_RATIO_SOURCE = "idle = 11.4 % of max (Teads measured ratio as used by CCF, 35 W / 306 W)"
GPU_EMBODIED_KG = 150.0
GPU_EMBODIED_SOURCE = "embodied 150 kg per accelerator (CCF/Teads; BLOOM LCA); HBM-heavy parts uncertain"

ACCELERATORS: dict[str, tuple[str, float, float | None, float | None, str]] = {
    "NVIDIA K80": (
        "gpu",
        150.0,
        None,
        75.0,
        "vendor datasheet (NVIDIA, Tesla K80: 300 W board, 2 GK210 GPUs; clouds count each GPU, "
        "so 150 W and half the board's 150 kg per GPU)",
    ),
    "NVIDIA M60": (
        "gpu",
        150.0,
        None,
        75.0,
        "vendor datasheet (NVIDIA, Tesla M60: 300 W board max, 2 GM204 GPUs; "
        "per GPU 150 W, half the board's 150 kg)",
    ),
    "NVIDIA GRID K520": (
        "gpu",
        112.5,
        None,
        75.0,
        "vendor datasheet (NVIDIA, GRID K520: 225 W board, 2 GK104 GPUs; "
        "per GPU 112.5 W, half the board's 150 kg)",
    ),
    "NVIDIA M2050": ("gpu", 225.0, None, None, "vendor datasheet (NVIDIA, Tesla M2050: 225 W)"),
    "NVIDIA P4": ("gpu", 75.0, None, None, "vendor datasheet (NVIDIA, Tesla P4: 75 W)"),
    "NVIDIA P100": ("gpu", 250.0, None, None, "vendor datasheet (NVIDIA, Tesla P100 PCIe: 250 W)"),
    "NVIDIA V100": ("gpu", 300.0, None, None, "vendor datasheet (NVIDIA, Tesla V100 SXM2 16GB: 300 W)"),
    "NVIDIA V100 32GB": ("gpu", 300.0, None, None, "vendor datasheet (NVIDIA, Tesla V100 SXM2 32GB: 300 W)"),
    "NVIDIA T4": ("gpu", 70.0, None, None, "vendor datasheet (NVIDIA, T4: 70 W)"),
    "NVIDIA T4G": ("gpu", 70.0, None, None, "vendor datasheet (NVIDIA, T4G on EC2 G5g: T4-class, 70 W)"),
    "NVIDIA A10": ("gpu", 150.0, None, None, "vendor datasheet (NVIDIA, A10: 150 W)"),
    "NVIDIA A10G": (
        "gpu",
        300.0,
        None,
        None,
        "EC2 G5 nvidia-smi power limit 300 W (AWS-specific part, no NVIDIA datasheet); "
        "CCF/mlco2 use 150 W (A10 datasheet)",
    ),
    "NVIDIA A100 40GB": ("gpu", 400.0, None, None, "vendor datasheet (NVIDIA, A100 SXM4 40GB: 400 W)"),
    "NVIDIA A100 80GB": ("gpu", 400.0, None, None, "vendor datasheet (NVIDIA, A100 SXM4 80GB: 400 W)"),
    "NVIDIA L4": ("gpu", 72.0, None, None, "vendor datasheet (NVIDIA, L4: 72 W)"),
    "NVIDIA L4 (1/2)": (
        "gpu",
        36.0,
        None,
        75.0,
        "vendor datasheet (NVIDIA, L4: 72 W) x 1/2 (EC2 G6f/Gr6f fractional GPU); embodied 150 kg x 1/2",
    ),
    "NVIDIA L4 (1/4)": (
        "gpu",
        18.0,
        None,
        37.5,
        "vendor datasheet (NVIDIA, L4: 72 W) x 1/4 (EC2 G6f fractional GPU); embodied 150 kg x 1/4",
    ),
    "NVIDIA L4 (1/8)": (
        "gpu",
        9.0,
        None,
        18.75,
        "vendor datasheet (NVIDIA, L4: 72 W) x 1/8 (EC2 G6f fractional GPU); embodied 150 kg x 1/8",
    ),
    "NVIDIA L40S": ("gpu", 350.0, None, None, "vendor datasheet (NVIDIA, L40S: 350 W)"),
    "NVIDIA H100": ("gpu", 700.0, None, None, "vendor datasheet (NVIDIA, H100 SXM5: 700 W)"),
    "NVIDIA H200": ("gpu", 700.0, None, None, "vendor datasheet (NVIDIA, H200 SXM: up to 700 W)"),
    "NVIDIA B200": ("gpu", 1000.0, None, None, "vendor datasheet (NVIDIA, HGX B200: 1000 W per GPU)"),
    "NVIDIA B300": ("gpu", 1100.0, None, None, "vendor datasheet (NVIDIA, HGX B300: ~1100 W per GPU)"),
    "NVIDIA GB200": (
        "gpu",
        1200.0,
        None,
        None,
        "vendor datasheet (NVIDIA, GB200 NVL72: ~1200 W per Blackwell GPU; Grace CPU counted as host CPU)",
    ),
    "NVIDIA RTX PRO 6000 Blackwell": (
        "gpu",
        600.0,
        None,
        None,
        "vendor datasheet (NVIDIA, RTX PRO 6000 Blackwell Server Edition: up to 600 W)",
    ),
    "NVIDIA GPU (unspecified)": (
        "gpu",
        300.0,
        None,
        None,
        "estimate: datacenter GPU class default 300 W (model not published for this family)",
    ),
    "AMD Instinct MI300X": ("gpu", 750.0, None, None, "vendor datasheet (AMD, Instinct MI300X OAM: 750 W)"),
    "AMD Radeon Pro V520": ("gpu", 225.0, None, None, "vendor datasheet (AMD, Radeon Pro V520: 225 W board)"),
    "AWS Inferentia": (
        "inferentia",
        75.0,
        None,
        None,
        "estimate: AWS publishes no power figure; 75 W PCIe-card class assumed, high uncertainty",
    ),
    "AWS Inferentia2": (
        "inferentia",
        175.0,
        None,
        None,
        "estimate: AWS publishes no power figure; 2 NeuronCore-v2 + 32 GB HBM like Trainium, 175 W assumed",
    ),
    "AWS Trainium": (
        "trainium",
        250.0,
        None,
        None,
        "estimate: AWS publishes no power figure; 250 W assumed (2 NeuronCore-v2, 32 GB HBM)",
    ),
    "AWS Trainium2": (
        "trainium",
        500.0,
        None,
        None,
        "estimate: AWS publishes no power figure; ~500 W per chip (industry analyses), high uncertainty",
    ),
    "Xilinx VU9P": (
        "fpga",
        85.0,
        None,
        None,
        "estimate: Xilinx Virtex UltraScale+ VU9P card on EC2 F1, 85 W assumed (no published board power)",
    ),
    "AMD VU47P": (
        "fpga",
        150.0,
        None,
        None,
        "estimate: AMD Virtex UltraScale+ HBM VU47P card on EC2 F2, 150 W assumed (no published board power)",
    ),
    "Xilinx U30": (
        "other",
        35.0,
        None,
        None,
        "vendor datasheet (Xilinx, Alveo U30 media accelerator: ~35 W)",
    ),
    "Habana Gaudi": ("other", 350.0, None, None, "vendor datasheet (Habana Labs, Gaudi HL-205 OAM: 350 W)"),
    "Qualcomm AI100": (
        "other",
        75.0,
        None,
        None,
        "vendor datasheet (Qualcomm, Cloud AI 100 Standard PCIe: 75 W)",
    ),
    # Issue 11: current accelerators people publish runs on (max W = the vendor's board/module power).
    "AMD Instinct MI250X": (
        "gpu", 500.0, None, None,
        "vendor datasheet (AMD, Instinct MI250X OAM: 500 W TBP, 560 W peak with liquid cooling)",
    ),
    "AMD Instinct MI300A": (
        "gpu", 550.0, None, None,
        "vendor datasheet (AMD, Instinct MI300A APU: 550 W TDP, up to 760 W liquid-cooled; its 24 Zen 4 cores are "
        "inside this figure, so add no host CPU)",
    ),
    "AMD Instinct MI325X": ("gpu", 1000.0, None, None, "vendor datasheet (AMD, Instinct MI325X OAM: 1000 W TBP)"),
    "AMD Instinct MI355X": (
        "gpu", 1400.0, None, None,
        "vendor datasheet (AMD, Instinct MI355X OAM: 1400 W TBP, liquid-cooled; the air-cooled MI350X is 1000 W)",
    ),
    "NVIDIA H800": (
        "gpu", 700.0, None, None,
        "vendor datasheet (NVIDIA, H800 SXM5: 700 W; export variant of H100 SXM5 with reduced NVLink)",
    ),
    "NVIDIA H20": (
        "gpu", 400.0, None, None,
        "no NVIDIA datasheet published (China-market Hopper part); 400 W as reported by server vendors and the "
        "press, range widened to 300-500 W",
    ),
    "NVIDIA A100 PCIe 40GB": ("gpu", 250.0, None, None, "vendor datasheet (NVIDIA, A100 PCIe 40GB: 250 W)"),
    "NVIDIA A30": ("gpu", 165.0, None, None, "vendor datasheet (NVIDIA, A30: 165 W)"),
    "NVIDIA A40": ("gpu", 300.0, None, None, "vendor datasheet (NVIDIA, A40: 300 W)"),
    "NVIDIA L40": ("gpu", 300.0, None, None, "vendor datasheet (NVIDIA, L40: 300 W)"),
    "NVIDIA GH200": (
        "gpu", 1000.0, None, None,
        "vendor datasheet (NVIDIA, GH200 Grace Hopper Superchip: module power configurable 450-1000 W for the "
        "Grace CPU, Hopper GPU and memory together; add no host CPU)",
    ),
    "NVIDIA GB300": (
        "gpu", 1400.0, None, None,
        "vendor figures (NVIDIA, GB300 NVL72: up to 1400 W per Blackwell Ultra GPU; Grace CPU counted as host CPU); "
        "no per-GPU datasheet value, range widened to 1100-1400 W",
    ),
    "Intel Gaudi 2": ("other", 600.0, None, None, "vendor datasheet (Intel Habana, Gaudi 2 HL-225H OAM: 600 W TDP)"),
    "Intel Gaudi 3": (
        "other", 900.0, None, None,
        "vendor datasheet (Intel, Gaudi 3 HL-325L OAM: 900 W TDP; the HL-338 PCIe card is 600 W)",
    ),
    "AWS Trainium3": (
        "trainium", 1000.0, None, None,
        "estimate: AWS publishes no chip power (2.52 PFLOPS FP8, 144 GB HBM3e, '40 % better energy efficiency' "
        "than Trainium2 per AWS); 1000 W assumed, range 600-1400 W, high uncertainty",
    ),
}

# Accelerators whose maximum power is not one published figure: the (low, high) of max W, widened where no vendor
# figure exists. `estimate`/`recommend-region` use it for their low/high bounds; rows not listed are exact (low =
# high = max W).
MAX_W_RANGES: dict[str, tuple[float, float]] = {
    "AMD Instinct MI250X": (500.0, 560.0),
    "AMD Instinct MI300A": (550.0, 760.0),
    "NVIDIA H20": (300.0, 500.0),
    "NVIDIA GH200": (450.0, 1000.0),
    "NVIDIA GB300": (1100.0, 1400.0),
    "NVIDIA GPU (unspecified)": (150.0, 700.0),
    "AWS Inferentia": (50.0, 120.0),
    "AWS Inferentia2": (100.0, 250.0),
    "AWS Trainium": (175.0, 350.0),
    "AWS Trainium2": (350.0, 700.0),
    "AWS Trainium3": (600.0, 1400.0),
    "Google TPU v5e": (130.0, 300.0),
    "Google TPU v5p": (300.0, 650.0),
    "Google TPU v6e": (200.0, 450.0),
    "Google TPU v7": (600.0, 1100.0),
    "Xilinx VU9P": (50.0, 125.0),
    "AMD VU47P": (100.0, 225.0),
}

# --------------------------------------------------------------------------------------------------
# Embodied model inputs for types without a CCF published value.
# --------------------------------------------------------------------------------------------------
# vCPUs per socket, to count sockets on a host (CCF adds 100 kg per socket beyond the first).
VCPUS_PER_SOCKET: dict[str, int] = {
    "Graviton": 16,
    "Graviton2": 64,
    "Graviton3": 64,
    "Graviton3E": 64,
    "Graviton4": 96,
    "Graviton5": 192,
    "NVIDIA Grace": 72,
    "Apple Silicon": 64,
    "Sandy Bridge": 16,
    "Ivy Bridge": 24,
    "Haswell": 36,
    "Broadwell": 36,
    "Skylake": 48,
    "Cascade Lake": 48,
    "Coffee Lake": 12,
    "Ice Lake": 64,
    "Sapphire Rapids": 96,
    "Emerald Rapids": 128,
    "Granite Rapids": 192,
    "EPYC Gen1": 64,
    "EPYC Gen2": 96,
    "EPYC Gen3": 96,
    "EPYC Gen4": 96,
    "EPYC Gen5": 96,
    "Unknown": 48,
}
