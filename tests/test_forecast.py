"""`footprint --forecast` and the report's forecast: a least-squares trend of the months held (the last month
repeated with fewer than three), checked against a hand computation with numpy on the demo store's months."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result
from conftest import usage_error

from cloudcarbon.cli import cli
from cloudcarbon.forecast import BASIS_MONTHS, forecast
from cloudcarbon.store import open_store

MONTHS = ["2026-08", "2026-09", "2026-10"]


@pytest.fixture
def store(demo_copy: Path) -> Path:
    return demo_copy


def invoke(store: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", str(store), *args])


def monthly(store: Path, by: str) -> list[dict]:
    result = invoke(store, "footprint", "--by", f"month,{by}", "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["rows"]


def forecast_rows(store: Path, *args: str) -> list[dict]:
    result = invoke(store, "footprint", "--forecast", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["rows"]


def test_the_trend_of_three_months_is_the_least_squares_line(store: Path) -> None:
    history = monthly(store, "service")
    rows = {r["service"]: r for r in forecast_rows(store, "--by", "service")}
    ec2 = {r["month"]: r for r in history if r["service"] == "AmazonEC2"}
    x = np.arange(3)
    for figure in ("total_kgco2e", "cost"):
        y = np.array([ec2[m][figure] for m in MONTHS])
        slope, intercept = np.polyfit(x, y, 1)
        at = {month: intercept + slope * step for step, month in enumerate(["2026-11", "2026-12"], start=3)}
        name = "kgco2e" if figure == "total_kgco2e" else "cost"
        got = rows["AmazonEC2"]
        assert got[f"next_{name}"] == pytest.approx(max(at["2026-11"], 0), rel=1e-9)
        assert got[f"year_{name}"] == pytest.approx(y.sum() + sum(max(v, 0) for v in at.values()), rel=1e-9)
        # 95 % prediction interval of the fit at the next month (t-free, z = 1.96), as METHODOLOGY.md states.
        residuals = y - (intercept + slope * x)
        s = np.sqrt((residuals ** 2).sum() / (3 - 2))
        half = 1.96 * s * np.sqrt(1 + 1 / 3 + (3 - x.mean()) ** 2 / ((x - x.mean()) ** 2).sum())
        if name == "cost":
            assert got["next_cost_high"] == pytest.approx(at["2026-11"] + half, rel=1e-9)
        else:
            high_ratio = sum(ec2[m]["total_kgco2e_high"] for m in MONTHS) / y.sum()
            assert got["next_kgco2e_high"] == pytest.approx((at["2026-11"] + half) * high_ratio, rel=1e-9)
    assert rows["AmazonEC2"]["basis_months"] == 3 and rows["AmazonEC2"]["next_month"] == "2026-11"
    assert rows["AmazonEC2"]["year_months_held"] == 3 and rows["AmazonEC2"]["year_months_forecast"] == 2
    for row in rows.values():
        assert row["next_kgco2e_low"] <= row["next_kgco2e"] <= row["next_kgco2e_high"]
        assert row["year_kgco2e_low"] <= row["year_kgco2e"] <= row["year_kgco2e_high"]


def test_with_fewer_than_three_months_the_last_month_is_repeated(store: Path) -> None:
    history = {r["month"]: r for r in monthly(store, "provider")}
    (row,) = forecast_rows(store, "--by", "provider", "--month", "2026-09")
    assert row["next_month"] == "2026-10" and row["basis_months"] == 2
    assert row["next_kgco2e"] == pytest.approx(history["2026-09"]["total_kgco2e"])
    # Two months: the range spans the change between them.
    change = abs(history["2026-09"]["total_kgco2e"] - history["2026-08"]["total_kgco2e"])
    assert row["next_kgco2e_high"] >= history["2026-09"]["total_kgco2e"] + change - 1e-6
    assert row["year_kgco2e"] == pytest.approx(history["2026-08"]["total_kgco2e"]
                                               + 4 * history["2026-09"]["total_kgco2e"])


def test_the_whole_store_and_the_groups_agree_on_what_was_held(store: Path) -> None:
    (total,) = forecast_rows(store, "--by", "month")
    groups = forecast_rows(store, "--by", "service")
    held = sum(r["total_kgco2e"] for r in monthly(store, "provider"))
    assert total["year_months_held"] == 3
    # Linear fits add up: the trend of the sum is the sum of the trends (before clamping at 0).
    assert total["next_kgco2e"] == pytest.approx(sum(r["next_kgco2e"] for r in groups), rel=1e-6)
    assert total["year_kgco2e"] > held


def test_the_unfinished_month_is_left_out(store: Path) -> None:
    with open_store(store, read_only=True) as con:
        during = forecast(con, today=date(2026, 10, 15))
        after = forecast(con, today=date(2026, 11, 2))
    assert during["next_month"].tolist() == ["2026-10"] and during["basis_months"].tolist() == [2]
    assert after["next_month"].tolist() == ["2026-11"] and after["basis_months"].tolist() == [3]
    assert BASIS_MONTHS >= 3


def test_the_report_shows_the_forecast_as_the_cli_does(store: Path, tmp_path: Path) -> None:
    result = invoke(store, "report", "--month", "2026-10", "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    document = json.loads((tmp_path / "out" / "report-2026-10.json").read_text())
    (total,) = forecast_rows(store, "--month", "2026-10", "--by", "month")
    assert document["forecast"]["total"][0]["next_kgco2e"] == pytest.approx(total["next_kgco2e"])
    assert [r["service"] for r in document["forecast"]["by_service"]][:3] == [
        r["service"] for r in forecast_rows(store, "--month", "2026-10", "--by", "service")][:3]
    html = (tmp_path / "out" / "report-2026-10.html").read_text()
    assert '<section id="forecast">' in html and "November 2026" in html


@pytest.mark.parametrize("args", [["--trace"], ["--since", "2026-08-01"], ["--cpu-utilization", "0.3"]])
def test_forecast_takes_no_other_assumptions(store: Path, args: list[str]) -> None:
    usage_error(invoke(store, "footprint", "--forecast", *args), "--forecast")
