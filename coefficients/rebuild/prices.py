"""The planning tables: prices, availability, machine upgrades and continents (called by rebuild/__main__.py).

- prices.csv: on-demand Linux USD per hour per (provider, region, instance type). AWS from karpenter's
  generated price list (Apache-2.0; us-east-1 and the two GovCloud regions, USD only), GCP from Cyclenerd's
  per-region price file (Apache-2.0), Azure from karpenter-provider-azure's generated list (Apache-2.0: the
  Retail Prices API's Linux pay-as-you-go meters, 57 public regions; VM sizes only, dedicated hosts left out).
- availability.csv: a type is offered in a region when that region's price list lists it (the same two
  sources). Only regions covered by a source get rows; elsewhere availability is unknown, not assumed.
- machine_upgrades.csv and continents.csv are small hand-curated tables (MACHINE_UPGRADES, CONTINENTS
  below), every row cited.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..facts.licences import APACHE, FACT

KARPENTER = "karpenter-provider-aws@1d927085dd81 price list ({date})"
CYCLENERD = "Cyclenerd/google-cloud-pricing-cost-calculator@fd66b26ff84f (2026-07-30)"
COROOT = "coroot/cloud-pricing 2024-09-27"
KARPENTER_AZURE = "karpenter-provider-azure@2b431da153a6 ({date})"  # Retail Prices API, Linux pay-as-you-go

LAMBDA_A100 = ("Lambda Labs, 'NVIDIA A100 GPU Benchmarks for Deep Learning' (2020): language-model training "
               "1.95x-2.5x faster than V100 with FP16 Tensor Cores")
MLPERF_H100 = ("MLPerf Training v3.0 (2023), matched Dell submissions H100-SXM5-80GB vs A100-SXM-80GB: ResNet-50 "
               "7.8 vs 14.4 min (1.8x), DLRM 4.3 vs 8.4 min (2.0x), 3D-UNet 7.6 vs 11.0 min (1.4x); NVIDIA "
               "reported a 1.9x average over eight workloads in MLPerf Training v2.1")
GRAVITON = ("cloudcarbon assumption: one Graviton vCPU (a whole core) does the work of one x86 vCPU (a hyperthread); "
            "range 0.8-1.25 for workload variation; AWS publishes price-performance, not per-vCPU throughput")
NEWER_X86 = ("cloudcarbon assumption: same work per vCPU on the newer x86 generation (conservative; vendors claim "
             "10-20 % per generation)")

# kind, from_family, to_family, throughput ratio (work per accelerator or per vCPU, to/from), low, high, workload,
# source. The ratio divides the hours needed for the same work.
MACHINE_UPGRADES = [
    ("gpu", "p3", "p4d", 2.2, 1.95, 2.5, "deep-learning training (FP16)", LAMBDA_A100),
    ("gpu", "p3dn", "p4d", 2.2, 1.95, 2.5, "deep-learning training (FP16)", LAMBDA_A100),
    ("gpu", "p4d", "p5", 1.9, 1.4, 2.0, "deep-learning training", MLPERF_H100),
    ("gpu", "p4de", "p5", 1.9, 1.4, 2.0, "deep-learning training", MLPERF_H100),
    ("cpu", "m4", "m7g", 1.0, 0.8, 1.25, "general purpose", GRAVITON),
    ("cpu", "m5", "m7g", 1.0, 0.8, 1.25, "general purpose", GRAVITON),
    ("cpu", "m5a", "m7g", 1.0, 0.8, 1.25, "general purpose", GRAVITON),
    ("cpu", "m6i", "m7g", 1.0, 0.8, 1.25, "general purpose", GRAVITON),
    ("cpu", "m6a", "m7g", 1.0, 0.8, 1.25, "general purpose", GRAVITON),
    ("cpu", "c4", "c7g", 1.0, 0.8, 1.25, "compute optimised", GRAVITON),
    ("cpu", "c5", "c7g", 1.0, 0.8, 1.25, "compute optimised", GRAVITON),
    ("cpu", "c5a", "c7g", 1.0, 0.8, 1.25, "compute optimised", GRAVITON),
    ("cpu", "c6i", "c7g", 1.0, 0.8, 1.25, "compute optimised", GRAVITON),
    ("cpu", "r4", "r7g", 1.0, 0.8, 1.25, "memory optimised", GRAVITON),
    ("cpu", "r5", "r7g", 1.0, 0.8, 1.25, "memory optimised", GRAVITON),
    ("cpu", "r6i", "r7g", 1.0, 0.8, 1.25, "memory optimised", GRAVITON),
    ("cpu", "t2", "t4g", 1.0, 0.8, 1.25, "burstable", GRAVITON),
    ("cpu", "t3", "t4g", 1.0, 0.8, 1.25, "burstable", GRAVITON),
    ("cpu", "t3a", "t4g", 1.0, 0.8, 1.25, "burstable", GRAVITON),
    ("cpu", "m4", "m7i", 1.0, 1.0, 1.2, "general purpose, x86 kept", NEWER_X86),
    ("cpu", "c4", "c7i", 1.0, 1.0, 1.2, "compute optimised, x86 kept", NEWER_X86),
    ("gpu", "a2", "a3", 1.9, 1.4, 2.0, "deep-learning training", MLPERF_H100),
]

M49 = "UN M49 standard country or area codes (geographic regions)"
CONTINENTS = {
    "Africa": "ZA NG KE EG MA",
    "Asia": "HK TW JP KR IN SG ID MY TH CN IL AE BH QA SA",
    "Europe": "DE CH SE IT ES IE GB FR FI NL BE PL NO AT DK",
    "North America": "US CA MX",
    "South America": "BR CL",
    "Oceania": "AU NZ",
}
CONTINENT_CODES = {"Africa": "AF", "Asia": "AS", "Europe": "EU", "North America": "NA", "South America": "SA",
                   "Oceania": "OC"}


def aws_prices(ref: Path) -> pd.DataFrame:
    raw = pd.read_csv(ref / "coefficients/prices/karpenter_aws_ondemand-linux-prices.csv")
    raw = raw[raw.region != "cn-north-1"]  # priced in CNY; this table is USD only
    return pd.DataFrame({
        "provider": "aws", "region": raw.region, "instance_type": raw.instance_type,
        "usd_per_hour": raw.usd_per_hour_ondemand_linux, "price_date": raw.generated_at.str[:10],
        "source": [KARPENTER.format(date=d[:10]) for d in raw.generated_at], "licence": APACHE,
    })


def aws_derived_prices(ref: Path, listed: pd.DataFrame) -> pd.DataFrame:
    """AWS regions without a current list: the current us-east-1 price x that region's price ratio for the family
    in the newest all-region table (coroot/cloud-pricing, 2024-09-27). That table's on-demand column mixes in
    dedicated-tenancy rates for some types, so the ratio is the median over the family's types priced in both
    regions, never one type's. Labelled `derived`, both dates in the source."""
    raw = pd.read_csv(ref / "coefficients/prices/multi-coroot-cloud-pricing/coroot_aws-compute-prices_2024-09-27.csv")
    raw = raw[raw.instance_type.str.contains(".", regex=False) & (raw.usd_per_hour_ondemand_tenancy_unfiltered > 0)
              & (raw.currency == "USD")]
    base = raw[raw.region == "us-east-1"].set_index("instance_type").usd_per_hour_ondemand_tenancy_unfiltered
    # Commercial regions only: GovCloud has a current list, a Local Zone is not a region one moves to.
    other = raw[(raw.region != "us-east-1") & ~raw.region.str.startswith("us-gov") & (raw.region.str.count("-") == 2)]
    other = other.assign(ratio=other.usd_per_hour_ondemand_tenancy_unfiltered / other.instance_type.map(base),
                         family=other.instance_type.str.split(".").str[0]).dropna(subset=["ratio"])
    ratios = other.groupby(["region", "family"]).ratio.agg(["median", "count"]).reset_index()
    current = listed[listed.region == "us-east-1"]
    current = current.assign(family=current.instance_type.str.split(".").str[0])
    derived = current.merge(ratios, on="family")
    return pd.DataFrame({
        "provider": "aws", "region": derived.region_y, "instance_type": derived.instance_type,
        "usd_per_hour": derived.usd_per_hour * derived["median"], "price_date": derived.price_date,
        "price_basis": "derived",
        "source": [f"derived: {d} us-east-1 list x {COROOT} {f} ratio {r:.3f} (median of {n})"
                   for d, f, r, n in zip(derived.price_date, derived.family, derived["median"], derived["count"],
                                         strict=True)],
        "licence": APACHE,
    })


