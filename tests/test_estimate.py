"""`cloudcarbon estimate`: a planned job through the footprint query, offline, with overrides."""

from __future__ import annotations

import json

import duckdb
import pytest
from conftest import one_line_error, usage_error

from cloudcarbon.coefficients_show import _one_hour


def _json(result):
    return json.loads(result.stdout)["rows"]


def test_estimate_equals_the_footprint_of_the_same_instance_hours(run):
    rows = _json(run("estimate", "--instance-type", "m5.large", "--region", "eu-west-1", "--hours", "10",
                     "--count", "3", "--year", "2025", "--format", "json"))
    first = rows[0]
    assert first["role"] == "requested" and first["region"] == "eu-west-1"
    hour = _one_hour("aws", "m5.large", "eu-west-1", 2025)  # footprint_rows over one instance-hour
    assert first["energy_kwh"] == pytest.approx(30 * hour["energy_kwh"])
    assert first["operational_kgco2e"] == pytest.approx(30 * hour["operational_kgco2e"])
    assert first["embodied_kgco2e"] == pytest.approx(30 * hour["embodied_kgco2e"])
    assert first["total_kgco2e_low"] <= first["total_kgco2e"] <= first["total_kgco2e_high"]
    for key in ("energy_kwh_low", "energy_kwh_high", "operational_kgco2e_low", "cost", "currency"):
        assert key in first
    # The three best regions follow, lowest CO2e first, none worse than each other's order.
    alternatives = rows[1:]
    assert len(alternatives) == 3 and all(r["role"] == "alternative" for r in alternatives)
    totals = [r["total_kgco2e"] for r in alternatives]
    assert totals == sorted(totals) and totals[0] < first["total_kgco2e"]


def test_overrides_replace_pue_and_intensity_for_the_requested_region_only(run):
    plain = _json(run("estimate", "--instance-type", "p3.2xlarge", "--region", "us-east-1", "--hours", "100",
                      "--format", "json"))[0]
    rows = _json(run("estimate", "--instance-type", "p3.2xlarge", "--region", "us-east-1", "--hours", "100",
                     "--pue", "1.5", "--grid-intensity", "800", "--gpu-utilization", "0.9", "--format", "json"))
    first = rows[0]
    assert first["pue"] == 1.5 and first["intensity_gco2e_per_kwh"] == 800
    assert first["pue_source"] == "user-supplied (--pue)" and first["intensity_signal"] == "user-supplied"
    assert first["gpu_utilization"] == 0.9 and first["energy_kwh"] > plain["energy_kwh"]
    assert first["operational_kgco2e"] == pytest.approx(first["energy_kwh"] * 0.8)
    assert all(r["intensity_signal"] != "user-supplied" for r in rows[1:])


def test_cost_is_the_on_demand_price_or_null_with_a_reason(run):
    rows = _json(run("estimate", "--instance-type", "m5.large", "--region", "us-east-1", "--hours", "10",
                     "--format", "json"))
    with duckdb.connect() as con:
        price = con.execute("SELECT usd_per_hour FROM read_csv('coefficients/data/prices.csv') "
                            "WHERE provider = 'aws' AND region = 'us-east-1' AND instance_type = 'm5.large'"
                            ).fetchall()[0][0]
    assert rows[0]["cost"] == pytest.approx(10 * price)
    # A region without a current list: priced from us-east-1 and the region's older price ratio, labelled.
    eu = _json(run("estimate", "--instance-type", "m5.large", "--region", "eu-west-1", "--hours", "10",
                   "--format", "json"))[0]
    with duckdb.connect() as con:
        derived, basis = con.execute("SELECT usd_per_hour, price_basis FROM read_csv('coefficients/data/prices.csv') "
                                     "WHERE provider = 'aws' AND region = 'eu-west-1' AND instance_type = 'm5.large'"
                                     ).fetchall()[0]
    assert basis == "derived" and eu["cost"] == pytest.approx(10 * derived)
    # A region newer than every price table is priced as the nearest priced region of its country, labelled.
    with duckdb.connect() as con:
        west, source = con.execute("SELECT usd_per_hour, source FROM read_csv('coefficients/data/prices.csv') "
                                   "WHERE provider = 'aws' AND region = 'ca-west-1' AND instance_type = 'm5.large'"
                                   ).fetchall()[0]
        central = con.execute("SELECT usd_per_hour FROM read_csv('coefficients/data/prices.csv') WHERE provider = "
                              "'aws' AND region = 'ca-central-1' AND instance_type = 'm5.large'").fetchall()[0][0]
    assert west == central and "nearest priced region ca-central-1" in source
    new = _json(run("estimate", "--instance-type", "m5.large", "--region", "ca-west-1", "--hours", "10",
                    "--format", "json"))[0]
    assert new["cost"] == pytest.approx(10 * west)
    # Outside the commercial market (China: another partition, priced in CNY) there is no price: null, with the reason.
    china = _json(run("estimate", "--instance-type", "m5.large", "--region", "cn-north-1", "--hours", "10",
                      "--format", "json"))[0]
    assert china["cost"] is None and "no on-demand price" in china["cost_note"]


@pytest.mark.parametrize(("args", "names"), [
    (["--instance-type", "m5.larg", "--region", "us-east-1", "--hours", "1"], ["m5.larg", "m5.large"]),
    (["--instance-type", "m5.large", "--region", "us-east-9", "--hours", "1"], ["us-east-9", "did you mean"]),
])
def test_bad_input_is_one_line(run, args, names):
    one_line_error(run("estimate", *args, expect=1), *names)


@pytest.mark.parametrize(("args", "names"), [
    (["--instance-type", "m5.large", "--region", "us-east-1", "--hours", "-1"], ["--hours"]),
    (["--instance-type", "m5.large", "--region", "us-east-1", "--hours", "1", "--pue", "0.5"], ["--pue"]),
    (["--instance-type", "m5.large", "--region", "us-east-1", "--hours", "1", "--gpu-utilization", "2"],
     ["--gpu-utilization"]),
])
def test_bad_values_are_usage_errors(run, args, names):
    usage_error(run("estimate", *args, expect=2), *names)
