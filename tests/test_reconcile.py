"""`cloudcarbon reconcile`: our footprint beside AWS's own figures (provider_emissions), each part of the difference
checked against a hand computation from our footprint and the provider's figure, and the parts adding up to it."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner, Result
from conftest import REFERENCE, no_reference, one_line_error, usage_error
from test_aws_carbon import row, write_csv

from cloudcarbon import connectors
from cloudcarbon.cli import cli
from cloudcarbon.footprint import footprint
from cloudcarbon.periods import window

MONTH = "2025-01"
ACCOUNT = "012345678901"  # the account of the AWS connector's example CUR: EC2 in us-east-1, January 2025
PARTS = ["part_scope3_only_ours_kgco2e", "part_only_ours_kgco2e", "part_only_theirs_kgco2e", "part_rounding_kgco2e",
         "part_unexplained_kgco2e"]


def theirs(**given: object) -> dict[str, object]:
    """A figure of AWS's carbon export for the example's account and month, in kg for exact arithmetic."""
    return row(usage_account_id=ACCOUNT, payer_account_id=ACCOUNT, total_lbm_emissions_unit="kgCO2e",
               total_mbm_emissions_unit="kgCO2e", **given)


def invoke(db: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", str(db), *args])


def store(tmp_path: Path, figures: list[dict[str, object]]) -> Path:
    db = tmp_path / "s.duckdb"
    assert invoke(db, "ingest", "aws", str(connectors.get("aws").example_path())).exit_code == 0
    result = invoke(db, "ingest", "aws-carbon", str(write_csv(tmp_path / "carbon.csv", figures)))
    assert result.exit_code == 0, result.output
    return db


def ours(db: Path, by: list[str]) -> dict[tuple, dict[str, float]]:
    with duckdb.connect(str(db), read_only=True) as con:
        frame = footprint(con, by=by, window=window(MONTH))
    return {tuple(r[k] for k in by): r for r in frame.to_dict("records")}


def reconciled(db: Path, *args: str) -> list[dict]:
    result = invoke(db, "reconcile", "--month", MONTH, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    for r in rows:  # the parts always add up to the difference
        assert sum(r[p] for p in PARTS) == pytest.approx(r["difference_kgco2e"], abs=1e-9), r
    return rows


def test_a_model_without_scope_3_is_compared_with_our_operational_range(tmp_path: Path) -> None:
    db = store(tmp_path, [theirs(model_version="v2.0.0", total_lbm_emissions_value=0.05,
                                 total_mbm_emissions_value=0.01),
                          theirs(model_version="v2.0.0", region_code="eu-west-1", total_lbm_emissions_value=87,
                                 total_mbm_emissions_value=4)])
    mine = ours(db, ["provider", "account", "region", "service"])[("AWS", ACCOUNT, "us-east-1", "AmazonEC2")]
    rows = {r["region"]: r for r in reconciled(db)}
    ec2 = rows["us-east-1"]
    assert ec2["ours_total_kgco2e"] == pytest.approx(mine["total_kgco2e"])
    assert ec2["theirs_location_kgco2e"] == 0.05 and ec2["theirs_market_kgco2e"] == 0.01
    assert ec2["their_scopes"] == "1+2" and ec2["their_model_version"] == "v2.0.0"
    assert ec2["difference_kgco2e"] == pytest.approx(mine["total_kgco2e"] - 0.05)
    # They count scopes 1 and 2: our embodied is scope 3 they leave out; the rest is unexplained.
    assert ec2["part_scope3_only_ours_kgco2e"] == pytest.approx(mine["embodied_kgco2e"])
    # The file's figures show at most two decimals (kg): each may be 0.005 kg from what it rounds.
    rest = mine["operational_kgco2e"] - 0.05
    assert ec2["part_rounding_kgco2e"] == pytest.approx(max(-0.005, min(0.005, rest)))
    assert ec2["part_unexplained_kgco2e"] == pytest.approx(rest - ec2["part_rounding_kgco2e"])
    assert ec2["ratio"] == pytest.approx(mine["total_kgco2e"] / 0.05)
    assert ec2["market_minus_location_kgco2e"] == pytest.approx(0.01 - 0.05)
    assert mine["operational_kgco2e_low"] < 0.05 < mine["operational_kgco2e_high"]
    assert ec2["theirs_in_our_range"] is True
    assert "scope 3 (embodied) we count and they do not" in ec2["explanation"]
    assert "inside our range" in ec2["explanation"] and "as they count scopes 1+2 only" in ec2["explanation"]
    # eu-west-1: they report usage we have no rows for.
    other = rows["eu-west-1"]
    assert other["ours_total_kgco2e"] is None and other["part_only_theirs_kgco2e"] == -87.0
    assert other["part_unexplained_kgco2e"] == 0 and other["theirs_in_our_range"] is None
    assert "for usage we do not estimate" in other["explanation"]


@pytest.mark.parametrize(("scale", "inside", "said"), [(1.0, True, "inside our range"),
                                                        (10.0, False, "above our range"),
                                                        (0.1, False, "below our range")])
def test_a_scope_3_model_is_compared_with_our_total_range(tmp_path: Path, scale: float, inside: bool,
                                                          said: str) -> None:
    probe = store(tmp_path / "probe", [theirs(product_code="AmazonS3")])
    total = ours(probe, ["service"])[("AmazonEC2",)]["total_kgco2e"]
    db = store(tmp_path, [theirs(model_version="v3.0.0", total_lbm_emissions_value=total * scale,
                                 total_mbm_emissions_value="")])
    (ec2,) = reconciled(db)
    assert ec2["their_scopes"] == "1+2+3" and ec2["part_scope3_only_ours_kgco2e"] == 0
    assert ec2["part_unexplained_kgco2e"] == pytest.approx(total - total * scale)
    assert ec2["theirs_in_our_range"] is inside and said in ec2["explanation"]
    assert ec2["theirs_market_kgco2e"] is None and ec2["ratio"] == pytest.approx(1 / scale)


@pytest.mark.parametrize("offset_kg", [0.0, 0.4, -0.4, 2.0])
def test_their_rounding_to_a_thousandth_of_a_tonne_is_a_part_of_its_own(tmp_path: Path, offset_kg: float) -> None:
    """AWS reports MTCO2e to three decimals: a figure may be up to 0.5 kg from the one it rounds. That much of the
    difference is put down to rounding, the rest stays unexplained."""
    probe = store(tmp_path / "probe", [theirs(product_code="AmazonS3")])
    total = ours(probe, ["service"])[("AmazonEC2",)]["total_kgco2e"]
    reported = round((total - offset_kg) / 1000, 3)
    db = store(tmp_path, [row(usage_account_id=ACCOUNT, payer_account_id=ACCOUNT, total_lbm_emissions_value=reported,
                              total_mbm_emissions_value=0.002)])
    (ec2,) = reconciled(db)
    difference = total - reported * 1000
    assert ec2["difference_kgco2e"] == pytest.approx(difference)
    assert ec2["part_rounding_kgco2e"] == pytest.approx(max(-0.5, min(0.5, difference)))
    assert ec2["part_unexplained_kgco2e"] == pytest.approx(difference - max(-0.5, min(0.5, difference)), abs=1e-9)
    assert ("rounding of their figures" in ec2["explanation"]) is (difference != 0)


def test_a_group_only_we_estimate_and_the_grouping_asked(tmp_path: Path) -> None:
    db = store(tmp_path, [theirs(product_code="AmazonS3", total_lbm_emissions_value=2.5),
                          theirs(product_code="AmazonS3", region_code="eu-west-1", total_lbm_emissions_value=1.5)])
    mine = ours(db, ["service"])
    rows = {r["service"]: r for r in reconciled(db, "--by", "service", "--provider", "aws")}
    assert set(rows) == {"AmazonEC2", "AmazonS3"} and next(iter(rows["AmazonS3"])) == "service"
    assert rows["AmazonEC2"]["part_only_ours_kgco2e"] == pytest.approx(mine[("AmazonEC2",)]["total_kgco2e"])
    assert "AWS reports no figure for it" in rows["AmazonEC2"]["explanation"]
    assert rows["AmazonS3"]["theirs_location_kgco2e"] == 4.0  # both regions summed
    assert rows["AmazonS3"]["part_only_theirs_kgco2e"] == -4.0


def test_csv_and_table_output(tmp_path: Path) -> None:
    db = store(tmp_path, [theirs(total_lbm_emissions_value=0.05)])
    csv = invoke(db, "reconcile", "--month", MONTH, "--format", "csv")
    assert csv.exit_code == 0, csv.output
    header = csv.stdout.splitlines()[0].split(",")
    assert header[:4] == ["provider", "account", "region", "service"]
    assert {"ratio", "theirs_in_our_range", "difference_kgco2e", *PARTS, "explanation"} <= set(header)
    table = CliRunner().invoke(cli, ["--db", str(db), "reconcile", "--month", MONTH], env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "theirs (location)" in table.stdout and "AmazonEC2" in table.stdout


def test_nothing_to_compare_and_bad_options(tmp_path: Path) -> None:
    db = store(tmp_path, [theirs()])
    one_line_error(invoke(db, "reconcile", "--month", "2025-02"), "no provider-reported emissions",
                   "it holds 2025-01", "ingest aws-carbon")
    one_line_error(invoke(db, "reconcile", "--month", MONTH, "--provider", "azure"), "it holds none yet")
    usage_error(invoke(db, "reconcile", "--month", MONTH, "--provider", "oracle"), "--provider", "aws")
    usage_error(invoke(db, "reconcile", "--month", MONTH, "--by", "instance_type"), "--by", "service")
    usage_error(invoke(db, "reconcile", "--month", MONTH, "--by", ","), "--by", "at least one")
    usage_error(invoke(db, "reconcile", "--month", "2025-13"), "--month")
    assert invoke(db, "reconcile").exit_code == 2


def test_usage_we_do_not_estimate_is_shown_as_its_cost_share(tmp_path: Path) -> None:
    from curfiles import item, write_cur

    db = tmp_path / "s.duckdb"
    lines = [item(), item(usage_type="BoxUsage:zz9.huge", instance_type="zz9.huge", vcpu="", cost=0.288,
                          resource_id="i-unknown")]
    assert invoke(db, "ingest", "aws", str(write_cur(tmp_path / "cur.csv", lines))).exit_code == 0
    assert invoke(db, "ingest", "aws-carbon", str(write_csv(tmp_path / "c.csv", [theirs()]))).exit_code == 0
    (ec2,) = reconciled(db)
    assert ec2["unmapped_cost_share"] == pytest.approx(0.288 / (0.288 + 0.096))  # the unknown type's cost
    assert "75.0% of our cost here is usage we do not estimate" in ec2["explanation"]


SAMPLE = REFERENCE / "samples" / "aws-cur" / "legacy-cur_csv_anonymized_2023-11_daily_1281rows.csv"


@pytest.mark.skipif(not SAMPLE.exists(), reason=no_reference(SAMPLE))
def test_a_real_cur_meets_the_carbon_exports_regions_and_product_codes(tmp_path: Path) -> None:
    """A real CUR (shared reference sample) beside synthetic figures: the export's product codes are the CUR's, and
    its global services (location 'Global', no region code) meet the CUR's region 'global'."""
    db = tmp_path / "s.duckdb"
    assert invoke(db, "ingest", "aws", str(SAMPLE)).exit_code == 0
    figures = [row(usage_account_id=account, payer_account_id=account, product_code=service, region_code=region,
                   location="Global" if region == "" else "Canada (Central)", usage_period_start="2023-11-01 00:00:00Z",
                   usage_period_end="2023-12-01 00:00:00Z")
               for account, service, region in (("123412340534", "AmazonCloudWatch", ""),
                                                ("123412340534", "awskms", "ca-central-1"))]
    assert invoke(db, "ingest", "aws-carbon", str(write_csv(tmp_path / "c.csv", figures))).exit_code == 0
    result = invoke(db, "reconcile", "--month", "2023-11", "--by", "region,service", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {(r["region"], r["service"]): r for r in json.loads(result.stdout)["rows"]}
    for key in (("global", "AmazonCloudWatch"), ("ca-central-1", "awskms")):
        assert rows[key]["ours_total_kgco2e"] is not None and rows[key]["theirs_location_kgco2e"] == 412.0, key