def gcp_prices(ref: Path) -> pd.DataFrame:
    raw = pd.read_csv(ref / "coefficients/prices/cyclenerd_gcp_compute-instance-prices_2026-07-30.csv")
    raw = raw[raw.usd_hour.notna() & (raw.usd_hour > 0)]
    return pd.DataFrame({
        "provider": "gcp", "region": raw.region, "instance_type": raw.machine_type, "usd_per_hour": raw.usd_hour,
        "price_date": "2026-07-30", "source": CYCLENERD, "licence": APACHE,
    })


def azure_prices(ref: Path) -> pd.DataFrame:
    raw = pd.read_csv(ref / "coefficients/prices/azure-karpenter-provider-azure/"
                            "karpenter-azure_ondemand-linux-prices_2026-06-18.csv")
    # VM sizes in USD; `other` keys are dedicated hosts (priced per host) and meters without a size name. Only
    # sizes the instance table knows (written before this table): no other size can be estimated or moved to.
    known = pd.read_csv(Path(__file__).resolve().parents[1] / "data" / "instances.csv")
    known = set(known.loc[known.provider == "azure", "instance_type"])
    raw = raw[(raw.sku_kind == "vm") & (raw.currency == "USD") & (raw.usd_per_hour > 0)
              & raw.arm_sku_name.isin(known)]
    return pd.DataFrame({
        "provider": "azure", "region": raw.region, "instance_type": raw.arm_sku_name, "usd_per_hour": raw.usd_per_hour,
        "price_date": raw.price_date, "source": [KARPENTER_AZURE.format(date=d) for d in raw.price_date],
        "licence": APACHE,
    })


