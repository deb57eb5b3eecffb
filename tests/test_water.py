"""Water: every footprint row carries the litres consumed on site (WUE x IT energy) and in generating its electricity
(grid water per kWh x facility energy), with a range and sources; estimate and recommend-region show it, and
recommend-region ranks by it on request. Figures are checked against the shipped table and the reference data."""

from __future__ import annotations

import io
import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import REFERENCE, no_reference, usage_error

from cloudcarbon.cli import cli
from cloudcarbon.coefficients.loader import data_path


def invoke(db: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", str(db), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def table() -> pd.DataFrame:
    return pd.read_csv(data_path("water"))


def test_each_traced_row_is_its_energy_times_its_regions_factors(demo_store: Path) -> None:
    rows = pd.read_csv(io.StringIO(invoke(demo_store, "footprint", "--month", "2026-10", "--trace", "--format",
                                          "csv")))
    rows = rows[rows.energy_kwh > 0]
    water = table().set_index(["provider", "region"])
    sample = rows.sample(200, random_state=1) if len(rows) > 200 else rows
    for row in sample.itertuples():
        factors = water.loc[("aws", row.region_id)]
        assert row.wue_l_per_kwh == factors.wue_l_per_kwh and row.grid_water_l_per_kwh == factors.grid_water_l_per_kwh
        assert row.water_onsite_l == pytest.approx(row.energy_kwh / row.pue * factors.wue_l_per_kwh)
        assert row.water_grid_l == pytest.approx(row.energy_kwh * factors.grid_water_l_per_kwh)
        assert row.water_l_low <= row.water_l <= row.water_l_high
        assert row.wue_source and row.grid_water_source and row.water_stress_source
    assert (rows.water_l > 0).all()


def test_footprint_the_stored_table_and_the_report_agree_on_water(demo_store: Path) -> None:
    frame = pd.DataFrame(json.loads(invoke(demo_store, "footprint", "--month", "2026-10", "--by", "region",
                                           "--format", "json"))["rows"])
    with duckdb.connect(str(demo_store), read_only=True) as con:
        stored = dict(con.execute("SELECT region, sum(water_l) FROM footprint WHERE month = '2026-10' "
                                  "GROUP BY region").fetchall())
    for row in frame.itertuples():
        assert float(stored[row.region]) == pytest.approx(row.water_l)
        assert row.water_l == pytest.approx(row.water_onsite_l + row.water_grid_l)
        assert row.water_l_low < row.water_l < row.water_l_high


def test_every_region_a_move_can_reach_has_water_factors_and_stress() -> None:
    regions = pd.read_csv(data_path("regions"))
    water = table()
    known = set(zip(water.provider, water.region, strict=True))
    assert all((p, r) in known for p, r in zip(regions.provider, regions.region, strict=True))
    assert {"aws", "azure", "gcp", "on-premises"} <= {p for p, r in known if r == "*"}
    for column in ("wue", "grid_water"):
        central = water[f"{column}_l_per_kwh"]
        assert (water[f"{column}_low"] <= central).all() and (central <= water[f"{column}_high"]).all()
    stress = water.set_index(["provider", "region"]).water_stress
    assert stress[("aws", "me-central-1")] == "extremely high" and stress[("aws", "eu-north-1")] == "not extremely high"
    assert stress[("gcp", "europe-west1")] == "extremely high"  # Belgium, in WRI's 2023 list


def test_grid_water_is_the_generation_mix_times_the_factors_per_source() -> None:
    mix_file = REFERENCE / "coefficients/grid/codecarbon_global_energy_mix.json"
    factor_file = REFERENCE / "water/codecarbon_water-consumption-per-source_gal-per-MWh.json"
    if not mix_file.exists() or not factor_file.exists():
        pytest.skip(no_reference(mix_file))
    sweden = json.loads(mix_file.read_text())["SWE"]
    gal = json.loads(factor_file.read_text())
    # By hand, central factors (Meldrum et al. via codecarbon), hydro 0, oil/biofuel at PNNL's cooling consumption.
    litres = {"coal_TWh": gal["coal"], "gas_TWh": gal["natural_gas"], "nuclear_TWh": gal["nuclear"],
              "solar_TWh": gal["solar"], "wind_TWh": gal["wind"], "hydroelectricity_TWh": 0.0,
              "other_renewable_exc_biofuel_TWh": gal["geothermal"], "oil_TWh": 395.5236264, "biofuel_TWh": 302.6}
    parts = sum(sweden[k] for k in litres)
    other = max(0.0, sweden["total_TWh"] - parts) * gal["world_average"]
    expected = (sum(sweden[k] * v for k, v in litres.items()) + other) / sweden["total_TWh"] * 3.78541 / 1000
    row = table().set_index(["provider", "region"]).loc[("azure", "swedencentral")]
    assert row.grid_water_l_per_kwh == pytest.approx(expected, abs=1e-4)
    assert "SWE" in row.grid_water_source


def test_estimate_and_recommend_region_show_water_and_rank_by_it(run) -> None:
    document = json.loads(run("estimate", "--instance-type", "m5.large", "--region", "us-east-1", "--hours", "720",
                              "--count", "10", "--format", "json").stdout)
    requested = document["rows"][0]
    assert requested["water_l_low"] < requested["water_l"] < requested["water_l_high"]
    assert requested["water_l"] == pytest.approx(requested["water_onsite_l"] + requested["water_grid_l"])
    ranked = json.loads(run("recommend-region", "--instance-type", "m5.large", "--region", "us-east-1", "--hours",
                            "720", "--count", "10", "--rank-by", "water", "--format", "json").stdout)
    kept = sorted((r for r in ranked["rows"] if not r["current"]), key=lambda r: r["rank"])
    assert [r["water_l"] for r in kept] == sorted(r["water_l"] for r in kept)
    current = next(r for r in ranked["rows"] if r["current"])
    assert current["water_l"] == pytest.approx(requested["water_l"])
    assert kept[0]["water_l_saved"] == pytest.approx(current["water_l"] - kept[0]["water_l"])
    assert "litres of water" in ranked["meta"]["rule"]
    usage_error(run("recommend-region", "--instance-type", "m5.large", "--region", "us-east-1", "--hours", "1",
                    "--rank-by", "water", "--carbon-price", "80", expect=2), "--rank-by")
