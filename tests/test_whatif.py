"""`cloudcarbon whatif`: the 4M levers over the demo store."""

from __future__ import annotations

import json

import pytest


def _rows(result):
    return json.loads(result.stdout)["rows"]


@pytest.fixture
def demo(run):
    run("demo")
    return run


def _by(rows, workload, scenario):
    return next(r for r in rows if r["workload"] == workload and r["scenario"] == scenario)


def test_every_lever_is_reported_with_totals_and_assumptions(demo):
    result = demo("whatif", "--format", "json")
    doc = json.loads(result.stdout)
    rows = doc["rows"]
    assert {r["scenario"] for r in rows} == {"current", "map", "machine", "mechanization", "model", "combined"}
    assert len(doc["meta"]["assumptions"]) >= 5
    total_current = _by(rows, "TOTAL", "current")
    workloads = [r for r in rows if r["scenario"] == "current" and r["workload"] != "TOTAL"]
    assert total_current["kgco2e"] == pytest.approx(sum(r["kgco2e"] for r in workloads))
    # Map never increases CO2e (only a move that lowers it is taken).
    assert _by(rows, "TOTAL", "map")["kgco2e_saved"] > 0
    # Model: never applied silently.
    model = _by(rows, "TOTAL", "model")
    assert model["applied"] is False and model["kgco2e_saved"] == 0
    assert "never applied silently" in _by(rows, workloads[0]["workload"], "model")["note"]


def test_model_factor_applies_only_to_the_selected_account(demo):
    rows = _rows(demo("whatif", "--lever", "model", "--model-factor", "5", "--model-account", "061529384710",
                      "--format", "json"))
    selected = [r for r in rows if r["scenario"] == "model" and r["workload"].startswith("AWS / 061529384710")]
    other = [r for r in rows if r["scenario"] == "model" and not r["workload"].startswith("AWS / 061529384710")
             and r["workload"] != "TOTAL"]
    assert selected and other
    for r in selected:
        assert r["pct_saved"] == pytest.approx(80.0) or r["kgco2e"] == 0
    assert all(r["kgco2e_saved"] == 0 for r in other)


def test_machine_lever_moves_m5_to_graviton_with_its_assumption(demo):
    rows = _rows(demo("whatif", "--lever", "machine", "--format", "json"))
    workload = "AWS / 061529384710 / eu-west-1 / m5.large"
    machine = _by(rows, workload, "machine")
    assert "m5.large -> m7g.large" in machine["note"] and "Graviton" in machine["note"]
    assert machine["energy_kwh"] < _by(rows, workload, "current")["energy_kwh"]


def test_mechanization_scales_energy_by_the_pue_ratio(demo):
    rows = _rows(demo("whatif", "--lever", "mechanization", "--onprem-pue", "2.0", "--format", "json"))
    workload = "AWS / 061529384710 / eu-west-1 / m5.large"
    current, onprem = _by(rows, workload, "current"), _by(rows, workload, "mechanization")
    assert onprem["kgco2e_saved"] < 0 and "PUE 2" in onprem["note"]
    ratio = onprem["energy_kwh"] / current["energy_kwh"]
    assert 1.5 < ratio < 2.0 / 1.1  # cloud PUE of eu-west-1 is between 1.1 and 1.33


def test_bad_levers_and_model_tags_are_one_line(demo):
    from conftest import usage_error

    usage_error(demo("whatif", "--lever", "magic", expect=2), "magic")
    usage_error(demo("whatif", "--model-factor", "5", "--model-tag", "team", expect=2), "KEY=VALUE")


def test_the_map_lever_carries_the_one_off_cost_of_moving_each_workloads_data(demo):
    rows = _rows(demo("whatif", "--lever", "map", "--month", "2026-10", "--format", "json"))
    best = json.loads(demo("recommend-region", "--month", "2026-10", "--top", "1", "--format", "json").stdout)["rows"]
    moved = {r["workload"]: r for r in best if r["rank"] == 1 and not r["current"] and r["kgco2e_saved"] > 0}
    maps = [r for r in rows if r["scenario"] == "map" and r["workload"] != "TOTAL"]
    assert maps and all(r["migration_cost"] == pytest.approx(moved[r["workload"]]["migration_cost"])
                        for r in maps if r["workload"] in moved)
    assert all(r["migration_cost"] == 0 for r in rows if r["scenario"] == "current")
    # The total is the sum over workloads (unknown as soon as one is).
    total = _by(rows, "TOTAL", "map")["migration_cost"]
    assert total > 0 and total == pytest.approx(sum(r["migration_cost"] for r in maps))
