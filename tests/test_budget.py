"""`cloudcarbon budget check`: the month's footprint beside carbon and cost budgets, exit 1 on a breach; the report
and run-monthly show the same budgets."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from browser import assert_numbers_match, launch, open_page, page_numbers
from click.testing import CliRunner, Result
from conftest import fingerprint, one_line_error

from cloudcarbon.cli import cli

MONTH = "2026-10"


@pytest.fixture
def store(demo_copy: Path) -> Path:
    return demo_copy


def invoke(store: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", str(store), *args])


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "budgets.toml"
    path.write_text(text)
    return path


def footprint(store: Path, by: str) -> list[dict]:
    result = invoke(store, "footprint", "--month", MONTH, "--by", by, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["rows"]


def checked(store: Path, config: Path, expect: int, *extra: str) -> tuple[list[dict], list[str]]:
    result = invoke(store, "budget", "check", "--config", str(config), "--format", "json", *extra)
    assert result.exit_code == expect, (result.stdout, result.stderr)
    return json.loads(result.stdout)["rows"], result.stderr.splitlines()


def test_each_budget_is_set_beside_its_groups_footprint(store: Path, tmp_path: Path) -> None:
    config = write(tmp_path, """
[[budgets]]
name = "EC2"
service = "AmazonEC2"
kgco2e = 1e9
cost = 1e9

[[budgets]]
tag = "team=ml"
kgco2e = 1e9

[[budgets]]
kgco2e = 1e9
""")
    rows, lines = checked(store, config, 0)
    assert lines == []
    ec2 = next(r for r in footprint(store, "service") if r["service"] == "AmazonEC2")
    ml = next(r for r in footprint(store, "tag:team") if r["tag:team"] == "ml")
    everything = footprint(store, "month")[0]
    assert [r["budget"] for r in rows] == ["EC2", "team=ml", "all usage"]
    for row, expected in zip(rows, (ec2, ml, everything), strict=True):
        assert row["month"] == MONTH and row["status"] == "ok"
        assert row["kgco2e"] == pytest.approx(expected["total_kgco2e"])
        assert row["kgco2e_high"] == pytest.approx(expected["total_kgco2e_high"])
        assert row["kgco2e_pct"] == pytest.approx(100 * expected["total_kgco2e"] / 1e9)
    assert rows[0]["cost"] == pytest.approx(ec2["cost"]) and rows[0]["cost_pct"] == pytest.approx(ec2["cost"] / 1e7)


def test_a_breach_fails_with_one_line_per_breach(store: Path, tmp_path: Path) -> None:
    ml = next(r for r in footprint(store, "tag:team") if r["tag:team"] == "ml")
    ec2 = next(r for r in footprint(store, "service") if r["service"] == "AmazonEC2")
    config = write(tmp_path, f"""
[[budgets]]
tag = "team=ml"
kgco2e = {ml["total_kgco2e"] * 0.9}

[[budgets]]
name = "EC2 spend"
service = "AmazonEC2"
cost = {ec2["cost"] / 2}
currency = "usd"

[[budgets]]
tag = "team=ml"
kgco2e = {ml["total_kgco2e"] * 2}
""")
    before = fingerprint(store)
    rows, lines = checked(store, config, 1)
    assert [r["status"] for r in rows] == ["breach", "breach", "ok"]
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"budget breach: team=ml {MONTH}: ") and "kgCO2e over the" in lines[0]
    assert re.search(r"\(111 %\)", lines[0]), lines[0]  # 1 / 0.9
    assert lines[1].startswith(f"budget breach: EC2 spend (service=AmazonEC2) {MONTH}: ") and "(200 %)" in lines[1]
    assert fingerprint(store) == before, "a check only reads"


def test_a_limit_only_our_high_bound_exceeds_is_at_risk_not_a_breach(store: Path, tmp_path: Path) -> None:
    ml = next(r for r in footprint(store, "tag:team") if r["tag:team"] == "ml")
    between = (ml["total_kgco2e"] + ml["total_kgco2e_high"]) / 2
    rows, lines = checked(store, write(tmp_path, f'[[budgets]]\ntag = "team=ml"\nkgco2e = {between}\n'), 0)
    assert rows[0]["status"] == "at risk" and "high bound" in rows[0]["note"] and lines == []


def test_other_currency_and_unknown_groups_are_said_not_hidden(store: Path, tmp_path: Path) -> None:
    config = write(tmp_path, """
