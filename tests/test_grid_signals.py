"""Live grid-intensity forecasts for `estimate --duration --window`, at the HTTP edge with `responses`: answers in
the services' documented shapes (Electricity Maps v3 `carbon-intensity/forecast`; WattTime v3 `login`,
`region-from-loc` and `forecast`), built here with invented values. Offline and on refusal the shipped profile
serves, and says so."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import duckdb
import pytest
import responses

from cloudcarbon.coefficients import loader
from cloudcarbon.grid_signals import EM_TOKEN, EM_URL, G_PER_KWH_PER_LB_PER_MWH, WT_PASSWORD, WT_URL, WT_USER

START = datetime(2026, 6, 1)
WINDOW = "2026-06-01T00:00/2026-06-01T06:00"
SECRET = "s3cret-token-value"


def annual(region: str, year: int = 2026) -> float:
    with duckdb.connect() as con:
        loader.register(con)
        return con.execute("SELECT arg_min(gco2e_per_kwh, abs(year - $y)) FROM coef_grid WHERE provider = 'aws' "
                           "AND region = $r", {"y": year, "r": region}).fetchall()[0][0]


def estimate(run, region: str) -> dict:
    return json.loads(run("estimate", "--instance-type", "m5.large", "--count", "10", "--region", region,
                          "--duration", "2", "--window", WINDOW, "--format", "json").stdout)


def rows_by_role(document: dict) -> dict[str, dict]:
    return {row["role"]: row for row in document["rows"] if row["role"] != "alternative"}


@responses.activate
def test_an_electricity_maps_forecast_replaces_the_profile_for_its_hours(run, monkeypatch) -> None:
    monkeypatch.setenv(EM_TOKEN, SECRET)
    # Dirty until 03:00, clean 03:00-05:00, dirty after: the best 2 h start is 03:00 whatever the profile says.
    levels = [500, 500, 500, 50, 50, 500, 500]
    responses.get(f"{EM_URL}/carbon-intensity/forecast", json={
        "zone": "DE", "updatedAt": "2026-05-31T23:00:00.000Z",
        "forecast": [{"carbonIntensity": level, "datetime": f"{START + timedelta(hours=h):%Y-%m-%dT%H:%M:%S}.000Z"}
                     for h, level in enumerate(levels)]})
    document = estimate(run, "eu-central-1")
    (call,) = responses.calls
    assert call.request.headers["auth-token"] == SECRET and "zone=DE" in call.request.url
    roles = rows_by_role(document)
    best, now, requested = roles["best start"], roles["start now"], roles["requested"]
    assert best["start_utc"].startswith("2026-06-01T03:00")
    assert best["intensity_ratio"] == pytest.approx(50 / annual("eu-central-1"))
    assert best["operational_kgco2e"] == pytest.approx(requested["operational_kgco2e"] * 50 / annual("eu-central-1"))
    assert now["intensity_ratio"] == pytest.approx(500 / annual("eu-central-1"))
    assert best["hourly_signal"] == "average" and best["hourly_basis"].startswith("live forecast")
    assert "Electricity Maps forecast API (6 h)" in best["hourly_source"]
    assert any("Electricity Maps forecast (average intensity) for 6 hour(s)" in a
               for a in document["meta"]["assumptions"])
    assert SECRET not in json.dumps(document)


@responses.activate
def test_a_watttime_forecast_is_labelled_marginal_and_converted_from_pounds(run, monkeypatch) -> None:
    monkeypatch.setenv(WT_USER, "user")
    monkeypatch.setenv(WT_PASSWORD, SECRET)
    responses.get(f"{WT_URL}/login", json={"token": "wt-token"})
    responses.get(f"{WT_URL}/v3/region-from-loc", json={"region": "CAISO_NORTH", "region_full_name": "California "
                                                        "ISO Northern", "signal_type": "co2_moer"})
    # 5-minute points: 900 lbs/MWh, except 02:00-04:00 at 300.
    points = [{"point_time": f"{START + timedelta(minutes=5 * n):%Y-%m-%dT%H:%M:%S}+00:00",
               "value": 300.0 if 24 <= n < 48 else 900.0} for n in range(12 * 7)]
    responses.get(f"{WT_URL}/v3/forecast", json={"data": points, "meta": {
        "data_point_period_seconds": 300, "region": "CAISO_NORTH", "signal_type": "co2_moer",
        "units": "lbs_co2_per_mwh", "generated_at": "2026-05-31T23:55:00+00:00", "model": {"date": "2026-03-01"}}})
    document = estimate(run, "us-west-1")
    login, where, forecast = responses.calls
    assert login.request.headers["Authorization"].startswith("Basic ")
    assert where.request.headers["Authorization"] == "Bearer wt-token" and "signal_type=co2_moer" in where.request.url
    assert "region=CAISO_NORTH" in forecast.request.url
    best = rows_by_role(document)["best start"]
    assert best["start_utc"].startswith("2026-06-01T02:00")
    assert best["intensity_ratio"] == pytest.approx(300 * G_PER_KWH_PER_LB_PER_MWH / annual("us-west-1"))
    assert best["hourly_signal"] == "marginal"
    assert any("marginal" in a for a in document["meta"]["assumptions"])
    assert SECRET not in json.dumps(document)


@responses.activate
def test_a_refused_token_falls_back_to_the_profile_and_says_why(run, monkeypatch) -> None:
    monkeypatch.setenv(EM_TOKEN, SECRET)
    responses.get(f"{EM_URL}/carbon-intensity/forecast", status=401, json={"error": "invalid token"})
    document = estimate(run, "eu-central-1")
    best = rows_by_role(document)["best start"]
    assert best["hourly_basis"] == "hour-of-day x month profile" and best["hourly_signal"] == "average"
    (note,) = [a for a in document["meta"]["assumptions"] if "unavailable" in a]
    assert "HTTP 401" in note and "shipped hour-of-day profile serves" in note
    assert SECRET not in json.dumps(document)


def test_without_a_token_nothing_is_asked(run) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False):  # any request would fail here
        document = estimate(run, "eu-central-1")
    assert rows_by_role(document)["best start"]["hourly_basis"] == "hour-of-day x month profile"
