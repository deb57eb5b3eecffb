"""The four CUR shapes ingest to the same canonical rows; only usage lines count."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from curfiles import LEGACY_NAMES, item, write_cur

from cloudcarbon.connectors.aws.formats import legacy_to_snake

SHAPES = [
    ("cur2", "cur.parquet"),
    ("cur2", "cur.csv"),
    ("cur2", "cur.csv.gz"),
    ("legacy", "cur.csv"),
    ("legacy", "cur.csv.gz"),
    ("legacy", "cur.csv.zip"),
    ("athena", "cur.parquet"),
    ("athena", "cur.csv"),
]


def fleet() -> list[dict]:
    """A month with every kind of line the connector must keep or skip."""
    return [
        item(tags={"team": "web", "env": "prod"}),
        item(usage_type="USW2-BoxUsage:c5.large", instance_type="c5.large", region="us-west-2", az="us-west-2a",
             amount=10, cost=0.85, tags={"team": "web"}),
        item(line_type="DiscountedUsage", amount=5, cost=0, ri_cost=0.3),
        item(line_type="SavingsPlanCoveredUsage", amount=2, cost=0.192, sp_cost=0.12),
        item(usage_type="SpotUsage:m5.large", amount=3, cost=0.1),
        item(usage_type="BoxUsage:p4d.24xlarge", instance_type="p4d.24xlarge", vcpu="96", amount=2, cost=65.54,
             tags={"team": "ml"}),
        item(product_code="AmazonRDS", usage_type="Multi-AZUsage:db.r5.large", instance_type="db.r5.large",
             amount=4, cost=2.0),
        item(product_code="AmazonSageMaker", usage_type="USW2-Train:ml.p3.2xlarge", instance_type="ml.p3.2xlarge",
             region="us-west-2", vcpu="8", amount=1, cost=3.8),
        item(usage_type="Fargate-vCPU-Hours:perCPU", instance_type="", vcpu="", amount=8, cost=0.3,
             unit="hours", product_code="AmazonECS"),
        item(usage_type="Fargate-GB-Hours", instance_type="", vcpu="", amount=16, cost=0.07, unit="hours",
             product_code="AmazonECS"),
        item(usage_type="EBS:VolumeUsage.gp3", instance_type="", vcpu="", amount=100, cost=8, unit="GB-Mo"),
        item(product_code="AmazonS3", usage_type="TimedStorage-ByteHrs", instance_type="", vcpu="", amount=50,
             cost=1.15, unit="GB-Mo"),
        item(usage_type="DataTransfer-Out-Bytes", instance_type="", vcpu="", amount=20, cost=1.8, unit="GB"),
        item(usage_type="BoxUsage:zz9.mega", instance_type="zz9.mega", vcpu="4", amount=7, cost=1.0),
        # Lines that must not count as usage:
        item(line_type="RIFee", usage_type="HeavyUsage:m5.large", amount=720, cost=40),
        item(line_type="SavingsPlanNegation", amount=2, cost=-0.192),
        item(line_type="Tax", usage_type="", amount=0, cost=5, unit=""),
        item(line_type="Credit", amount=0, cost=-3),
        item(usage_type="EBSOptimized:m5.large", amount=1, cost=0),
        item(product_code="ElasticMapReduce", usage_type="BoxUsage:m5.xlarge", instance_type="m5.xlarge", amount=4,
             cost=0.19),
    ]


def usage_totals(db: Path) -> dict:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            """
            SELECT x_usage_kind, coalesce(x_instance_type, '-'), region_id, round(sum(x_instance_hours), 6),
                   round(sum(x_vcpu_hours), 6), round(sum(x_gpu_hours), 6), round(sum(x_memory_gib_hours), 6),
                   round(sum(x_storage_gib_hours), 6), any_value(x_storage_media), round(sum(x_network_gb), 6),
                   round(sum(effective_cost), 6), count(*)
            FROM usage GROUP BY ALL ORDER BY ALL
            """
        ).fetchall()
    return {tuple(r[:3]): r[3:] for r in rows}


def test_legacy_names_follow_the_athena_rule():
    for snake, legacy in LEGACY_NAMES.items():
        assert legacy_to_snake(legacy) == snake
    assert legacy_to_snake("savingsPlan/SavingsPlanARN") == "savings_plan_savings_plan_a_r_n"


@pytest.mark.parametrize(("style", "name"), SHAPES)
def test_every_shape_gives_the_same_rows(tmp_path, run, db, style, name):
    path = write_cur(tmp_path / name, fleet(), style)
    result = run("ingest", "aws", str(path))
    assert f"{len(fleet())} rows read, 16 kept" in result.stderr  # EBSOptimized and EMR fee kept as cost-only "other"
    totals = usage_totals(db)
    assert totals[("compute", "m5.large", "us-east-1")][:2] == (11.0, 22.0)  # 1 + RI 5 + SP 2 + spot 3 hours
    assert totals[("compute", "c5.large", "us-west-2")][:2] == (10.0, 20.0)
    assert totals[("gpu", "p4d.24xlarge", "us-east-1")][:3] == (2.0, 192.0, 16.0)
    assert totals[("compute", "r5.large", "us-east-1")][0] == 8.0  # Multi-AZ: writer and standby
    assert totals[("gpu", "p3.2xlarge", "us-west-2")][:3] == (1.0, 8.0, 1.0)
    assert totals[("compute", "-", "us-east-1")][1] == 8.0  # Fargate vCPU-hours
    assert totals[("memory", "-", "us-east-1")][3] == 16.0  # Fargate GB-hours are memory, not storage
    ebs_and_s3 = totals[("storage", "-", "us-east-1")]
    assert ebs_and_s3[4] == pytest.approx(150 * 24 * 31)  # GB-months spread over January's hours
    assert totals[("network", "-", "us-east-1")][6] == 20.0
    assert totals[("compute", "zz9.mega", "us-east-1")][:2] == (7.0, 28.0)  # unknown type, vCPUs from the bill
    # Amortised cost: RI and SP lines at their effective cost; RI fees, taxes, credits and negations left out.
    all_cost = sum(v[7] for v in totals.values())
    expected = 0.096 + 0.85 + 0.3 + 0.12 + 0.1 + 65.54 + 2.0 + 3.8 + 0.3 + 0.07 + 8 + 1.15 + 1.8 + 1.0 + 0.19
    assert all_cost == pytest.approx(expected)
    assert not any(k[1] == "m5.xlarge" for k in totals)  # EMR fee line is not a second instance


def test_tags_are_normalised_for_every_shape(tmp_path, run, db):
    for number, (style, name) in enumerate(SHAPES):
        folder = tmp_path / str(number)
        folder.mkdir()
        lines = [item(tags={"team": "web"}, payer=f"00000000000{number}")]
        run("ingest", "aws", str(write_cur(folder / name, lines, style)))
    with duckdb.connect(str(db), read_only=True) as con:
        teams = con.execute("SELECT tags['team'], count(*) FROM usage GROUP BY 1").fetchall()
    assert teams == [("web", len(SHAPES))]


def test_mixed_formats_in_one_ingest(tmp_path, run, db):
    write_cur(tmp_path / "a.parquet", [item(payer="111111111111")], "cur2")
    write_cur(tmp_path / "b.csv", [item(payer="222222222222")], "legacy")
    result = run("ingest", "aws", str(tmp_path))
    assert "cur-legacy-csv+cur2-parquet" in result.stderr
    assert "2 period(s)" in result.stderr
