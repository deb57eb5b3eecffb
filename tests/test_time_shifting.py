"""`estimate --duration H --window START/END`: when a planned job emits least, from the shipped hourly profile."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import usage_error

from cloudcarbon.coefficients.loader import data_path

REFERENCE = Path("/work/shared/reference")
JOB = ("estimate", "--instance-type", "m5.large", "--count", "10", "--year", "2024", "--format", "json")


def _answer(run, region: str, duration: str, window: str) -> dict:
    return json.loads(run(*JOB, "--region", region, "--duration", duration, "--window", window).stdout)


def _profile(zone: str, month: int) -> pd.DataFrame:
    return duckdb.sql(f"SELECT hour_utc, ratio FROM read_csv('{data_path('grid_hourly')}') "
                      f"WHERE zone = '{zone}' AND month = {month} ORDER BY hour_utc").df()


def _roles(answer: dict) -> dict[str, dict]:
    return {row["role"]: row for row in answer["rows"] if row["role"] != "alternative"}


def test_the_best_hour_is_the_profiles_minimum(run):
    roles = _roles(_answer(run, "us-west-1", "1", "2026-06-01T00:00/2026-06-02T00:00"))  # zone US-CAL-CISO
    profile = _profile("US-CAL-CISO", 6)
    cheapest = profile.loc[profile.ratio.idxmin()]
    requested, now, best = roles["requested"], roles["start now"], roles["best start"]
    assert best["start_utc"].startswith(f"2026-06-01T{int(cheapest.hour_utc):02d}:00")
    assert now["start_utc"].startswith("2026-06-01T00:00")
    assert best["intensity_ratio"] == pytest.approx(cheapest.ratio)
    # The hour's intensity is the annual figure reshaped; embodied does not move with the hour.
    assert best["operational_kgco2e"] == pytest.approx(requested["operational_kgco2e"] * cheapest.ratio)
    assert best["embodied_kgco2e"] == pytest.approx(requested["embodied_kgco2e"])
    assert best["total_kgco2e_low"] <= best["total_kgco2e"] <= best["total_kgco2e_high"]
    assert best["saving_kgco2e"] == pytest.approx(now["total_kgco2e"] - best["total_kgco2e"])
    assert best["saving_kgco2e"] > 0 and now["saving_kgco2e"] == 0
    assert best["hourly_basis"] == "hour-of-day x month profile" and best["hourly_signal"] == "average"
    assert "Electricity Maps" in best["hourly_source"] and "ODbL" in best["hourly_licence"]


def test_fractional_hours_weigh_each_hour_by_the_jobs_share_in_it(run):
    # 00:30-02:00 UTC: half an hour in hour 0, a whole hour in hour 1 (given as 02:30 at +02:00).
    roles = _roles(_answer(run, "eu-central-1", "1.5", "2026-01-10T02:30+02:00/2026-01-10T05:00+02:00"))
    profile = _profile("DE", 1).set_index("hour_utc").ratio
    now = roles["start now"]
    assert now["start_utc"].startswith("2026-01-10T00:30")
    assert now["intensity_ratio"] == pytest.approx((0.5 * profile[0] + 1.0 * profile[1]) / 1.5)
    # Candidates are whole hours from the start while the job still fits: 00:30 and 01:30 only.
    assert roles["best start"]["start_utc"][11:16] in {"00:30", "01:30"}


def test_a_zone_without_a_profile_falls_back_to_the_annual_figure_and_says_so(run):
    answer = _answer(run, "eu-west-1", "6", "2026-06-01T00:00/2026-06-03T00:00")  # zone IE: no hourly data
    roles = _roles(answer)
    for role in ("start now", "best start"):
        assert roles[role]["hourly_basis"] == "annual-average fallback"
        assert roles[role]["total_kgco2e"] == pytest.approx(roles["requested"]["total_kgco2e"])
        assert roles[role]["saving_kgco2e"] == pytest.approx(0)
    assert any("annual-average fallback" in line for line in answer["meta"]["assumptions"])


@pytest.mark.parametrize(("window", "duration", "names"), [
    ("2026-06-01T00:00", "2", ("--window", "START/END")),
    ("yesterday/2026-06-02T00:00", "2", ("--window", "ISO-8601")),
    ("2026-06-02T00:00/2026-06-01T00:00", "2", ("--window", "not after the start")),
    ("2026-06-01T00:00/2026-06-01T03:00", "6", ("--duration", "longer than the window")),
    ("2026-06-01T00:00/2026-06-02T00:00", "0", ("--duration", "above 0")),
])
def test_usage_errors_are_one_line_with_exit_2(run, window, duration, names):
    usage_error(run(*JOB, "--region", "us-west-1", "--duration", duration, "--window", window, expect=None), *names)


def test_duration_and_window_go_together(run):
    usage_error(run(*JOB, "--region", "us-west-1", "--hours", "3", "--duration", "3", expect=None),
                "--duration", "--window")


def test_the_shipped_profile_keeps_the_annual_figure_and_names_its_source():
    profile = duckdb.sql(f"SELECT * FROM read_csv('{data_path('grid_hourly')}')").df()
    assert not profile[["source", "licence", "signal"]].isna().any().any()
    cells = profile.groupby("zone").size()
    assert (cells == 24 * 12).all(), cells[cells != 288]
    # Ratios to the annual mean: a zone's cells average to ~1, so the annual figure of coef_grid is kept.
    assert profile.groupby("zone").ratio.mean().sub(1).abs().max() < 0.01
    assert (profile.ratio_min <= profile.ratio).all() and (profile.ratio <= profile.ratio_max).all()


def test_the_shipped_profile_is_what_the_rebuild_makes_of_the_reference(monkeypatch):
    if not (REFERENCE / "grid-hourly").is_dir():
        pytest.skip(f"{REFERENCE / 'grid-hourly'} is absent")
    # The maintainer's rebuild is not shipped: import it as the maintainer runs it, from the repository root.
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1]))
    from coefficients.rebuild.grid_hourly import build_grid_hourly

    built = build_grid_hourly(REFERENCE)
    shipped = pd.read_csv(data_path("grid_hourly"), dtype={"years": str})
    pd.testing.assert_frame_equal(built.reset_index(drop=True), shipped, check_dtype=False)


def test_recommend_region_answers_where_and_when_together(run):
    args = ("recommend-region", "--instance-type", "m5.large", "--count", "10", "--region", "us-west-1",
            "--duration", "6", "--window", "2026-06-01T00:00/2026-06-02T00:00", "--format", "json")
    rows = json.loads(run(*args).stdout)["rows"]
    best = min(rows, key=lambda r: r["best_kgco2e"])
    assert best["when_rank"] == 1 and sorted(r["when_rank"] for r in rows) == list(range(1, len(rows) + 1))
    current = next(r for r in rows if r["current"])
    assert best["saving_vs_now_kgco2e"] == pytest.approx(current["now_kgco2e"] - best["best_kgco2e"])
    # A candidate's best start is what `estimate` finds for that region alone.
    oregon = next(r for r in rows if r["region"] == "us-west-2")  # zone US-NW-BPAT, EIA-930 profile
    alone = _roles(json.loads(run("estimate", "--instance-type", "m5.large", "--count", "10", "--region",
                                  "us-west-2", "--duration", "6", "--window", "2026-06-01T00:00/2026-06-02T00:00",
                                  "--format", "json").stdout))["best start"]
    assert oregon["best_start_utc"] == alone["start_utc"]
    assert oregon["best_kgco2e"] == pytest.approx(alone["total_kgco2e"])
    assert "EIA-930" in oregon["hourly_source"] and "public domain" in oregon["hourly_licence"]


def test_recommend_region_refuses_a_window_for_the_stores_workloads(run):
    usage_error(run("recommend-region", "--duration", "6", "--window", "2026-06-01T00:00/2026-06-02T00:00",
                    expect=None), "--window", "planned job")
