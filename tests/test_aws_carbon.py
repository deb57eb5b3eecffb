"""`cloudcarbon ingest aws-carbon`: AWS's Data Exports carbon emissions table (CARBON_EMISSIONS) into
provider_emissions. Fixtures are built in the documented column names (Data Exports user guide, "Carbon
emissions columns"); no real export rows are public, so the figures are synthetic."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner, Result
from conftest import fingerprint, one_line_error
from test_s3 import endpoint, s3  # noqa: F401  (moto S3 fixtures)

from cloudcarbon.cli import cli

COLUMNS = ["last_refresh_timestamp", "location", "model_version", "payer_account_id", "product_code", "region_code",
           "total_lbm_emissions_unit", "total_lbm_emissions_value", "total_mbm_emissions_unit",
           "total_mbm_emissions_value", "usage_account_id", "usage_period_end", "usage_period_start"]


def row(**given: object) -> dict[str, object]:
    base: dict[str, object] = {
        "last_refresh_timestamp": "2025-04-14 08:12:45Z", "location": "US East (N. Virginia)",
        "model_version": "v3.0.0", "payer_account_id": "000011112222", "product_code": "AmazonEC2",
        "region_code": "us-east-1", "total_lbm_emissions_unit": "MTCO2e", "total_lbm_emissions_value": 0.412,
        "total_mbm_emissions_unit": "MTCO2e", "total_mbm_emissions_value": 0.018,
        "usage_account_id": "000033334444", "usage_period_end": "2025-02-01 00:00:00Z",
        "usage_period_start": "2025-01-01 00:00:00Z",
    }
    return base | given


def write_csv(path: Path, rows: list[dict[str, object]], columns: list[str] = COLUMNS) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_parquet(path: Path, rows: list[dict[str, object]]) -> Path:
    """As Data Exports writes Parquet: timestamps and values typed, the rest strings."""
    text = write_csv(path.with_suffix(".csv"), rows)
    with duckdb.connect() as con:
        con.execute(f"""
            COPY (SELECT * REPLACE (
                      CAST(CAST(last_refresh_timestamp AS TIMESTAMPTZ) AS TIMESTAMP) AS last_refresh_timestamp,
                      CAST(CAST(usage_period_start AS TIMESTAMPTZ) AS TIMESTAMP) AS usage_period_start,
                      CAST(CAST(usage_period_end AS TIMESTAMPTZ) AS TIMESTAMP) AS usage_period_end,
                      CAST(total_lbm_emissions_value AS DOUBLE) AS total_lbm_emissions_value,
                      CAST(total_mbm_emissions_value AS DOUBLE) AS total_mbm_emissions_value)
                  FROM read_csv('{text}', all_varchar = true))
            TO '{path}' (FORMAT parquet)""")
    text.unlink()
    return path


def ingest(db: Path, *paths: Path | str, input: bytes | None = None) -> Result:
    return CliRunner().invoke(cli, ["--db", str(db), "ingest", "aws-carbon", *map(str, paths)], input=input)


def ok(db: Path, *paths: Path | str) -> str:
    result = ingest(db, *paths)
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stderr


def figures(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT sub_account_id, strftime(billing_period_start, '%Y-%m'), region_id, service_name, method, "
            "round(kgco2e, 9), reported_value, reported_unit, scopes_covered FROM provider_emissions ORDER BY ALL"
        ).fetchall()


@pytest.mark.parametrize("writer", [write_csv, write_parquet], ids=["csv", "parquet"])
def test_figures_are_stored_in_kg_beside_the_value_and_unit_reported(writer, tmp_path: Path) -> None:
    rows = [row(), row(product_code="AmazonCloudFront", region_code="", location="Global",
                       total_lbm_emissions_value=0.006, total_mbm_emissions_value=0.001)]
    db = tmp_path / "s.duckdb"
    line = ok(db, writer(tmp_path / f"carbon{'.csv' if writer is write_csv else '.parquet'}", rows))
    container = "csv" if writer is write_csv else "parquet"
    assert f"(aws-carbon-{container}): 2 rows read, 2 kept, 4 provider figure(s) stored" in line, line
    assert "AWS 000033334444 2025-01 (new)" in line
    assert figures(db) == [  # a global service's region is 'global', as the CUR names it
        ("000033334444", "2025-01", "global", "AmazonCloudFront", "location", 6.0, 0.006, "MTCO2e", "1+2+3"),
        ("000033334444", "2025-01", "global", "AmazonCloudFront", "market", 1.0, 0.001, "MTCO2e", "1+2+3"),
        ("000033334444", "2025-01", "us-east-1", "AmazonEC2", "location", 412.0, 0.412, "MTCO2e", "1+2+3"),
        ("000033334444", "2025-01", "us-east-1", "AmazonEC2", "market", 18.0, 0.018, "MTCO2e", "1+2+3"),
    ]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM usage").fetchall() == [(0,)]  # provider figures are not usage
        assert con.execute("SELECT DISTINCT billing_account_id, region_name, x_source_format, model_version, "
                           "strftime(x_refreshed_at, '%Y-%m-%d %H:%M:%S') FROM provider_emissions "
                           "WHERE service_name = 'AmazonEC2'").fetchall() == [
            ("000011112222", "US East (N. Virginia)", f"aws-carbon-{container}", "v3.0.0", "2025-04-14 08:12:45")]


def test_units_are_converted_and_older_models_cover_scopes_1_and_2(tmp_path: Path) -> None:
    rows = [row(total_lbm_emissions_unit="kgCO2e", total_lbm_emissions_value=250,
                total_mbm_emissions_unit="lbsCO2e", total_mbm_emissions_value=1000, model_version="v2.0.0"),
            row(region_code="eu-west-1", total_lbm_emissions_unit="tCO2e", total_lbm_emissions_value=0.5,
                total_mbm_emissions_unit="gCO2e", total_mbm_emissions_value=1500, model_version="v1.0.0")]
    db = tmp_path / "s.duckdb"
    ok(db, write_csv(tmp_path / "c.csv", rows))
    assert figures(db) == [
        ("000033334444", "2025-01", "eu-west-1", "AmazonEC2", "location", 500.0, 0.5, "tCO2e", "1+2"),
        ("000033334444", "2025-01", "eu-west-1", "AmazonEC2", "market", 1.5, 1500.0, "gCO2e", "1+2"),
        ("000033334444", "2025-01", "us-east-1", "AmazonEC2", "location", 250.0, 250.0, "kgCO2e", "1+2"),
        ("000033334444", "2025-01", "us-east-1", "AmazonEC2", "market", 453.59237, 1000.0, "lbsCO2e", "1+2"),
    ]


def test_a_restated_month_replaces_its_account_and_leaves_the_others(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    first = [row(), row(usage_account_id="000055556666", total_lbm_emissions_value=1.0),
             row(usage_period_start="2025-02-01 00:00:00Z", usage_period_end="2025-03-01 00:00:00Z")]
    ok(db, write_csv(tmp_path / "first.csv", first))
    # AWS restates January of one account under a new model version: 0.412 -> 0.5 t, and drops a figure.
    restated = [row(total_lbm_emissions_value=0.5, total_mbm_emissions_value="", model_version="v3.1.0",
                    last_refresh_timestamp="2025-07-01 00:00:00Z")]
    line = ok(db, write_csv(tmp_path / "restated.csv", restated))
    assert "1 period(s): AWS 000033334444 2025-01 (replaced)" in line, line
    with duckdb.connect(str(db), read_only=True) as con:
        held = con.execute("SELECT sub_account_id, strftime(billing_period_start, '%Y-%m'), method, kgco2e, "
                           "model_version FROM provider_emissions ORDER BY ALL").fetchall()
        periods = con.execute("SELECT sub_account_id, strftime(billing_period_start, '%Y-%m'), rows_kept, "
                              "rows_replaced FROM provider_ingest_periods ORDER BY ALL").fetchall()
    assert held == [("000033334444", "2025-01", "location", 500.0, "v3.1.0"),
                    ("000033334444", "2025-02", "location", 412.0, "v3.0.0"),
                    ("000033334444", "2025-02", "market", 18.0, "v3.0.0"),
                    ("000055556666", "2025-01", "location", 1000.0, "v3.0.0"),
                    ("000055556666", "2025-01", "market", 18.0, "v3.0.0")]
    assert periods == [("000033334444", "2025-01", 1, 2), ("000033334444", "2025-01", 2, 0),
                       ("000033334444", "2025-02", 2, 0), ("000055556666", "2025-01", 2, 0)]
    assert CliRunner().invoke(cli, ["--db", str(db), "doctor"]).exit_code == 0


def test_copies_and_deliveries_of_one_figure_are_kept_once(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    a = write_csv(tmp_path / "a.csv", [row(), row(region_code="eu-west-1")])
    copy = write_csv(tmp_path / "b.csv", [row()])
    line = ok(db, a, copy)
    assert "3 rows read, 2 kept, 4 provider figure(s) stored; 1 duplicate line(s) dropped" in line, line
    later = write_csv(tmp_path / "later.csv", [row(total_lbm_emissions_value=0.45,
                                                   last_refresh_timestamp="2025-05-14 08:00:00Z")])
    line = ok(db, a, later)
    assert "1 line(s) superseded by a later refresh" in line, line
    assert [f[5] for f in figures(db) if f[2] == "us-east-1"] == [450.0, 18.0]
    # A later refresh of one figure of a line supersedes that figure alone: the line's other figure stays.
    partial = write_csv(tmp_path / "partial.csv", [row(total_lbm_emissions_value=0.5, total_mbm_emissions_value="",
                                                       last_refresh_timestamp="2025-06-01 00:00:00Z")])
    line = ok(db, a, partial)
    assert "3 rows read, 3 kept, 4 provider figure(s) stored;" in line and "superseded" not in line, line
    assert [(f[4], f[5]) for f in figures(db) if f[2] == "us-east-1"] == [("location", 500.0), ("market", 18.0)]


def test_two_values_of_one_refresh_are_refused(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    a = write_csv(tmp_path / "a.csv", [row(region_code="eu-west-1"), row()])
    b = write_csv(tmp_path / "b.csv", [row(total_lbm_emissions_value=0.5)])
    one_line_error(ingest(db, a, b), f"{b} data row 1", f"{a} data row 2", "000033334444", "us-east-1", "AmazonEC2",
                   "location-based", "ingest one delivery")


def _with(tmp_path: Path, name: str, **given: object) -> Path:
    return write_csv(tmp_path / name, [row(region_code="eu-west-1"), row(**given)])


@pytest.mark.parametrize(("given", "named"), [
    ({"total_lbm_emissions_value": "abc"}, ["data row 2, column total_lbm_emissions_value", "'abc' is not a number"]),
    ({"usage_period_start": "January"}, ["data row 2, column usage_period_start", "is not a date/time"]),
    ({"usage_period_start": ""}, ["data row 2, column usage_period_start", "is empty"]),
    ({"usage_account_id": ""}, ["data row 2, column usage_account_id", "is empty"]),
    ({"total_mbm_emissions_unit": "furlongs"}, ["column total_mbm_emissions_unit is 'furlongs'", "MTCO2e"]),
    ({"total_lbm_emissions_unit": ""}, ["column total_lbm_emissions_unit is empty"]),
    ({"usage_period_start": "1999-12-01 00:00:00Z"}, ["usage_period_start 1999-12-01 is outside 2000-01-01"]),
])
def test_a_bad_value_is_one_line_naming_the_file_and_the_store_is_unchanged(
        given: dict[str, object], named: list[str], tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    ok(db, write_csv(tmp_path / "good.csv", [row()]))
    before = fingerprint(db)
    bad = _with(tmp_path, "bad.csv", **given)
    one_line_error(ingest(db, bad), str(bad), *named)
    assert fingerprint(db) == before


def test_foreign_and_incomplete_exports_are_refused(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    cur = tmp_path / "cur.csv"
    cur.write_text("bill_payer_account_id,line_item_usage_account_id\n1,2\n")
    one_line_error(ingest(db, cur), str(cur), "not an AWS carbon emissions export", "ingest aws")
    no_unit = write_csv(tmp_path / "no-unit.csv", [row()], [c for c in COLUMNS if c != "total_mbm_emissions_unit"])
    one_line_error(ingest(db, no_unit), str(no_unit), "total_mbm_emissions_unit is missing")
    no_account = write_csv(tmp_path / "no-account.csv", [row()], [c for c in COLUMNS if c != "usage_account_id"])
    one_line_error(ingest(db, no_account), str(no_account), "usage_account_id is missing")
    assert not db.exists()  # nothing was written


def test_a_row_without_a_figure_is_counted_as_left_out(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    rows = [row(), row(region_code="eu-west-1", total_lbm_emissions_value="", total_mbm_emissions_value="")]
    line = ok(db, write_csv(tmp_path / "c.csv", rows))
    assert "2 rows read, 1 kept, 2 provider figure(s) stored (1 left out: 1 row(s) without a figure (first: data " \
           "row 2))" in line, line


def test_an_export_piped_in_is_recorded_as_stdin(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    result = ingest(db, "-", input=write_csv(tmp_path / "c.csv", [row()]).read_bytes())
    assert result.exit_code == 0, result.output
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT DISTINCT x_source_file FROM provider_emissions").fetchall() == [("-",)]
        assert con.execute("SELECT source_files FROM provider_ingests").fetchall() == [(["-"],)]


def test_billing_and_provider_figures_live_side_by_side(tmp_path: Path) -> None:
    """A usage ingest after a provider ingest (and the other way round) leaves the other's rows alone."""
    from cloudcarbon import connectors

    db = tmp_path / "s.duckdb"
    aws = connectors.get("aws").example_path()
    assert CliRunner().invoke(cli, ["--db", str(db), "ingest", "aws", str(aws)]).exit_code == 0
    ok(db, write_csv(tmp_path / "c.csv", [row()]))
    assert CliRunner().invoke(cli, ["--db", str(db), "ingest", "aws", str(aws)]).exit_code == 0
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM provider_emissions").fetchall() == [(2,)]
        assert con.execute("SELECT count(DISTINCT x_ingest_id) FROM usage").fetchall() == [(1,)]
    doctor = CliRunner().invoke(cli, ["--db", str(db), "doctor"])
    assert doctor.exit_code == 0, doctor.output


