"""`cloudcarbon sci`: SCI = (E x I + M) / R per group and month, R from a units file or a numeric tag, checked
against `footprint` on the demo store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import one_line_error, usage_error

from cloudcarbon.cli import cli

ACCOUNT = "273849501128"


def invoke(store: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", str(store), *args])


def footprint(store: Path, month: str, by: str) -> list[dict]:
    result = invoke(store, "footprint", "--month", month, "--by", by, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["rows"]


def units_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "units.csv"
    path.write_text(text)
    return path


def test_sci_is_our_total_in_grams_over_the_units(demo_copy: Path, tmp_path: Path) -> None:
    units = units_file(tmp_path, "month,functional_unit,count,account\n"
                                 f"2026-10,requests,125000000,{ACCOUNT}\n2026-09,requests,1e8,{ACCOUNT}\n"
                                 "2026-10,requests,5000,999999999999\n")
    result = invoke(demo_copy, "sci", "--units", str(units), "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    rows = {(r["month"], r["account"]): r for r in document["rows"]}
    for month, count in (("2026-10", 125e6), ("2026-09", 1e8)):
        ours = next(r for r in footprint(demo_copy, month, "account") if r["account"] == ACCOUNT)
        row = rows[(month, ACCOUNT)]
        assert row["sci_gco2e_per_unit"] == pytest.approx(ours["total_kgco2e"] * 1000 / count)
        assert row["total_kgco2e"] == pytest.approx(ours["operational_kgco2e"] + ours["embodied_kgco2e"])
        assert row["sci_gco2e_per_unit_low"] <= row["sci_gco2e_per_unit"] <= row["sci_gco2e_per_unit_high"]
        assert row["note"] is None
        # The month's footprint outside the file's groups is counted, never dropped silently.
        total = sum(r["total_kgco2e"] for r in footprint(demo_copy, month, "account"))
        assert document["meta"]["uncovered_kgco2e"][month] == pytest.approx(total - ours["total_kgco2e"])
    unknown = rows[("2026-10", "999999999999")]
    assert unknown["sci_gco2e_per_unit"] is None and "no footprint for this group" in unknown["note"]
    assert "ISO/IEC 21031" in document["meta"]["method"]


def test_a_file_without_groups_divides_the_whole_month(demo_copy: Path, tmp_path: Path) -> None:
    units = units_file(tmp_path, "month,functional_unit,count\n2026-10,users,4000\n")
    (row,) = json.loads(invoke(demo_copy, "sci", "--units", str(units), "--format", "json").stdout)["rows"]
    (month,) = footprint(demo_copy, "2026-10", "month")
    assert row["sci_gco2e_per_unit"] == pytest.approx(month["total_kgco2e"] * 1000 / 4000)


def test_units_from_a_numeric_tag(demo_copy: Path) -> None:
    import duckdb

    with duckdb.connect(str(demo_copy)) as con:  # the demo carries no count tag: give one line a requests tag
        con.execute("CREATE TEMP TABLE chosen AS SELECT l.rowid AS id, map_concat(t.tags, MAP {'requests': '2500'}) "
                    "AS tags FROM usage_line l JOIN usage_tags t USING (tags_key) "
                    "WHERE strftime(l.charge_period_start, '%Y-%m') = '2026-10' ORDER BY l.rowid LIMIT 2")
        con.execute("INSERT INTO usage_tags SELECT DISTINCT hash(tags), tags FROM chosen "
                    "WHERE hash(tags) NOT IN (SELECT tags_key FROM usage_tags)")
        con.execute("UPDATE usage_line SET tags_key = (SELECT hash(tags) FROM chosen WHERE id = usage_line.rowid) "
                    "WHERE rowid IN (SELECT id FROM chosen)")
    result = invoke(demo_copy, "sci", "--units-tag", "requests", "--month", "2026-10", "--format", "json")
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)["rows"]
    (month,) = footprint(demo_copy, "2026-10", "month")
    assert row["count"] == 5000 and row["functional_unit"] == "requests"
    assert row["sci_gco2e_per_unit"] == pytest.approx(month["total_kgco2e"] * 1000 / 5000)


@pytest.mark.parametrize(("text", "names"), [
    ("month,functional_unit\n2026-10,requests\n", ["count is missing"]),
    ("month,functional_unit,count\n2026-13,requests,5\n", ["row 2", "month"]),
    ("month,functional_unit,count\n2026-10,requests,-5\n", ["row 2", "count"]),
    ("month,functional_unit,count\n2026-10,requests,5\n2026-10,,5\n", ["row 3", "functional_unit"]),
    ("month,functional_unit,count,team\n2026-10,requests,5,ml\n", ["'team'", "tag:KEY"]),
])
def test_a_bad_units_file_is_one_line(demo_copy: Path, tmp_path: Path, text: str, names: list[str]) -> None:
    one_line_error(invoke(demo_copy, "sci", "--units", str(units_file(tmp_path, text))), "units.csv", *names)


def test_usage_errors(demo_copy: Path, tmp_path: Path) -> None:
    usage_error(invoke(demo_copy, "sci"), "--units")
    usage_error(invoke(demo_copy, "sci", "--units-tag", "requests"), "--month")
    units = units_file(tmp_path, "month,functional_unit,count\n2026-10,users,4000\n")
    usage_error(invoke(demo_copy, "sci", "--units", str(units), "--month", "2026-10"), "--units-tag")
    one_line_error(invoke(demo_copy, "sci", "--units-tag", "team", "--month", "2026-10"), "'team'", "not a number")


def test_the_report_shows_sci_as_the_cli_does(demo_copy: Path, tmp_path: Path) -> None:
    from browser import assert_numbers_match, launch, open_page, page_numbers

    units = units_file(tmp_path, f"month,functional_unit,count,account\n2026-10,requests,125000000,{ACCOUNT}\n"
                                 "2026-09,requests,1e8,{ACCOUNT}\n".replace("{ACCOUNT}", ACCOUNT))
    cli_rows = json.loads(invoke(demo_copy, "sci", "--units", str(units), "--format", "json").stdout)["rows"]
    out = tmp_path / "out"
    result = invoke(demo_copy, "report", "--month", "2026-10", "-o", str(out), "--units", str(units))
    assert result.exit_code == 0, result.output
    document = json.loads((out / "report-2026-10.json").read_text())
    assert document["sci"]["rows"] == [r for r in cli_rows if r["month"] == "2026-10"]
    with launch(tmp_path) as context:
        page, log = open_page(context, (out / "report-2026-10.html").as_uri())
        assert log.page_errors == [] and page.locator("#sci").is_visible()
        numbers = [n for n in page_numbers(page) if n["path"][0] == "sci"]
        assert len(numbers) >= 5
        assert_numbers_match(numbers, document)
