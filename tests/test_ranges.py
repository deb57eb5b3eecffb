"""Low/high carry the uncertainty of PUE and grid intensity as well as utilisation (METHODOLOGY.md "Ranges")."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from curfiles import item, write_cur

from cloudcarbon.coefficients.loader import data_path


def table(name: str) -> pd.DataFrame:
    return pd.read_csv(data_path(name), keep_default_na=False, na_values=[""])


def trace_row(run) -> dict:
    [row] = json.loads(run("footprint", "--trace", "--format", "json").stdout)["rows"]
    return row


def grid_bounds(region: str, year: int) -> tuple[float, float]:
    """The zone's three years nearest the usage year (ties: the earlier year first)."""
    rows = table("grid")
    rows = rows[(rows.provider == "aws") & (rows.region == region)]
    rows = rows.assign(distance=(rows.year - year).abs()).sort_values(["distance", "year"]).head(3)
    return float(rows.gco2e_per_kwh.min()), float(rows.gco2e_per_kwh.max())


def pue_bounds(region: str) -> tuple[float, float]:
    rows = table("pue")
    regional = rows[(rows.provider == "aws") & (rows.region == region)]
    picked = regional if len(regional) else rows[rows.provider == "aws"]
    return float(picked.pue.min()), float(picked.pue.max())


@pytest.mark.parametrize(("region", "year"), [("eu-west-1", 2026), ("us-east-1", 2023), ("ap-south-1", 2022)])
def test_bounds_hold_pue_and_grid_spread(tmp_path, run, region, year):
    line = item(region=region, az=f"{region}a", start=f"{year}-03-10T00:00:00Z", end=f"{year}-03-10T01:00:00Z",
                period=f"{year}-03")
    run("ingest", "aws", str(write_cur(tmp_path / "cur.parquet", [line])))
    row = trace_row(run)
    grid_low, grid_high = grid_bounds(region, year)
    pue_low, pue_high = pue_bounds(region)
    assert row["grid_gco2e_per_kwh_low"] == pytest.approx(min(grid_low, row["grid_gco2e_per_kwh"]))
    assert row["grid_gco2e_per_kwh_high"] == pytest.approx(max(grid_high, row["grid_gco2e_per_kwh"]))
    assert row["pue_low"] == pytest.approx(min(pue_low, row["pue"]))
    assert row["pue_high"] == pytest.approx(max(pue_high, row["pue"]))
    it_low = row["cpu_kwh_low"] + row["memory_kwh"] + row["gpu_kwh_low"] + row["storage_kwh"] + row["network_kwh"]
    it_high = row["cpu_kwh_high"] + row["memory_kwh_high"] + row["gpu_kwh_high"] + row["storage_kwh"] \
        + row["network_kwh"]
    assert row["energy_kwh_low"] == pytest.approx(it_low * row["pue_low"])
    assert row["energy_kwh_high"] == pytest.approx(it_high * row["pue_high"])
    assert row["operational_kgco2e_low"] == pytest.approx(
        it_low * row["pue_low"] * row["grid_gco2e_per_kwh_low"] / 1000)
    assert row["operational_kgco2e_high"] == pytest.approx(
        it_high * row["pue_high"] * row["grid_gco2e_per_kwh_high"] / 1000)


def test_a_stated_pue_is_exact(tmp_path, run):
    """An on-premises inventory's own PUE describes its site: no library spread around it."""
    inventory = tmp_path / "servers.csv"
    inventory.write_text("server,month,hours,location,vcpus,cpu_model,memory_gib,pue\n"
                         "web-01,2026-09,720,DE,64,Intel Xeon Gold 6248R,384,1.6\n")
    run("ingest", "onprem", str(inventory))
    row = trace_row(run)
    assert row["pue"] == row["pue_low"] == row["pue_high"] == 1.6
    assert row["grid_gco2e_per_kwh_low"] < row["grid_gco2e_per_kwh_high"]