# --- the AWS Sustainability API (`--api`), through botocore's Stubber (moto has no Sustainability API) ---------

def _result(account: str, region: str, service: str, model: str = "3.0.0", **values: float) -> dict[str, object]:
    from datetime import datetime

    return {"TimePeriod": {"Start": datetime(2025, 1, 1), "End": datetime(2025, 2, 1)},
            "DimensionsValues": {"USAGE_ACCOUNT_ID": account, "REGION": region, "SERVICE": service},
            "ModelVersion": model,
            "EmissionsValues": {name: {"Value": value, "Unit": "MTCO2e"} for name, value in values.items()}}


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch):
    """The API client the connector gets, stubbed; yields the Stubber to queue responses on."""
    import boto3
    from botocore.stub import Stubber

    from cloudcarbon.connectors.aws_carbon import api

    client = boto3.session.Session().client("sustainability", region_name="us-east-1", aws_access_key_id="x",
                                            aws_secret_access_key="y")
    with Stubber(client) as stub:
        monkeypatch.setattr(api, "client", lambda profile, region: client)
        yield stub
        stub.assert_no_pending_responses()


def _request(**more: object) -> dict[str, object]:
    from datetime import datetime

    from cloudcarbon.connectors.aws_carbon.api import EMISSIONS_TYPES, GROUP_BY

    return {"TimePeriod": {"Start": datetime(2025, 1, 1), "End": datetime(2025, 2, 1)}, "GroupBy": GROUP_BY,
            "EmissionsTypes": EMISSIONS_TYPES, "Granularity": "MONTHLY", **more}


