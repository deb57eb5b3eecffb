"""`cloudcarbon report`: the files it writes, their agreement with the footprint, bad input, and the
HTML page in a real headless Chromium (offline, no console errors, charts drawn, numbers = JSON)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from browser import assert_numbers_match, chart_marks, keep_screenshot, launch, open_page, page_numbers
from click.testing import CliRunner
from conftest import fingerprint, one_line_error, usage_error
from curfiles import item, write_cur
from markupsafe import escape

from cloudcarbon import connectors
from cloudcarbon.cli import cli
from cloudcarbon.connectors.aws.ingest import ingest_aws
from cloudcarbon.demo import run_demo
from cloudcarbon.footprint import footprint
from cloudcarbon.periods import window
from cloudcarbon.store import open_store

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def cli_run(*args: str, expect: int = 0):
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == expect, (result.exit_code, result.output, result.exception)
    return result


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    run_demo(str(path))
    return path


@pytest.fixture(scope="module")
def written(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("report") / "out"
    result = cli_run("--db", str(demo_db), "report", "--month", "2026-10", "--output", str(out), "--by-tag", "team",
                     "--carbon-price", "80")
    paths = {kind: out / f"report-2026-10.{kind}" for kind in ("html", "csv", "json", "md")}
    for path in paths.values():
        assert str(path) in result.stdout
    return paths


@pytest.fixture(scope="module")
def document(written: dict[str, Path]) -> dict:
    return json.loads(written["json"].read_text())


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    with launch(tmp_path_factory.mktemp("chromium")) as context:
        yield context


def test_totals_match_the_footprint_and_previous_month(demo_db: Path, document: dict) -> None:
    with open_store(demo_db, read_only=True) as con:
        by_month = footprint(con, by="month").set_index("month")
    october, september = by_month.loc["2026-10"], by_month.loc["2026-09"]
    totals, change = document["summary"]["totals"], document["summary"]["change"]
    for field in ("energy_kwh", "operational_kgco2e_low", "embodied_kgco2e_high", "total_kgco2e", "cost"):
        assert totals[field] == pytest.approx(october[field], rel=1e-12)
    assert document["summary"]["previous"]["total_kgco2e"] == pytest.approx(september.total_kgco2e, rel=1e-12)
    assert change["total_kgco2e"] == pytest.approx(october.total_kgco2e / september.total_kgco2e - 1, rel=1e-9)
    assert totals["kgco2e_per_1000_cost"] == pytest.approx(october.total_kgco2e / october.cost * 1000)
    assert totals["total_kgco2e_low"] < totals["total_kgco2e"] < totals["total_kgco2e_high"]
    # The trend covers 12 months ending with the report month; months without data carry no figures.
    trend = document["trend"]
    assert [row["month"] for row in trend][-3:] == ["2026-08", "2026-09", "2026-10"] and len(trend) == 12
    assert trend[0] == {"month": "2025-11"}
    assert trend[-2]["total_kgco2e"] == pytest.approx(september.total_kgco2e)


def test_breakdowns_add_up_and_name_accounts(document: dict) -> None:
    total = document["summary"]["totals"]["total_kgco2e"]
    for key in ("provider", "account", "region", "service", "tag:team"):
        rows = document["breakdowns"][key]
        assert sum(row["total_kgco2e"] for row in rows) == pytest.approx(total, rel=1e-9), key
        assert sum(row["share"] for row in rows) == pytest.approx(1.0), key
    accounts = {row["account"]: row["account_name"] for row in document["breakdowns"]["account"]}
    assert accounts["273849501128"] == "ml-research"
    assert {row["tag"] for row in document["breakdowns"]["tag:team"]} >= {"ml", "web"}
    resources = document["breakdowns"]["resource"]
    assert 0 < len(resources) <= 10 and all(row["resource"] for row in resources)
    assert [r["total_kgco2e"] for r in resources] == sorted((r["total_kgco2e"] for r in resources), reverse=True)


def test_csv_and_json_rows_use_focus_names_and_carry_provenance(written: dict[str, Path], document: dict) -> None:
    rows = pd.read_csv(written["csv"], dtype={"SubAccountId": str})
    for column in ("ChargePeriodStart", "ChargePeriodEnd", "ProviderName", "SubAccountId", "RegionId", "ServiceName",
                   "Tags", "EffectiveCost", "BillingCurrency", "x_EnergyKwh", "x_OperationalKgCO2e",
                   "x_EmbodiedKgCO2eHigh", "x_TotalKgCO2eLow"):
        assert column in rows.columns, column
    assert set(rows.ChargePeriodStart) == {"2026-10-01T00:00:00Z"}
    assert rows.x_TotalKgCO2e.sum() == pytest.approx(document["summary"]["totals"]["total_kgco2e"], rel=1e-9)
    assert rows.EffectiveCost.sum() == pytest.approx(document["summary"]["totals"]["cost"], rel=1e-9)
    assert {json.loads(t).get("team") for t in rows.Tags} >= {"ml", "web"}
    assert len(document["rows"]) == len(rows) and document["rows"][0].keys() == set(rows.columns)
    meta = document["meta"]
    assert meta["tool"] == "cloudcarbon" and meta["tool_version"] and meta["coefficients_version"]
    assert meta["month"] == "2026-10" and meta["period"].startswith("2026-10-01")
    assert document["freshness"][0]["provider_name"] == "AWS"
    assert document["freshness"][0]["latest_charge"] == "2026-10-31"
    assert document["freshness"][0]["last_ingest"].endswith("UTC")


def test_sources_and_data_quality(document: dict) -> None:
    kinds = {row["coefficient"] for row in document["sources"]}
    assert {"CPU power per vCPU", "Data centre PUE", "Method constants"} <= kinds
    assert any(k.startswith("Grid intensity") for k in kinds)
    assert any("Electricity Maps" in row["source"] and "ODbL" in row["licence"] for row in document["sources"])
    quality = document["data_quality"]
    reasons = {row["reason"] for row in quality["unknowns_by_reason"]}
    assert "usage type has no energy model" in reasons
    assert all(0 <= row["cost_share"] < 1 for row in quality["unknowns_by_reason"])
    assert quality["restated"] == []  # the demo was ingested once


def test_markdown_summary(written: dict[str, Path], document: dict) -> None:
    text = written["md"].read_text()
    tonnes = document["summary"]["totals"]["total_kgco2e"] / 1000
    assert f"*{tonnes:,.2f} tCO2e*" in text
    assert "October 2026" in text and "report-2026-10.html" in text and "AmazonEC2" in text
    assert document["meta"]["coefficients_version"] in text


def test_opportunities_section_follows_the_library(written: dict[str, Path], document: dict) -> None:
    html = written["html"].read_text()
    for name in ("whatif", "recommend-region"):
        found = document["opportunities"][name]
        assert found["assumptions"] and found["rows"], name
        saved = [row["kgco2e_saved"] for row in found["rows"]]
        assert saved == sorted(saved, reverse=True) and saved[0] > 0, name
        assert escape(found["assumptions"][0]) in html


def test_opportunities_read_without_a_glossary(written: dict[str, Path], document: dict) -> None:
    html = written["html"].read_text()
    section = html[html.index('<section id="opportunities">'):html.index('<section id="forecast">')]
    for raw in ("<th>kgco2e</th>", "intensity gco2e per kwh", "<th>pareto</th>", ">True<", ">False<"):
        assert raw not in section, raw
    assert "Grid intensity there (gCO2e/kWh)" in section and "CO2e saved (kg)" in section
    whatif = document["opportunities"]["whatif"]
    # Moving cloud usage on-premises is a counterfactual: context beside the levers, never a negative saving.
    assert all(row["kgco2e_saved"] >= 0 for row in whatif["rows"])
    assert "mechanization" not in [row["scenario"] for row in whatif["rows"]]
    (context,) = whatif["context"]
    assert context["scenario"] == "mechanization" and context["kgco2e_more"] > 0
    assert "Context, not a saving" in section
    # Each best move as a decision: what, from where to where, the saving, and the cost or why it is unknown.
    moves = document["opportunities"]["recommend-region"]
    assert len(moves["decisions"]) == len(moves["rows"])
    for line, row in zip(moves["decisions"], moves["rows"], strict=True):
        assert line.startswith("Move ") and f" to {row['region']}: −{row['pct_saved']:.0f} % CO2e" in line
        cost = f"{row['cost_delta']:+,.2f}" if row["cost_delta"] is not None else "cost change unknown"
        assert cost in line and " nan " not in line
        # A move that carries stored data says what moving it costs once, and when the saving pays it back.
        if row["migration_cost"]:
            assert f"one-off {row['migration_cost']:,.2f} {row['currency']} to move" in line
        assert escape(line) in section
    assert any(row["migration_cost"] for row in moves["rows"]), "the demo moves stored data somewhere"
    assert "One-off cost to move the data" in section


def test_carbon_price_top_resources_and_where_data_begins(written: dict[str, Path], document: dict) -> None:
    totals, priced = document["summary"]["totals"], document["summary"]["carbon_price"]
    assert priced["usd_per_tonne"] == 80
    for suffix in ("", "_low", "_high"):
        assert priced[f"usd{suffix}"] == pytest.approx(totals[f"total_kgco2e{suffix}"] * 0.08)
    html = written["html"].read_text()
    assert "USD per tonne of CO2e, the month" in html
    top = document["breakdowns"]["resource"]
    assert top[0]["instance_type"] and top[0]["team_tag_key"] == "team"
    assert any(row["team_tag"] for row in top) and f"{top[0]['instance_type']} · team {top[0]['team_tag']}" in html
    # The demo holds August to October: the 12-month trend says where its data begins.
    assert "data begins in August 2026" in html


def test_reconcile_section_equals_the_cli(demo_db: Path, written: dict[str, Path], document: dict) -> None:
    """The demo's (synthetic) AWS carbon export meets the bill: the section is `reconcile --by provider,service`."""
    result = cli_run("--db", str(demo_db), "reconcile", "--month", "2026-10", "--by", "provider,service",
                     "--format", "json")
    expected = json.loads(result.stdout)["rows"]
    shown = document["reconcile"]
    assert shown["rows"] == expected and len(expected) > 3
    assert shown["months_held"] == ["2026-08", "2026-09", "2026-10"]
    html = written["html"].read_text()
    assert "Compared with the provider&#39;s own figures" in html or "Compared with the provider's own figures" in html
    assert all(escape(row["service"]) in html for row in expected if row["service"])


