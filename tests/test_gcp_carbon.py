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


# --- Read in BigQuery (`--table`) -----------------------------------------------------------------------------

BQ_QUERIES = "https://bigquery.googleapis.com/bigquery/v2/projects/billing-proj/queries"
TABLE = "my-project.carbon.carbon_footprint"


def bigquery_answer(rows: list[dict], tmp_path: Path, first: str, end: str) -> dict:
    """What BigQuery's jobs.query returns for our query: the same flattened SELECT run in DuckDB over the nested
    rows (as the table holds them), encoded as the REST API encodes rows (every value as text)."""
    from cloudcarbon.connectors.gcp_carbon.bigquery import FIELDS

    source = write_json(tmp_path / "table.json", rows)
    select = ", ".join(f"CAST({path} AS VARCHAR) AS {name}" for name, path in FIELDS.items())
    with duckdb.connect() as con:
        data = con.execute(f"SELECT {select} FROM read_json('{source}') WHERE CAST(usage_month AS DATE) >= $first "
                           "AND CAST(usage_month AS DATE) < $end", {"first": first, "end": end}).fetchall()
    kinds = {name: "FLOAT" if name.startswith("carbon_footprint") else "STRING" for name in FIELDS}
    return {"kind": "bigquery#queryResponse",
            "jobReference": {"projectId": "billing-proj", "jobId": "job_1", "location": "US"},
            "schema": {"fields": [{"name": n, "type": t, "mode": "NULLABLE"} for n, t in kinds.items()]},
            "rows": [{"f": [{"v": value} for value in row]} for row in data],
            "totalRows": str(len(data)), "jobComplete": True}


def bigquery_client():
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import bigquery

    return bigquery.Client(project="billing-proj", credentials=AnonymousCredentials())


def ingest_table(db: Path, month: str = "2025-01") -> None:
    from cloudcarbon.connectors.gcp_carbon.bigquery import ingest_gcp_carbon_bigquery
    from cloudcarbon.periods import window
    from cloudcarbon.staging import ingest_staged

    ingest_staged(db, lambda con: ingest_gcp_carbon_bigquery(con, TABLE, window=window(month),
                                                             client=bigquery_client()))


def test_bigquery_table_stores_what_the_exported_file_stores(tmp_path: Path) -> None:
    import responses

    rows = [record(), record(usage_month="2025-02-01", project={"id": "other", "number": "2"}),
            record(service={"id": "95FF-2EF5-5EA1", "description": "Cloud Storage"},
                   location={"location": "us", "region": None})]
    file_db, table_db = tmp_path / "file.duckdb", tmp_path / "table.duckdb"
    assert ingest(file_db, write_json(tmp_path / "january.json", [rows[0], rows[2]])).exit_code == 0
    with responses.RequestsMock() as mocked:
        mocked.post(BQ_QUERIES, json=bigquery_answer(rows, tmp_path, "2025-01-01", "2025-02-01"))
        ingest_table(table_db)
        sent = json.loads(mocked.calls[0].request.body)
    parameters = {p["name"]: p["parameterValue"]["value"] for p in sent["queryParameters"]}
    assert parameters == {"first_month": "2025-01-01", "end_month": "2025-02-01"}
    assert f"`{TABLE}`" in sent["query"] and "@first_month" in sent["query"] and sent["useLegacySql"] is False
    assert "2025" not in sent["query"], "the month travels as a parameter"
    assert figures(table_db) == figures(file_db) and len(figures(table_db)) == 12
    with duckdb.connect(str(table_db), read_only=True) as con:
        assert con.execute("SELECT DISTINCT x_source_format, x_source_file FROM provider_emissions").fetchall() == [
            ("gcp-carbon-bigquery", f"bigquery://{TABLE}")]


def test_bigquery_month_without_rows_is_one_line_and_leaves_the_store(tmp_path: Path, monkeypatch) -> None:
    import responses

    db = tmp_path / "s.duckdb"
    assert ingest(db, write_json(tmp_path / "carbon.json", [record()])).exit_code == 0
    before = fingerprint(db)
    # Application Default Credentials of a signed-in user: google-auth trades the refresh token at Google's token
    # endpoint, which the test answers.
    key = tmp_path / "adc.json"
    key.write_text('{"type": "authorized_user", "client_id": "id.apps.googleusercontent.com", '
                   '"client_secret": "not-secret", "refresh_token": "refresh-token"}')
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key))
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))
    with responses.RequestsMock() as mocked:
        mocked.post("https://oauth2.googleapis.com/token",
                    json={"access_token": "token", "expires_in": 3600, "token_type": "Bearer"})
        mocked.post(BQ_QUERIES, json=bigquery_answer([record()], tmp_path, "2025-03-01", "2025-04-01"))
        result = CliRunner().invoke(cli, ["--db", str(db), "ingest", "gcp-carbon", "--table", TABLE, "--month",
                                          "2025-03", "--billing-project", "billing-proj"])
    one_line_error(result, TABLE, "2025-03", "--month")
    assert fingerprint(db) == before


@pytest.mark.parametrize(("arguments", "named"), [
    (["--table", TABLE], "--month"),
    (["--table", "nodots", "--month", "2025-01"], "project.dataset.table"),
    (["--table", "p.d.t`; DROP", "--month", "2025-01"], "project.dataset.table"),
    (["--month", "2025-01", "carbon.csv"], "--table only"),
    ([], "SOURCES"),
])
def test_table_usage_errors_are_exit_2(arguments: list[str], named: str, tmp_path: Path) -> None:
    from conftest import usage_error

    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "s.duckdb"), "ingest", "gcp-carbon", *arguments])
    usage_error(result, named)
