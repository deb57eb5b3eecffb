"""coef_water: per provider and region, the water a kWh costs: on site (WUE, L per kWh of IT energy) and where the
electricity is generated (L per kWh from the generation mix x water consumed per MWh by source), each with a range
and its source, and the location's water stress.

Grid water: the country's generation mix (Our World in Data / Ember via codecarbon's global_energy_mix.json, 2022-
2023), or for a US region whose grid zone is one of the EIA-930 balancing authorities in the reference, that
authority's 2022 hourly generation by fuel, weighted by consumption per MWh by source: central the life-cycle
medians of Meldrum et al. 2013 (via codecarbon), bounds the lower and higher of those and PNNL's cooling-water
consumption (US 2015). Hydro has no factor in either source (reservoir evaporation estimates vary by orders of
magnitude): 0 in the central and low figures, the world average in the high one. Consumption, not withdrawal.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..facts import water as facts

GAL_PER_MWH_TO_L_PER_KWH = 3.78541 / 1000
CODECARBON = "mlco2/codecarbon@1e8153a48dad water_consumption_per_source.json (Meldrum et al. 2013), MIT"
PNNL = "pnnl/interflow@ff352a6c8026 cooling_water_intensities.csv (US 2015), BSD-3-Clause"
MIX = "mlco2/codecarbon@b05965e43b69 global_energy_mix.json (OWID/Ember, CC-BY-4.0), MIT"
EIA930 = "US EIA-930 hourly generation by fuel, 2022 (public domain)"
COLUMNS = ["provider", "region", "wue_l_per_kwh", "wue_low", "wue_high", "wue_source", "grid_water_l_per_kwh",
           "grid_water_low", "grid_water_high", "grid_water_source", "water_stress", "water_stress_source",
           "source", "licence"]
ROW_SOURCE = "cloudcarbon water model (coefficients/rebuild/water.py): each figure's source is in its *_source column"


def _factors(ref: Path) -> dict[str, tuple[float, float, float]]:
    """Source -> (central, low, high) litres consumed per kWh generated."""
    meldrum = json.loads((ref / "water/codecarbon_water-consumption-per-source_gal-per-MWh.json").read_text())
    pnnl = pd.read_csv(ref / "water/pnnl-interflow_cooling-water-intensities_gal-per-MWh.csv").set_index("fuel_type")
    cooling = pnnl["consumption (gal/mwh)"]
    world = meldrum["world_average"]
    pairs = {"coal": (meldrum["coal"], cooling["coal"]), "gas": (meldrum["natural_gas"], cooling["natgas"]),
             "nuclear": (meldrum["nuclear"], cooling["nuclear"]), "oil": (cooling["petroleum"],) * 2,
             "biofuel": (cooling["biomass"],) * 2, "geothermal": (meldrum["geothermal"],) * 2,
             "solar": (meldrum["solar"],) * 2, "wind": (meldrum["wind"],) * 2, "other": (world,) * 2}
    factors = {name: (central, min(central, other), max(central, other)) for name, (central, other) in pairs.items()}
    factors["hydro"] = (0.0, 0.0, world)
    return {name: tuple(v * GAL_PER_MWH_TO_L_PER_KWH for v in values) for name, values in factors.items()}


def _weighted(mix: dict[str, float], factors: dict[str, tuple[float, float, float]]) -> tuple[float, float, float]:
    total = sum(mix.values())
    return tuple(sum(share * factors[source][i] for source, share in mix.items()) / total for i in range(3))


def _country_mixes(ref: Path) -> dict[str, tuple[dict[str, float], int]]:
    raw = json.loads((ref / "coefficients/grid/codecarbon_global_energy_mix.json").read_text())
    mixes = {}
    for iso3, row in raw.items():
        parts = {"coal": row["coal_TWh"], "gas": row["gas_TWh"], "oil": row["oil_TWh"], "nuclear": row["nuclear_TWh"],
                 "hydro": row["hydroelectricity_TWh"], "solar": row["solar_TWh"], "wind": row["wind_TWh"],
                 "biofuel": row["biofuel_TWh"], "geothermal": row["other_renewable_exc_biofuel_TWh"]}
        parts["other"] = max(0.0, row["total_TWh"] - sum(parts.values()))
        if row["total_TWh"] > 0:
            mixes[iso3] = (parts, row["year"])
    return mixes


def _ba_mixes(ref: Path) -> dict[str, dict[str, float]]:
    fuels = {"WND": "wind", "SUN": "solar", "WAT": "hydro", "OIL": "oil", "NG": "gas", "COL": "coal",
             "NUC": "nuclear", "OTH": "other"}
    mixes = {}
    for path in sorted((ref / "grid-hourly/eia930-derived").glob("*_NG_and_avgCI.csv.gz")):
        hourly = pd.read_csv(path)
        mixes[path.name.split("_")[0]] = {name: float(hourly[code].clip(lower=0).sum()) for code, name in fuels.items()}
    return mixes


def build(ref: Path, regions: pd.DataFrame, grid: pd.DataFrame, zones: pd.DataFrame) -> pd.DataFrame:
    factors, mixes, bas = _factors(ref), _country_mixes(ref), _ba_mixes(ref)
    names = {str(v["country_name"]).lower(): k for k, v in
             json.loads((ref / "coefficients/grid/codecarbon_global_energy_mix.json").read_text()).items()}
    zone_names = dict(zip(zones.zone, zones.name, strict=True))

    def iso3(country: str) -> str | None:
        return facts.ISO3.get(country) or names.get(str(zone_names.get(country, "")).lower())

    places = regions[["provider", "region", "country"]].copy()
    onprem = grid.loc[grid.provider == "on-premises", ["provider", "region"]].drop_duplicates()
    onprem = onprem[onprem.region != "*"].assign(country=lambda f: f.region.str.split("-").str[0])
    places = pd.concat([places, onprem])
    zone_of = grid.dropna(subset=["zone"]).drop_duplicates(["provider", "region"]).set_index(
        ["provider", "region"]).zone
    regional, fleet = _regional_wue(ref), _fleet_wue(ref)
    world = _weighted({"other": 1.0}, factors)
    rows = []
    for provider, region, country in places.itertuples(index=False):
        ba = str(zone_of.get((provider, region), "")).split("-")[-1]
        if ba in bas:
            grid_water, grid_source = _weighted(bas[ba], factors), f"{EIA930} for {ba} x {CODECARBON}; {PNNL}"
        elif (code := iso3(country)) in mixes:
            mix, year = mixes[code]
            grid_water, grid_source = _weighted(mix, factors), f"{MIX} {code} {year} x {CODECARBON}; {PNNL}"
        else:
            grid_water, grid_source = world, f"no generation mix for {country}: world average, {CODECARBON}"
        stressed = country in facts.WRI_EXTREMELY_HIGH
        rows.append((provider, region, *regional.get((provider, region), fleet[provider]), *grid_water, grid_source,
                     "extremely high" if stressed else "not extremely high",
                     facts.WRI_SOURCE if stressed else facts.WRI_NOT_LISTED, ROW_SOURCE, facts.FACT))
    # A region the table does not know (a new one): the fleet WUE and the world's average grid water.
    rows += [(provider, "*", *fleet[provider], *world, f"world average, {CODECARBON}", None,
              "location unknown to the water table", ROW_SOURCE, facts.FACT) for provider in sorted(fleet)]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for column in frame.select_dtypes("float").columns:
        frame[column] = frame[column].round(4)
    return frame.sort_values(["provider", "region"]).reset_index(drop=True)


def _published(ref: Path) -> pd.DataFrame:
    """The providers' published regional WUE, the latest year of each region."""
    raw = pd.read_csv(ref / "coefficients/grid/gsf-real-time-cloud_Cloud_Region_Metadata.csv")
    raw = raw.assign(provider=raw["cloud-provider"].map(facts.GSF_PROVIDERS),
                     wue=pd.to_numeric(raw["water-usage-effectiveness"], errors="coerce"))
    raw = raw.dropna(subset=["provider", "wue"])
    # A year whose every region shows the same value is a fleet figure repeated, not a regional one.
    regional = raw.groupby(["provider", "year"]).wue.transform("nunique") > 1
    raw = raw[regional].sort_values("year")
    return raw.drop_duplicates(["provider", "cloud-region"], keep="last")


def _regional_wue(ref: Path) -> dict[tuple[str, str], tuple[float, float, float, str]]:
    low, high = facts.REGIONAL_RANGE
    return {(row.provider, row["cloud-region"]): (
        row.wue, row.wue * low, row.wue * high,
        facts.REGIONAL_WUE_SOURCE[row.provider].format(year=row.year) + "; " + facts.REGIONAL_RANGE_SOURCE)
        for _, row in _published(ref).iterrows()}


def _fleet_wue(ref: Path) -> dict[str, tuple[float, float, float, str]]:
    """Each provider's fleet WUE, its range the 10th-90th percentile of its published regional values (or as the
    facts state where it publishes none)."""
    published = _published(ref)
    fleet = {}
    for provider, (central, source) in facts.FLEET_WUE.items():
        if provider in facts.FLEET_RANGE:
            low, high, why = facts.FLEET_RANGE[provider]
        else:
            values = published.loc[published.provider == provider, "wue"]
            low, high = float(values.quantile(0.1)), float(values.quantile(0.9))
            why = f"range: 10th-90th percentile of its {len(values)} published regional values"
        fleet[provider] = (central, min(low, central), max(high, central), f"{source}; {why}")
    return fleet
