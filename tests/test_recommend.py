"""`cloudcarbon recommend-region`: ad hoc and from the store, constraints, Pareto front, ranking rule."""

from __future__ import annotations

import json

import pytest
from conftest import fingerprint, usage_error

ADHOC = ("recommend-region", "--provider", "aws", "--instance-type", "p4d.24xlarge", "--region", "us-east-1",
         "--hours", "720", "--count", "4")


def _json(result):
    doc = json.loads(result.stdout)
    return doc["meta"], doc["rows"]


def test_adhoc_ranks_by_co2e_with_stable_fields(run):
    meta, rows = _json(run(*ADHOC, "--format", "json"))
    assert "ranked by total kgCO2e" in meta["rule"]
    current = [r for r in rows if r["current"]]
    assert len(current) == 1 and current[0]["region"] == "us-east-1" and current[0]["kgco2e_saved"] == 0
    for key in ("region", "kgco2e", "kgco2e_saved", "cost", "cost_delta", "intensity_gco2e_per_kwh", "pue",
                "available", "pareto", "intensity_year", "intensity_source", "intensity_signal", "kgco2e_low",
                "kgco2e_high", "pct_saved"):
        assert key in rows[0]
    ranked = sorted(rows, key=lambda r: r["rank"])
    assert [r["kgco2e"] for r in ranked] == sorted(r["kgco2e"] for r in rows)
    best = ranked[0]
    assert best["kgco2e_saved"] == pytest.approx(current[0]["kgco2e"] - best["kgco2e"])
    # Same energy model: only PUE and intensity differ between regions.
    assert best["operational_kgco2e"] == pytest.approx(best["energy_kwh"] * best["intensity_gco2e_per_kwh"] / 1000)


def test_allow_by_continent_and_country_and_distance(run):
    _, europe = _json(run(*ADHOC, "--allow", "Europe", "--format", "json"))
    assert {r["continent"] for r in europe if not r["current"]} == {"Europe"}
    _, germany = _json(run(*ADHOC, "--allow", "DE", "--format", "json"))
    assert {r["country"] for r in germany if not r["current"]} == {"DE"}
    _, near = _json(run(*ADHOC, "--max-distance-km", "1500", "--format", "json"))
    others = [r for r in near if not r["current"]]
    assert others and all(r["distance_km"] <= 1500 for r in others)
    assert {r["region"] for r in others} <= {"us-east-2", "us-gov-east-1", "ca-central-1"}


def test_cost_constraint_needs_a_known_price_and_pareto_is_marked(run):
    meta, rows = _json(run(*ADHOC, "--max-cost-increase", "25", "--show-excluded", "--format", "json"))
    kept = [r for r in rows if r.get("excluded_reason") is None]
    assert all(r["cost"] is not None for r in kept)
    assert all(r["cost_delta"] <= 0.25 * next(k for k in kept if k["current"])["cost"] for r in kept)
    excluded = [r for r in rows if r.get("excluded_reason")]
    assert any("no price" in r["excluded_reason"] for r in excluded)
    priced = [r for r in kept if r["cost"] is not None]
    front = [r for r in priced if r["pareto"]]
    assert front
    for r in front:  # nobody is at least as good on both and better on one
        assert not any(o["kgco2e"] <= r["kgco2e"] and o["cost"] <= r["cost"]
                       and (o["kgco2e"] < r["kgco2e"] or o["cost"] < r["cost"]) for o in priced)
    assert meta["excluded"]


def test_availability_is_false_where_a_source_says_so_and_null_where_unknown(run):
    _, rows = _json(run("recommend-region", "--instance-type", "p5.48xlarge", "--region", "us-east-1",
                        "--hours", "10", "--show-excluded", "--format", "json"))
    gov = [r for r in rows if r["region"] == "us-gov-east-1"]
    assert gov and gov[0]["available"] is False and "not offered" in gov[0]["excluded_reason"]
    eu = next(r for r in rows if r["region"] == "eu-north-1")
    assert eu["available"] is None and "unknown" in eu["availability_note"]


def test_carbon_price_changes_the_rule_and_the_order(run):
    meta, rows = _json(run(*ADHOC, "--carbon-price", "100", "--format", "json"))
    assert "100 USD per tonne" in meta["rule"]
    scored = [r for r in rows if r["score"] is not None]
    for r in scored:
        assert r["score"] == pytest.approx(r["cost"] + r["kgco2e"] / 1000 * 100)
    assert sorted(scored, key=lambda r: r["rank"]) == sorted(scored, key=lambda r: r["score"])


def test_from_the_store_every_workload_gets_candidates(run, db):
    run("demo")
    _meta, rows = _json(run("recommend-region", "--format", "json"))
    workloads = {r["workload"] for r in rows}
    assert len(workloads) > 3 and all(w.startswith("AWS / ") for w in workloads)
    for workload in workloads:
        assert sum(1 for r in rows if r["workload"] == workload and r["current"]) == 1
    before = fingerprint(db)
    usage_error(run("recommend-region", "--allow", "Atlantis", expect=2), "Atlantis")
    assert fingerprint(db) == before


def test_from_the_store_the_best_few_per_workload_leave_duckdb(run):
    """A month of many workloads ranks hundreds of thousands of candidates: --top N (default 5) keeps the best N of
    each beside its current region; --top 0 lists all; the excluded are counted either way."""
    run("demo")
    _meta, every = _json(run("recommend-region", "--top", "0", "--allow", "Europe", "--format", "json"))
    meta, default = _json(run("recommend-region", "--allow", "Europe", "--format", "json"))
    _meta, best = _json(run("recommend-region", "--top", "1", "--allow", "Europe", "--format", "json"))
    for workload in {r["workload"] for r in every}:
        ranked = sorted((r for r in every if r["workload"] == workload and not r["current"]), key=lambda r: r["rank"])
        mine = [r for r in default if r["workload"] == workload and not r["current"]]
        assert mine == [r for r in ranked if r["rank"] <= 5]
        assert [r for r in best if r["workload"] == workload and not r["current"]] == [r for r in ranked
                                                                                      if r["rank"] == 1]
    assert len(every) > len(default) > len(best)
    assert sum(meta["excluded"].values()) > 0 and meta["excluded"].get("outside --allow")
    usage_error(run(*ADHOC, "--top", "3", expect=2), "--top")


def test_adhoc_needs_its_three_options(run):
    result = run("recommend-region", "--instance-type", "m5.large", expect=2)
    assert "--region" in result.stderr


def test_a_move_of_unpriced_usage_has_no_cost_and_stays_off_the_pareto_front(demo_copy):
    from click.testing import CliRunner

    from cloudcarbon.cli import cli

    result = CliRunner().invoke(cli, ["--db", str(demo_copy), "recommend-region", "--month", "2026-10", "--top", "0",
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    moves = [r for r in document["rows"] if not r["current"]]
    storage = [r for r in moves if r["workload"].endswith("/ (none)")]
    assert storage and all(r["cost"] is None and r["cost_delta"] is None and r["pareto"] is None for r in storage)
    assert all("no regional price" in r["cost_note"] for r in storage)
    priced = [r for r in moves if r["cost"] is not None]
    (line,) = [a for a in document["meta"]["assumptions"] if a.startswith("pareto:")]
    assert f"over the {len(priced):,} candidate(s) with a known cost; {len(moves) - len(priced):,} without" in line
