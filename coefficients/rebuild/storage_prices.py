"""The planning tables that price moving storage and data (called by rebuild/__main__.py after prices.py):

- storage_prices.csv: USD per GB-month per (provider, region, class: object | archive | block-ssd | block-hdd).
  Google Cloud from Cyclenerd's per-region price file (list). AWS and Azure have no open all-region storage table:
  the main US region's list price (facts/storage_prices.py) x the region's median compute price ratio to that
  region (prices.csv), labelled `derived` with both sources.
- transfer_prices.csv: USD per GB out of a region, to another region of the provider (`to_region` a region id, or
  `*` for any) or to the internet (`internet`: the first paid tier). AWS pairs from skyplane's table (2023, list);
  every other pair at the provider's published inter-region rate of its main US region (derived elsewhere); internet
  egress from coroot/cloud-pricing (2024-09-27) for AWS and Azure, Cyclenerd (2026-07-30) for Google Cloud.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from ..facts.licences import APACHE
from ..facts.storage_prices import ANCHORS, CLOUDPRICE_EGRESS, INTER_REGION
from . import nearest_prices
from .prices import COROOT, CYCLENERD

SKYPLANE = "skyplane-project/skyplane@0513671c90b7 aws_transfer_costs.csv (2023-04)"
STORAGE_COLUMNS = ["provider", "region", "storage_class", "usd_per_gb_month", "price_date", "price_basis", "source",
                   "licence"]
TRANSFER_COLUMNS = ["provider", "from_region", "to_region", "usd_per_gb", "price_date", "price_basis", "source",
                    "licence"]


def _gcp(ref: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    data = yaml.safe_load((ref / "coefficients/prices/cyclenerd_gcp_pricing_2026-07-30.yml").read_text())
    classes = {"object": data["storage"]["bucket"]["standard"]["cost"],
               "archive": data["storage"]["bucket"]["archiv"]["cost"],
               "block-ssd": data["compute"]["storage"]["balanced"]["cost"],
               "block-hdd": data["compute"]["storage"]["hdd"]["cost"]}
    storage = pd.DataFrame([("gcp", region, name, price["month"], "2026-07-30", "list", CYCLENERD, APACHE)
                            for name, regions in classes.items() for region, price in regions.items()
                            if price.get("month")], columns=STORAGE_COLUMNS)
    egress = data["compute"]["network"]["traffic"]["egress"]["internet"]["cost"]["0-1"]
    internet = pd.DataFrame([("gcp", region, "internet", price["month"], "2026-07-30", "list",
                              CYCLENERD + ": internet egress, first TiB", APACHE)
                             for region, price in egress.items() if price.get("month")], columns=TRANSFER_COLUMNS)
    return storage, internet


def _derived_storage(prices: pd.DataFrame, provider: str) -> pd.DataFrame:
    """The anchor region's storage prices x each region's median compute price ratio to the anchor region."""
    anchor, date, classes = ANCHORS[provider]
    own = prices[prices.provider == provider]
    base = own[own.region == anchor].set_index("instance_type").usd_per_hour
    ratios = (own.assign(ratio=own.usd_per_hour / own.instance_type.map(base)).dropna(subset=["ratio"])
              .groupby("region").ratio.agg(["median", "count"]))
    rows = []
    for region, (ratio, count) in ratios.iterrows():
        for name, (price, source, licence) in classes.items():
            if region == anchor:
                rows.append((provider, region, name, price, date, "list", source, licence))
            else:
                rows.append((provider, region, name, price * ratio, date, "derived",
                             f"derived: {source} x {region}'s median compute price ratio to {anchor} {ratio:.3f} "
                             f"(median of {int(count)} types, prices.csv)", licence))
    return pd.DataFrame(rows, columns=STORAGE_COLUMNS)


def _internet(ref: Path, provider: str) -> pd.DataFrame:
    """The first paid tier of internet egress per region (coroot's tiers; a free first tier is skipped)."""
    raw = pd.read_csv(ref / "coefficients/prices/multi-coroot-cloud-pricing/coroot_internet-egress_2024-09-27.csv")
    raw = raw[(raw.provider == provider) & (raw.usd_per_gb > 0) & (raw.region != "Global")]
    first = raw.sort_values("tier_start_gb").drop_duplicates("region")
    return pd.DataFrame({"provider": provider, "from_region": first.region, "to_region": "internet",
                         "usd_per_gb": first.usd_per_gb, "price_date": "2024-09-27", "price_basis": "list",
                         "source": f"{COROOT}: internet egress, first paid tier", "licence": APACHE})


def _inter_region(regions: pd.DataFrame) -> pd.DataFrame:
    """Every region to any other region of its provider at the main US region's published rate."""
    rows = []
    for provider, region in regions[["provider", "region"]].drop_duplicates().itertuples(index=False):
        anchor, rate = INTER_REGION[provider]
        rows.append((provider, region, "*", rate, "2026-05-06", "list" if region == anchor else "derived",
                     f"{CLOUDPRICE_EGRESS}: inter-region rate of {anchor}"
                     + ("" if region == anchor else ", applied to every region without its own"), "MIT"))
    return pd.DataFrame(rows, columns=TRANSFER_COLUMNS)


def build(ref: Path, prices: pd.DataFrame, regions: pd.DataFrame) -> dict[str, pd.DataFrame]:
    gcp_storage, gcp_internet = _gcp(ref)
    storage = pd.concat([gcp_storage, _derived_storage(prices, "aws"), _derived_storage(prices, "azure")])
    storage = storage.merge(regions[["provider", "region"]].drop_duplicates())  # regions a move can go to
    storage["usd_per_gb_month"] = storage.usd_per_gb_month.round(6)
    skyplane = pd.read_csv(ref / "coefficients/prices/aws-skyplane/skyplane_aws-transfer-costs.csv")
    pairs = skyplane[skyplane.dst != "internet"]
    aws_pairs = pd.DataFrame({"provider": "aws", "from_region": pairs.src, "to_region": pairs.dst,
                              "usd_per_gb": pairs.cost, "price_date": "2023-04-27", "price_basis": "list",
                              "source": SKYPLANE, "licence": APACHE})
    transfer = pd.concat([aws_pairs, _inter_region(regions), _internet(ref, "aws"), _internet(ref, "azure"),
                          gcp_internet])
    storage = nearest_prices.fill(storage, regions)
    # Every region has its inter-region rate ('*'); internet egress is filled on its own.
    internet = transfer.to_region == "internet"
    transfer = pd.concat([transfer[~internet], nearest_prices.fill(transfer[internet], regions, "from_region")])
    return {"storage_prices": storage.sort_values(["provider", "region", "storage_class"])[STORAGE_COLUMNS],
            "transfer_prices": transfer.sort_values(["provider", "from_region", "to_region"])[TRANSFER_COLUMNS]}