def test_the_api_stores_totals_and_every_scope_by_method(stubbed, tmp_path: Path) -> None:
    scopes = {"TOTAL_LBM_CARBON_EMISSIONS": 0.5, "TOTAL_MBM_CARBON_EMISSIONS": 0.1,
              "TOTAL_SCOPE_1_CARBON_EMISSIONS": 0.01, "TOTAL_SCOPE_2_LBM_CARBON_EMISSIONS": 0.3,
              "TOTAL_SCOPE_2_MBM_CARBON_EMISSIONS": 0.02, "TOTAL_SCOPE_3_LBM_CARBON_EMISSIONS": 0.19,
              "TOTAL_SCOPE_3_MBM_CARBON_EMISSIONS": 0.07}
    db = tmp_path / "s.duckdb"
    for _ in range(2):  # the second run replaces the first
        stubbed.add_response("get_estimated_carbon_emissions",
                             {"Results": [_result("000033334444", "us-east-1", "AmazonEC2", **scopes)],
                              "NextToken": "page-2"}, _request())
        stubbed.add_response("get_estimated_carbon_emissions",
                             {"Results": [_result("000033334444", "eu-west-1", "AmazonS3", model="2.0.0",
                                                  TOTAL_LBM_CARBON_EMISSIONS=0.004)]},
                             _request(NextToken="page-2"))
        result = CliRunner().invoke(cli, ["--db", str(db), "ingest", "aws-carbon", "--api", "--month", "2025-01"])
        assert result.exit_code == 0, result.output
    assert "(aws-sustainability-api): 2 rows read, 2 kept, 8 provider figure(s) stored; 1 period(s): AWS " \
           "000033334444 2025-01 (replaced)" in result.stderr, result.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        held = con.execute("SELECT region_id, scope, method, round(kgco2e, 9), scopes_covered, model_version "
                           "FROM provider_emissions ORDER BY ALL").fetchall()
        logged = con.execute("SELECT source_format, source_files FROM provider_ingests").fetchall()
    assert held == [("eu-west-1", "total", "location", 4.0, "1+2", "2.0.0"),
                    ("us-east-1", "scope 1", None, 10.0, "1", "3.0.0"),
                    ("us-east-1", "scope 2", "location", 300.0, "2", "3.0.0"),
                    ("us-east-1", "scope 2", "market", 20.0, "2", "3.0.0"),
                    ("us-east-1", "scope 3", "location", 190.0, "3", "3.0.0"),
                    ("us-east-1", "scope 3", "market", 70.0, "3", "3.0.0"),
                    ("us-east-1", "total", "location", 500.0, "1+2+3", "3.0.0"),
                    ("us-east-1", "total", "market", 100.0, "1+2+3", "3.0.0")]
    assert logged[-1] == ("aws-sustainability-api", ["aws-sustainability-api:GetEstimatedCarbonEmissions"])
    rows = json.loads(CliRunner().invoke(cli, ["--db", str(db), "reconcile", "--month", "2025-01", "--format",
                                               "json", "--by", "service"]).stdout)["rows"]
    ec2 = next(r for r in rows if r["service"] == "AmazonEC2")
    assert (ec2["theirs_location_kgco2e"], ec2["theirs_scope1_kgco2e"], ec2["theirs_scope2_market_kgco2e"],
            ec2["theirs_scope3_location_kgco2e"], ec2["their_scopes"]) == (500.0, 10.0, 20.0, 190.0, "1+2+3")


