"""Regions no open price table lists (launched after every table, or new to a provider's list): priced as the
nearest region of the same provider that has prices (in the same country where there is one), labelled `derived`
with that region and its distance, so a move there has a cost and says how it was reached. Regions outside the
commercial market keep no price: China (another partition, priced in CNY), government and defence clouds, canary
regions (EUAP), and Google Cloud's multi-regions (no machines run "in" them)."""

from __future__ import annotations

import math
import re

import pandas as pd

NOT_COMMERCIAL = re.compile(r"^(cn-|china|usgov|usdod|us-gov-)|euap$")
GCP_REGION = re.compile(r"^[a-z]+-[a-z]+\d+$")
EARTH_KM = 6371.0


def priceable(provider: str, region: str) -> bool:
    return not NOT_COMMERCIAL.search(region) and (provider != "gcp" or bool(GCP_REGION.match(region)))


def _km(a: pd.Series, b: pd.Series) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(h))


def fill(frame: pd.DataFrame, regions: pd.DataFrame, region_column: str = "region") -> pd.DataFrame:
    """`frame` (provider, `region_column`, ..., price_basis, source) plus, for every commercial region of
    `regions` it lacks, a copy of its nearest priced region's rows."""
    places = regions.set_index(["provider", "region"])
    added = []
    for provider, own in frame.groupby("provider"):
        if provider not in places.index.get_level_values(0):
            continue
        known = list(places.loc[provider].index)
        priced = set(own[region_column]) & set(known)
        for region in known:
            if region in set(own[region_column]) or not priceable(provider, region):
                continue
            here = places.loc[(provider, region)]
            # A priced region in the same country first (prices follow the market), then the nearest.
            _, km, near = min((places.loc[(provider, other)].country != here.country,
                               _km(here, places.loc[(provider, other)]), other) for other in sorted(priced))
            copy = own[own[region_column] == near].copy()
            copy[region_column] = region
            copy["price_basis"] = "derived"
            copy["source"] = (f"derived: no open price list for {region}; the nearest priced region {near} "
                              f"({km:,.0f} km): ") + copy["source"]
            added.append(copy)
    return pd.concat([frame, *added], ignore_index=True) if added else frame
