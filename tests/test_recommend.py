"""`cloudcarbon recommend-region`: ad hoc and from the store, constraints, Pareto front, ranking rule."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from conftest import fingerprint, usage_error

if TYPE_CHECKING:
    import pandas as pd

    from cloudcarbon.recommend import Ranking

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




# Candidates of every workload, some kept and some excluded (outside Europe, or more than 10 % dearer).
STREAMED = ("recommend-region", "--top", "0", "--allow", "Europe", "--max-cost-increase", "10")


def _invoke(db: Path, *args: str) -> str:
    from click.testing import CliRunner

    from cloudcarbon.cli import cli

    result = CliRunner().invoke(cli, ["--db", str(db), *args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def _frames(db: Path, show_excluded: bool) -> tuple[Ranking, pd.DataFrame]:
    """The ranking of STREAMED as frames (the path report, whatif and the API read), and its rows as the frame
    writers held them: the kept, then with --show-excluded the excluded, excluded_reason last."""
    import pandas as pd

    from cloudcarbon.recommend import Constraints, recommend_from_store
    from cloudcarbon.store import open_store

    with open_store(str(db), read_only=True) as con:
        ranking = recommend_from_store(con, constraints=Constraints(("Europe",), max_cost_increase=10), top=None,
                                       with_excluded=show_excluded)
    frame = pd.concat([ranking.rows, ranking.excluded], ignore_index=True) if show_excluded else ranking.rows
    return ranking, frame


def _assert_same_rows(streamed: list[dict], expected: list[dict]) -> None:
    """Row by row, in order, the same columns in the same order and the same values (the frame's JSON rounds to
    15 decimals; DuckDB writes every double exactly)."""
    assert len(streamed) == len(expected)
    for got, want in zip(streamed, expected, strict=True):
        assert list(got) == list(want)
        for key, value in want.items():
            if isinstance(value, float):
                assert got[key] == pytest.approx(value, rel=1e-12, abs=1e-15), key
            else:
                assert got[key] == value and type(got[key]) is type(value), key


@pytest.mark.parametrize("show_excluded", [False, True])
def test_store_rows_are_streamed_as_the_ranking_frames_hold_them(demo_store, show_excluded):
    """recommend-region writes the store's ranking from DuckDB, never a frame: the same rows, order, columns and
    values as the frames the other analyses read, the kept first and the excluded (excluded_reason last) after."""
    from cloudcarbon.output import records
    from cloudcarbon.recommend import COLUMNS

    flag = ("--show-excluded",) if show_excluded else ()
    document = json.loads(_invoke(demo_store, *STREAMED, *flag, "--format", "json"))
    ranking, frame = _frames(demo_store, show_excluded)
    _assert_same_rows(document["rows"], records(frame))
    shown = [*COLUMNS] if show_excluded else [c for c in COLUMNS if c != "excluded_reason"]
    assert list(document["rows"][0]) == shown
    reasons = [row.get("excluded_reason") for row in document["rows"]]
    kept = len(ranking.rows)
    assert kept > 0 and reasons[:kept] == [None] * kept
    assert all(reasons[kept:]) and len(reasons[kept:]) == (len(ranking.excluded) if show_excluded else 0)
    meta = document["meta"]
    assert list(meta) == ["tool", "tool_version", "coefficients_version", "generated_at", "command", "period", "rule",
                          "assumptions", "excluded"]
    assert (meta["rule"], meta["assumptions"], meta["excluded"]) == (ranking.rule, ranking.assumptions,
                                                                     ranking.excluded_counts)
    # Independently of the frames: every candidate (--top 0), by workload, each one's current placement first and
    # then by rank; the excluded after them all.
    (line,) = [a for a in meta["assumptions"] if a.startswith("pareto:")]
    priced, unpriced = (int(n.replace(",", "")) for n in re.findall(r"([\d,]+) (?:candidate\(s\)|without)", line))
    kept_rows, excluded_rows = document["rows"][:kept], document["rows"][kept:]
    assert sum(not row["current"] for row in kept_rows) == priced + unpriced
    assert len(excluded_rows) == (sum(meta["excluded"].values()) if show_excluded else 0)
    workloads = [row["workload"] for row in kept_rows]
    assert workloads == sorted(workloads) and len(set(workloads)) > 3
    for workload in set(workloads):
        mine = [row for row in kept_rows if row["workload"] == workload]
        ranks = [row["rank"] for row in mine[1:]]
        assert mine[0]["current"] and not any(row["current"] for row in mine[1:]) and ranks == sorted(ranks)
    assert [row["workload"] for row in excluded_rows] == sorted(row["workload"] for row in excluded_rows)
    for end in ("", "_low", "_high"):
        assert all(row[f"kgco2e{end}"] == row[f"total_kgco2e{end}"] for row in document["rows"])


def test_store_rows_are_the_same_in_every_streamed_format(demo_store, tmp_path):
    """JSON lines, CSV and Parquet files hold the JSON document's rows; the CSV file is the frame path's CSV to the
    byte (spreadsheet-safe, True/False, CRLF)."""
    import duckdb

    from cloudcarbon.output import write_csv
    from cloudcarbon.recommend import COLUMNS

    args = (*STREAMED, "--show-excluded", "--format")
    rows = json.loads(_invoke(demo_store, *args, "json"))["rows"]
    lines = _invoke(demo_store, *args, "jsonl").splitlines()
    assert [json.loads(line) for line in lines] == rows
    _invoke(demo_store, *args, "csv", "--output", str(tmp_path / "rows.csv"))
    _ranking, frame = _frames(demo_store, show_excluded=True)
    assert (tmp_path / "rows.csv").read_bytes() == write_csv(frame).encode()
    _invoke(demo_store, *args, "parquet", "--output", str(tmp_path / "rows.parquet"))
    with duckdb.connect() as con:
        result = con.execute(f"SELECT * FROM '{tmp_path / 'rows.parquet'}'")
        columns = [d[0] for d in result.description]
        stored = [dict(zip(columns, row, strict=True)) for row in result.fetchall()]
    assert columns == list(COLUMNS) and len(stored) == len(rows)
    for got, want in zip(stored, rows, strict=True):
        assert (got["workload"], got["region"], got["current"], got["rank"], got["excluded_reason"]) == (
            want["workload"], want["region"], want["current"], want["rank"], want["excluded_reason"])
        assert got["kgco2e"] == pytest.approx(want["kgco2e"], rel=1e-12)


def test_the_ranking_tables_last_as_long_as_the_block(demo_store):
    """ranked_from_store holds the ranking in TEMP tables while the caller streams it, and drops them after, also
    when the caller fails."""
    from cloudcarbon.recommend import ranked_from_store
    from cloudcarbon.store import open_store

    def temp_tables(con) -> set[str]:
        return {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()}

    with open_store(str(demo_store), read_only=True) as con:
        with ranked_from_store(con, top=1) as rows:
            assert "recommend_rows" in temp_tables(con)
            assert con.execute(f"SELECT count(*) FROM ({rows.kept})").fetchall()[0][0] > 0
        assert not {t for t in temp_tables(con) if t.startswith("recommend_")}
        with pytest.raises(RuntimeError), ranked_from_store(con, top=1):
            raise RuntimeError("the writer failed")
        assert not {t for t in temp_tables(con) if t.startswith("recommend_")}
