"""`footprint --temporal hourly`: hourly bill lines at their hour's grid intensity (the shipped hour-of-day x month
profile of the region's zone), checked against the profile file by hand; lines longer than an hour and zones
without a profile keep the annual figure and say so."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import usage_error
from curfiles import item, write_cur

from cloudcarbon.coefficients.loader import data_path

LINES = [
    # Two hours of the same instance type in PJM (us-east-1), at night and in the afternoon (UTC).
    item(resource_id="i-night", start="2025-01-15T03:00:00Z", end="2025-01-15T04:00:00Z"),
    item(resource_id="i-noon", start="2025-01-15T15:00:00Z", end="2025-01-15T16:00:00Z"),
    # A daily line cannot be placed at an hour; Ireland has no hourly profile.
    item(resource_id="i-daily", start="2025-01-16T00:00:00Z", end="2025-01-17T00:00:00Z", amount=24.0),
    item(resource_id="i-dublin", region="eu-west-1", az="eu-west-1a", usage_type="EU-BoxUsage:m5.large",
         start="2025-01-15T15:00:00Z", end="2025-01-15T16:00:00Z"),
]


@pytest.fixture
def ingested(run, tmp_path: Path):
    run("ingest", "aws", str(write_cur(tmp_path / "cur.parquet", LINES)))
    return run


def rows(run, *args: str) -> list[dict]:
    return json.loads(run("footprint", "--month", "2025-01", "--format", "json", *args).stdout)["rows"]


def ratio(zone: str, month: int, hour: int) -> float:
    profile = pd.read_csv(data_path("grid_hourly"))
    return float(profile.loc[(profile.zone == zone) & (profile.month == month) & (profile.hour_utc == hour),
                             "ratio"].iloc[0])


def test_each_hour_is_weighed_by_its_zones_profile(ingested) -> None:
    annual = {r["resource"]: r for r in rows(ingested, "--by", "resource")}
    hourly = {r["resource"]: r for r in rows(ingested, "--by", "resource", "--temporal", "hourly")}
    for resource, hour in (("i-night", 3), ("i-noon", 15)):
        expected = annual[resource]["operational_kgco2e"] * ratio("US-MIDA-PJM", 1, hour)
        assert hourly[resource]["operational_kgco2e"] == pytest.approx(expected, rel=1e-9)
        assert hourly[resource]["operational_kgco2e_annual"] == pytest.approx(annual[resource]["operational_kgco2e"])
        assert hourly[resource]["embodied_kgco2e"] == pytest.approx(annual[resource]["embodied_kgco2e"])
        assert hourly[resource]["hourly_energy_share"] == 1
        assert hourly[resource]["temporal_change_pct"] == pytest.approx(100 * (ratio("US-MIDA-PJM", 1, hour) - 1))
        assert hourly[resource]["operational_kgco2e_low"] <= hourly[resource]["operational_kgco2e"] \
            <= hourly[resource]["operational_kgco2e_high"]
    # The same instance, two hours: the profile tells them apart (the annual figure cannot).
    assert annual["i-night"]["operational_kgco2e"] == pytest.approx(annual["i-noon"]["operational_kgco2e"])
    assert hourly["i-night"]["operational_kgco2e"] != pytest.approx(hourly["i-noon"]["operational_kgco2e"])
    for resource in ("i-daily", "i-dublin"):  # a day-long line; a zone without a profile
        assert hourly[resource]["operational_kgco2e"] == pytest.approx(annual[resource]["operational_kgco2e"])
        assert hourly[resource]["temporal_change_kgco2e"] == pytest.approx(0) and \
            hourly[resource]["hourly_energy_share"] == 0


def test_totals_say_how_much_was_placed_by_hour_and_which_method(ingested) -> None:
    (total,) = rows(ingested, "--by", "month", "--temporal", "hourly")
    (annual,) = rows(ingested, "--by", "month")
    assert total["operational_kgco2e_annual"] == pytest.approx(annual["operational_kgco2e"])
    assert 0 < total["hourly_energy_share"] < 1
    assert total["total_kgco2e"] == pytest.approx(total["operational_kgco2e"] + total["embodied_kgco2e"])
    assert total["temporal_change_kgco2e"] == pytest.approx(total["operational_kgco2e"] - annual["operational_kgco2e"])
    assert "hourly grid intensity" in total["x_CarbonMethod"] and "hourly" not in annual["x_CarbonMethod"]
    meta = json.loads(ingested("footprint", "--temporal", "hourly", "--format", "json").stdout)["meta"]
    assert "not marginal" in meta["temporal"]


@pytest.mark.parametrize("args", [["--temporal", "hourly", "--trace"], ["--temporal", "hourly", "--forecast"],
                                  ["--temporal", "hourly", "--cpu-utilization", "0.3"], ["--temporal", "weekly"]])
def test_usage_errors(ingested, args: list[str]) -> None:
    usage_error(ingested("footprint", *args, expect=2), "--temporal")