def build(ref: Path) -> dict[str, pd.DataFrame]:
    listed = pd.concat([aws_prices(ref), gcp_prices(ref), azure_prices(ref)]).assign(price_basis="list")
    # A region's list price, where there is one, wins over a derived one.
    prices = pd.concat([listed, aws_derived_prices(ref, listed[listed.provider == "aws"])]).drop_duplicates(
        ["provider", "region", "instance_type"])
    prices = prices.sort_values(["provider", "region", "instance_type"])
    prices["usd_per_hour"] = prices.usd_per_hour.round(6)
    prices = prices[["provider", "region", "instance_type", "usd_per_hour", "price_date", "price_basis", "source",
                     "licence"]]
    # Offered where a current list prices it; a derived price says nothing about availability.
    offered = prices[prices.price_basis == "list"]
    availability = offered[["provider", "region", "instance_type"]].copy()
    availability["source"] = offered.source.where(
        offered.provider != "gcp", CYCLENERD + "; priced = offered (over-approximates)")
    availability["licence"] = APACHE
    upgrades = pd.DataFrame(MACHINE_UPGRADES, columns=[
        "kind", "from_family", "to_family", "throughput_ratio", "ratio_low", "ratio_high", "workload", "source"])
    upgrades["licence"] = FACT
    continents = pd.DataFrame(
        [(c, name, CONTINENT_CODES[name], M49, FACT)
         for name, codes in CONTINENTS.items() for c in codes.split()],
        columns=["country", "continent", "continent_code", "source", "licence"],
    ).sort_values("country")
    return {"prices": prices, "availability": availability, "machine_upgrades": upgrades, "continents": continents}