def test_a_month_without_provider_figures_says_which_months_have_them(demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "no-carbon.duckdb"
    cli_run("--db", str(db), "ingest", "aws", str(connectors.get("aws").example_path()))
    out = tmp_path / "out"
    cli_run("--db", str(db), "report", "--month", "2025-01", "--output", str(out))
    document = json.loads((out / "report-2025-01.json").read_text())
    assert document["reconcile"]["rows"] == [] and document["reconcile"]["months_held"] == []
    assert "No provider-reported emissions in the store" in (out / "report-2025-01.html").read_text()


def test_report_page_in_chromium(browser, written: dict[str, Path], document: dict, tmp_path: Path) -> None:
    page, log = open_page(browser, written["html"].as_uri())
    assert log.console_errors == [] and log.page_errors == []
    assert log.requests == [written["html"].as_uri()], "the report must load nothing beyond itself"
    marks = chart_marks(page)
    assert set(marks) == {"trend", "service", "region", "tag"}
    assert all(count > 0 for count in marks.values()), marks
    assert marks["trend"] >= 2 * 3  # two stacked bars for each of the three demo months
    numbers = page_numbers(page)
    assert len(numbers) > 100
    assert_numbers_match(numbers, document)
    assert page.title() == "Cloud carbon report — October 2026"
    assert page.locator("#opportunities").is_visible()
    shot = keep_screenshot(page, tmp_path, "report-2026-10.png")
    assert shot.stat().st_size > 50_000
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf))  # prints (print CSS) to a real PDF
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 20_000
    page.close()


