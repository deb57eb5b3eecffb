"""`cloudcarbon ingest gcp-carbon`: Google Cloud's Carbon Footprint export into provider_emissions. Fixtures are
built in code in the documented schema (Carbon Footprint "data schema" page: nested RECORDs in Parquet and JSON,
flattened in CSV); no real export rows are public, so the figures are synthetic."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner, Result
from conftest import fingerprint, one_line_error

from cloudcarbon.cli import cli


def record(**given: object) -> dict:
    """One export row, nested as BigQuery holds it."""
    base: dict = {
        "usage_month": "2025-01-01", "billing_account_id": "007GD7-15C0E6-BDE6B3",
        "project": {"id": "my-project", "number": "802583874831"},
        "service": {"id": "6F81-5844-456A", "description": "Compute Engine"},
        "location": {"location": "us-central1-a", "region": "us-central1"},
        "carbon_model_version": 12,
        "carbon_footprint_total_kgCO2e": {"location_based": 41.5, "market_based": 17.6},
        "carbon_footprint_kgCO2e": {"scope1": 0.4, "scope2": {"location_based": 26.1, "market_based": 3.2},
                                    "scope3": 15.0},
    }
    return base | given


def flat(value: dict, prefix: str = "", sep: str = ".") -> dict:
    out: dict = {}
    for name, item in value.items():
        if isinstance(item, dict):
            out |= flat(item, f"{prefix}{name}{sep}", sep)
        else:
            out[f"{prefix}{name}"] = item
    return out


def write_csv(path: Path, rows: list[dict], sep: str = ".") -> Path:
    flats = [flat(r, sep=sep) for r in rows]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, list(flats[0]))
        writer.writeheader()
        writer.writerows(flats)
    return path


def write_json(path: Path, rows: list[dict]) -> Path:
    """As `bq extract --destination_format NEWLINE_DELIMITED_JSON` writes it (INT64 as a string)."""
    path.write_text("".join(json.dumps(r | {"carbon_model_version": str(r["carbon_model_version"])}) + "\n"
                            for r in rows))
    return path


def write_parquet(path: Path, rows: list[dict]) -> Path:
    """Nested RECORDs as Parquet groups, usage_month a DATE, as BigQuery exports Parquet."""
    source = write_json(path.with_suffix(".json"), rows)
    with duckdb.connect() as con:
        con.execute(f"COPY (SELECT * REPLACE (CAST(usage_month AS DATE) AS usage_month, "
                    f"CAST(carbon_model_version AS BIGINT) AS carbon_model_version) FROM read_json('{source}')) "
                    f"TO '{path}' (FORMAT parquet)")
    source.unlink()
    return path


def ingest(db: Path, *paths: Path | str) -> Result:
    return CliRunner().invoke(cli, ["--db", str(db), "ingest", "gcp-carbon", *map(str, paths)])


def figures(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT sub_account_id, billing_account_id, strftime(billing_period_start, '%Y-%m'), "
                           "region_id, service_name, scope, scopes_covered, method, kgco2e, reported_unit, "
                           "model_version FROM provider_emissions ORDER BY ALL").fetchall()


def expected(project: str = "my-project", region: str | None = "us-central1", scale: float = 1.0) -> list[tuple]:
    account, month, service = "007GD7-15C0E6-BDE6B3", "2025-01", "Compute Engine"
    rows = [("scope 1", "1", None, 0.4), ("scope 2", "2", "location", 26.1), ("scope 2", "2", "market", 3.2),
            ("scope 3", "3", None, 15.0), ("total", "1+2+3", "location", 41.5), ("total", "1+2+3", "market", 17.6)]
    return sorted((project, account, month, region, service, scope, covered, method, value * scale, "kgCO2e", "12")
                  for scope, covered, method, value in rows)


WRITERS = {"csv-dotted": (write_csv, ".csv"), "csv-underscored": (lambda p, r: write_csv(p, r, "_"), ".csv"),
           "json": (write_json, ".json"), "parquet": (write_parquet, ".parquet")}


@pytest.mark.parametrize("shape", list(WRITERS))
def test_every_scope_and_method_is_stored_in_kg(shape: str, tmp_path: Path) -> None:
    writer, suffix = WRITERS[shape]
    db = tmp_path / "s.duckdb"
    result = ingest(db, writer(tmp_path / f"carbon{suffix}", [record()]))
    assert result.exit_code == 0, result.output
    assert "1 rows read, 1 kept, 6 provider figure(s) stored" in result.stderr, result.stderr
    assert "GCP my-project 2025-01 (new)" in result.stderr
    assert figures(db) == expected()


def test_global_and_projectless_rows_and_reingest_replaces(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    rows = [record(), record(project={"id": None, "number": ""},
                             location={"location": "global", "region": None})]
    assert ingest(db, write_json(tmp_path / "a.json", rows)).exit_code == 0
    held = figures(db)
    # A row without a project belongs to the billing account; a global location is region 'global'.
    assert [r for r in held if r[0] == "007GD7-15C0E6-BDE6B3"] == expected("007GD7-15C0E6-BDE6B3", "global")
    restated = record(carbon_footprint_total_kgCO2e={"location_based": 83.0, "market_based": 35.2},
                      carbon_footprint_kgCO2e={"scope1": 0.8, "scope2": {"location_based": 52.2,
                                                                         "market_based": 6.4}, "scope3": 30.0})
    result = ingest(db, write_json(tmp_path / "b.json", [restated]))
    assert "GCP my-project 2025-01 (replaced)" in result.stderr, result.stderr
    again = figures(db)
    assert [r for r in again if r[0] == "my-project"] == expected(scale=2.0)
    assert [r for r in again if r[0] != "my-project"] == [r for r in held if r[0] != "my-project"]


@pytest.mark.parametrize(("change", "names"), [
    ({"carbon_footprint_kgCO2e": {"scope1": "lots", "scope2": {"location_based": 1, "market_based": 1},
                                  "scope3": 1}}, ["bad.csv", "data row 2", "carbon_footprint_kgCO2e.scope1"]),
    ({"usage_month": "January"}, ["bad.csv", "data row 2", "usage_month"]),
    ({"usage_month": "2025-01-15"}, ["bad.csv", "data row 2", "usage_month"]),
    ({"carbon_footprint_total_kgCO2e": {"location_based": -3, "market_based": 1}}, ["bad.csv", "data row 2",
                                                                                    "negative"]),
])
def test_bad_input_is_one_line_and_leaves_the_store(change: dict, names: list[str], tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    assert ingest(db, write_csv(tmp_path / "good.csv", [record()])).exit_code == 0
    before = fingerprint(db)
    result = ingest(db, write_csv(tmp_path / "bad.csv", [record(project={"id": "other", "number": "1"}),
                                                         record(**change)]))
    one_line_error(result, *names)
    assert fingerprint(db) == before


def test_a_billing_export_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "billing.csv"
    path.write_text("billing_account_id,cost\nx,1\n")
    one_line_error(ingest(tmp_path / "s.duckdb", path), "billing.csv", "carbon_footprint_total_kgCO2e")


def test_reconcile_sets_google_figures_beside_ours(tmp_path: Path) -> None:
    from gcpfiles import row as billing_row
    from gcpfiles import write_jsonl

    from cloudcarbon.footprint import footprint
    from cloudcarbon.periods import window

    db = tmp_path / "s.duckdb"
    billing = CliRunner().invoke(cli, ["--db", str(db), "ingest", "gcp",
                                       str(write_jsonl(tmp_path / "billing.jsonl", [billing_row()]))])
    assert billing.exit_code == 0, billing.output
    assert ingest(db, write_json(tmp_path / "carbon.json", [record(project={"id": "shop-prod",
                                                                            "number": "1"})])).exit_code == 0
    result = CliRunner().invoke(cli, ["--db", str(db), "reconcile", "--month", "2025-01", "--provider", "gcp",
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    with duckdb.connect(str(db), read_only=True) as con:
        ours = footprint(con, by=["account", "region", "service"], window=window("2025-01"))
    assert len(rows) == 1 and len(ours) == 1, rows
    (got,) = rows
    assert (got["account"], got["region"], got["service"]) == ("shop-prod", "us-central1", "Compute Engine")
    assert got["theirs_location_kgco2e"] == pytest.approx(41.5)
    assert got["theirs_market_kgco2e"] == pytest.approx(17.6)
    assert got["ours_total_kgco2e"] == pytest.approx(float(ours["total_kgco2e"].iloc[0]))
    assert got["ratio"] == pytest.approx(got["ours_total_kgco2e"] / 41.5)
    assert (got["theirs_scope1_kgco2e"], got["theirs_scope2_location_kgco2e"]) == pytest.approx((0.4, 26.1))