def test_the_api_refusing_is_one_line_and_changes_nothing(stubbed, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    ok(db, write_csv(tmp_path / "c.csv", [row()]))
    before = fingerprint(db)
    stubbed.add_client_error("get_estimated_carbon_emissions", "AccessDeniedException", "User is not authorized",
                             403, expected_params=_request())
    result = CliRunner().invoke(cli, ["--db", str(db), "ingest", "aws-carbon", "--api", "--month", "2025-01"])
    one_line_error(result, "AccessDeniedException", "sustainability:GetEstimatedCarbonEmissions")
    stubbed.add_response("get_estimated_carbon_emissions", {"Results": []}, _request())
    result = CliRunner().invoke(cli, ["--db", str(db), "ingest", "aws-carbon", "--api", "--month", "2025-01"])
    one_line_error(result, "no emissions for 2025-01-01 to 2025-02-01", "three months")
    assert fingerprint(db) == before


def test_api_options_are_checked_first(tmp_path: Path) -> None:
    from conftest import usage_error

    db = tmp_path / "s.duckdb"
    usage_error(CliRunner().invoke(cli, ["--db", str(db), "ingest", "aws-carbon", "--api"]), "--api", "--month")
    usage_error(CliRunner().invoke(cli, ["--db", str(db), "ingest", "aws-carbon", "--month", "2025-01"]), "--api")
    usage_error(CliRunner().invoke(cli, ["--db", str(db), "ingest", "aws-carbon", "--api", "--month", "2025-01",
                                         "x.csv"]), "SOURCES")
    usage_error(CliRunner().invoke(cli, ["--db", str(db), "ingest", "aws-carbon"]), "SOURCES")
    assert not db.exists()


def test_the_api_without_credentials_or_network_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    db = tmp_path / "s.duckdb"
    args = ["--db", str(db), "ingest", "aws-carbon", "--api", "--month", "2025-01"]
    one_line_error(CliRunner().invoke(cli, args), "no AWS credentials found")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-example")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    one_line_error(CliRunner().invoke(cli, args), "cannot reach the AWS Sustainability API")
    assert not db.exists()


def test_an_export_delivered_to_s3(s3, tmp_path: Path) -> None:  # noqa: F811  (the fixture)
    """Data Exports delivers to S3: a prefix is read through s3fs (moto's server, as in test_s3.py)."""
    import gzip

    from test_s3 import BUCKET

    text = write_csv(tmp_path / "c.csv", [row(), row(region_code="eu-west-1")]).read_bytes()
    key = "carbon/data/BILLING_PERIOD=2025-01/carbon-00001.csv.gz"
    s3.put_object(Bucket=BUCKET, Key=key, Body=gzip.compress(text))
    s3.put_object(Bucket=BUCKET, Key="carbon/metadata/BILLING_PERIOD=2025-01/carbon-Manifest.json", Body=b"{}")
    db = tmp_path / "s.duckdb"
    line = ok(db, f"s3://{BUCKET}/carbon/")
    assert "ingested 1 file(s) (aws-carbon-csv): 2 rows read, 2 kept, 4 provider figure(s) stored" in line, line
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT DISTINCT x_source_file FROM provider_emissions").fetchall() == [
            (f"s3://{BUCKET}/{key}",)]
    one_line_error(ingest(db, f"s3://{BUCKET}/nothing-here/"), f"s3://{BUCKET}/nothing-here/")
