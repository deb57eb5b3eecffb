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


def _recommend(db, *args: str) -> dict:
    from click.testing import CliRunner

    from cloudcarbon.cli import cli

    result = CliRunner().invoke(cli, ["--db", str(db), "recommend-region", "--month", "2026-10", "--top", "0",
                                      "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _hand_prices(db, region: str, to: str) -> tuple[float, float, float, float, float]:
    """S3 Standard GB-months and billed cost in `region` in October, both regions' prices per GB-month from the
    shipped table, and the transfer price of the pair: what a move's figures are computed from."""
    import duckdb

    from cloudcarbon.coefficients.loader import data_path

    with duckdb.connect(str(db), read_only=True) as con:
        gb_months, billed = con.execute(
            "SELECT sum(x_storage_gib_hours) * 1.073741824 / 730, sum(effective_cost) FROM usage WHERE "
            "billing_period_start = '2026-10-01' AND service_name = 'AmazonS3' AND x_storage_class = 'object' "
            "AND region_id = $r", {"r": region}).fetchall()[0]
        here, there = (con.execute(
            f"SELECT usd_per_gb_month FROM read_csv('{data_path('storage_prices')}') WHERE provider = 'aws' AND "
            "storage_class = 'object' AND region = $r", {"r": r}).fetchall()[0][0] for r in (region, to))
        transfer = con.execute(
            f"SELECT usd_per_gb FROM read_csv('{data_path('transfer_prices')}') WHERE provider = 'aws' AND "
            "from_region = $a AND to_region = $b", {"a": region, "b": to}).fetchall()[0][0]
    return gb_months, billed, here, there, transfer


def test_storage_moves_are_priced_there_with_a_one_off_transfer_and_unpriced_usage_stays_off_the_front(demo_copy):
    document = _recommend(demo_copy, "--by", "provider,service,region")
    moves = [r for r in document["rows"] if not r["current"]]
    s3 = {r["region"]: r for r in moves if r["workload"] == "AWS / AmazonS3 / us-west-2"}
    gb_months, billed, here, there, transfer = _hand_prices(demo_copy, "us-west-2", "eu-north-1")
    move = s3["eu-north-1"]
    # October runs 744 hours: the data moved is the mean GB stored, GB-months x 730 / 744.
    assert move["cost_delta"] == pytest.approx(gb_months * (there - here), rel=1e-6)
    assert move["migration_gb"] == pytest.approx(gb_months * 730 / 744, rel=1e-6)
    assert move["migration_cost"] == pytest.approx(gb_months * 730 / 744 * transfer, rel=1e-6)
    assert move["payback_months"] is None  # it costs more: nothing pays the move back
    assert move["price_basis"] == "derived" and not move["migration_note"]
    current = next(r for r in document["rows"] if r["current"] and r["workload"] == "AWS / AmazonS3 / us-west-2")
    assert current["migration_cost"] == 0 and current["cost"] == pytest.approx(billed, rel=1e-6)
    # Usage with no regional price (load balancer hours) moved elsewhere has no cost, never an asserted 0.
    elb = [r for r in moves if r["workload"] == "AWS / AWSELB / us-east-1"]
    assert elb and all(r["cost"] is None and r["pareto"] is None for r in elb)
    assert all("no regional price" in r["cost_note"] for r in elb)
    priced = [r for r in moves if r["cost"] is not None]
    (line,) = [a for a in document["meta"]["assumptions"] if a.startswith("pareto:")]
    assert f"over the {len(priced):,} candidate(s) with a known cost; {len(moves) - len(priced):,} without" in line
    assert any(a.startswith("migration_cost: one-off") for a in document["meta"]["assumptions"])
    saving = [r for r in moves if r["cost_delta"] is not None and r["cost_delta"] < 0 and r["migration_cost"]]
    assert all(r["payback_months"] == pytest.approx(r["migration_cost"] / -r["cost_delta"]) for r in saving)


def test_the_effective_price_basis_scales_a_move_by_the_discount_the_bill_shows(demo_copy):
    listed = _recommend(demo_copy, "--by", "provider,service,region")
    effective = _recommend(demo_copy, "--by", "provider,service,region", "--price-basis", "effective")
    pick = {(r["workload"], r["region"]): r for r in listed["rows"]}
    scaled = {(r["workload"], r["region"]): r for r in effective["rows"]}
    key = ("AWS / AmazonS3 / us-west-2", "eu-north-1")
    # The discount of S3 object storage: its billed cost over its GB-months at list price, both regions together.
    rows = [_hand_prices(demo_copy, region, "eu-north-1") for region in ("us-east-1", "us-west-2")]
    ratio = sum(billed for _, billed, *_ in rows) / sum(gb * here for gb, _, here, *_ in rows)
    assert 0.5 < ratio < 1.0
    assert scaled[key]["cost_delta"] == pytest.approx(pick[key]["cost_delta"] * ratio, rel=1e-6)
    assert scaled[key]["migration_cost"] == pytest.approx(pick[key]["migration_cost"])
    assert any("discount the bill shows" in a for a in effective["meta"]["assumptions"])


def test_the_effective_price_basis_needs_a_bill(run):
    usage_error(run("recommend-region", "--instance-type", "m5.large", "--region", "us-east-1", "--hours", "10",
                    "--price-basis", "effective", expect=2), "--price-basis")
    usage_error(run("recommend-region", "--price-basis", "cheapest", expect=2), "--price-basis")