def test_hostile_tag_values_render_as_text(browser, tmp_path: Path) -> None:
    db = tmp_path / "hostile.duckdb"
    lines = [item(tags={"team": HOSTILE}, period="2026-10", start="2026-10-01T00:00:00Z",
                  end="2026-10-01T01:00:00Z", amount=100)]
    with open_store(db) as con:
        ingest_aws(con, [str(write_cur(tmp_path / "cur.parquet", lines))])
    cli_run("--db", str(db), "report", "--month", "2026-10", "--output", str(tmp_path / "out"), "--by-tag", "team")
    html_path = tmp_path / "out" / "report-2026-10.html"
    html = html_path.read_text()
    assert "<script" not in html and "<img" not in html
    page, log = open_page(browser, html_path.as_uri())
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.reload(wait_until="networkidle")
    assert dialogs == [] and log.page_errors == []
    assert page.locator("script, img").count() == 0
    assert HOSTILE in page.locator("#breakdowns table").last.inner_text() or HOSTILE in page.inner_text("body")
    page.close()


def test_bad_input_is_one_line(demo_db: Path, tmp_path: Path) -> None:
    before = fingerprint(demo_db)

    def report(*args: str):
        return CliRunner().invoke(cli, ["--db", str(demo_db), "report", *args])

    one_line_error(report("--month", "2026-12", "--output", str(tmp_path / "a")), "2026-12", "ingest")
    usage_error(report("--month", "2026-13", "--output", str(tmp_path / "a")), "--month", "YYYY-MM")
    # The month after 9999-12 (and the trend's months before 0001-01) cannot be a date: refused, not a crash.
    for month in ("9999-12", "0001-01"):
        usage_error(report("--month", month, "--output", str(tmp_path / "a")), f"--month '{month}'", "2000-01")
    usage_error(report("--month", "2026-10", "--output", str(tmp_path / "a"), "--by-tag", "a b"), "--by-tag")
    usage_error(report("--month", "2026-10", "--output", str(tmp_path / "a"), "--carbon-price", "-3"),
                "--carbon-price")
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    is_file = report("--month", "2026-10", "--output", str(a_file))
    assert is_file.exit_code == 2 and "is a file" in is_file.output
    missing = CliRunner().invoke(cli, ["--db", str(tmp_path / "none.duckdb"), "report", "--month", "2026-10",
                                       "--output", str(tmp_path / "b")])
    one_line_error(missing, "no store")
    usage = report("--output", str(tmp_path / "a"))
    assert usage.exit_code == 2 and "--month" in usage.output
    assert fingerprint(demo_db) == before
    assert not (tmp_path / "a").exists()


def test_report_window_matches_footprint_month_window(demo_db: Path, document: dict) -> None:
    """The report's period is exactly the footprint's --month window (same SQL, same bounds)."""
    assert document["meta"]["period"] == window("2026-10").label()