[[budgets]]
service = "AmazonEC2"
cost = 1
currency = "EUR"

[[budgets]]
tag = "team=nobody"
kgco2e = 10
""")
    rows, _ = checked(store, config, 0)
    assert rows[0]["status"] == "ok" and rows[0]["cost_pct"] is None and "EUR" in rows[0]["note"]
    assert rows[1]["kgco2e"] == 0 and "no usage for this group" in rows[1]["note"]


def test_the_month_defaults_to_the_latest_and_can_be_chosen(store: Path, tmp_path: Path) -> None:
    config = write(tmp_path, "[[budgets]]\nkgco2e = 1e9\n")
    assert checked(store, config, 0)[0][0]["month"] == MONTH
    assert checked(store, config, 0, "--month", "2026-08")[0][0]["month"] == "2026-08"
    one_line_error(invoke(store, "budget", "check", "--config", str(config), "--month", "2024-01"), "2024-01")


@pytest.mark.parametrize(("text", "names"), [
    ("[[budgets]]\nkgco2e = -5\n", ["budgets[0].kgco2e", "positive"]),
    ("[[budgets]]\nkgco2e = \"500\"\n", ["budgets[0].kgco2e"]),
    ("[[budgets]]\nservice = \"AmazonEC2\"\n", ["budgets[0]", "no limit"]),
    ("[[budgets]]\nservice = \"a\"\naccount = \"b\"\nkgco2e = 1\n", ["account and service"]),
    ("[[budgets]]\nkgco2e = 1\n[[budgets]]\nteam = \"ml\"\nkgco2e = 1\n", ["budgets[1].team", "not a budget field"]),
    ("[[budgets]]\ntag = \"team\"\nkgco2e = 1\n", ["budgets[0].tag", "KEY=VALUE"]),
    ("[[budgets]]\ncost = 1\ncurrency = \"dollars\"\n", ["budgets[0].currency"]),
    ("[report]\nby_tag = \"team\"\n", ["no [[budgets]]"]),
    ("[[budgets\n", ["not valid TOML"]),
])
def test_a_bad_budget_file_is_one_line_naming_the_field(store: Path, tmp_path: Path, text: str,
                                                       names: list[str]) -> None:
    one_line_error(invoke(store, "budget", "check", "--config", str(write(tmp_path, text))), "budgets.toml", *names)


def test_a_missing_file_is_one_line(store: Path, tmp_path: Path) -> None:
    one_line_error(invoke(store, "budget", "check", "--config", str(tmp_path / "none.toml")), "none.toml")


def test_the_run_monthly_config_holds_budgets_for_check_and_report(store: Path, tmp_path: Path) -> None:
    from cloudcarbon.budget import check
    from cloudcarbon.schedule import load_config
    from cloudcarbon.store import open_store

    config = tmp_path / "cloudcarbon.toml"
    config.write_text('[[sources]]\ntype = "aws"\npaths = ["exports/{month}/"]\n\n'
                      '[[budgets]]\ntag = "team=ml"\nkgco2e = 10\n')
    rows, lines = checked(store, config, 1)
    assert rows[0]["status"] == "breach" and len(lines) == 1
    loaded = load_config(config)
    with open_store(store, read_only=True) as con:
        assert check(con, loaded.budgets, MONTH).to_dict("records")[0]["kgco2e"] == pytest.approx(rows[0]["kgco2e"])


def test_the_report_shows_the_budgets_as_check_does(store: Path, tmp_path: Path) -> None:
    config = write(tmp_path, '[[budgets]]\ntag = "team=ml"\nkgco2e = 10\n\n[[budgets]]\nkgco2e = 1e9\ncost = 1e9\n')
    rows, _ = checked(store, config, 1, "--month", MONTH)
    out = tmp_path / "report"
    result = invoke(store, "report", "--month", MONTH, "-o", str(out), "--budgets", str(config))
    assert result.exit_code == 0, result.output
    document = json.loads((out / f"report-{MONTH}.json").read_text())
    assert document["budgets"] == rows
    with launch(tmp_path) as context:
        page, log = open_page(context, (out / f"report-{MONTH}.html").as_uri())
        assert log.page_errors == []
        section = page.locator("#budgets")
        assert section.is_visible() and "breach" in section.inner_text()
        numbers = [n for n in page_numbers(page) if n["path"][0] == "budgets"]
        assert len(numbers) >= 8
        assert_numbers_match(numbers, document)
