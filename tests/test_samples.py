"""Real public CUR samples (../shared/reference/samples) ingest with reconciled totals, or are
rejected with a clear reason. Skipped when the samples folder is absent."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from conftest import SAMPLES, no_reference

AWS = SAMPLES / "aws-cur"
USAGE_LINES = {"Usage", "DiscountedUsage", "SavingsPlanCoveredUsage"}

pytestmark = pytest.mark.skipif(not AWS.is_dir(), reason=no_reference(AWS))

INGESTIBLE = [
    "legacy-cur_csv_anonymized_2023-11_daily_1281rows.csv",
    "legacy-cur_csv_koku_2023-06_savingsplan_m5large.csv",
    "legacy-cur_csv_koku_2023-06_not-final.csv",
    "legacy-cur_csv_koku_2018-06_generated.csv",
    "legacy-cur_athena-snake-case_koku_2022-07.csv",
    "mock-delivery/cur2_MockTestReportV2-00001.csv.gz",
    "mock-delivery/cur1_sample_billing_data.csv",
]
# Manifests whose data files are not in the samples folder: rejected, naming the missing file.
REJECTED = {
    "mock-delivery/cur1_MockTestReport-Manifest.json": "MockTestReport-00001.csv.zip",
    "mock-delivery/cur2_MockTestReportV2-Manifest.json": "MockTestReportV2-00001.csv.gz",
}


def test_every_aws_sample_is_accounted_for():
    """A sample added to the folder must be listed as ingestible or rejected, so none goes untested."""
    present = {str(p.relative_to(AWS)) for p in AWS.rglob("*") if p.is_file()}
    assert present == set(INGESTIBLE) | set(REJECTED)


def expected_totals(path) -> tuple[int, float, float]:
    """Rows, usage amount and unblended cost of the usage lines, read independently with pandas."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    line_type = next(c for c in frame.columns if c in ("lineItem/LineItemType", "line_item_line_item_type"))
    amount = next(c for c in frame.columns if c in ("lineItem/UsageAmount", "line_item_usage_amount"))
    cost = next(c for c in frame.columns if c in ("lineItem/UnblendedCost", "line_item_unblended_cost"))
    usage = frame[frame[line_type].isin(USAGE_LINES)]
    return len(usage), pd.to_numeric(usage[amount]).sum(), pd.to_numeric(usage[cost]).sum()


@pytest.mark.parametrize("name", INGESTIBLE)
def test_sample_ingests_with_reconciled_totals(run, db, name):
    run("ingest", "aws", str(AWS / name))
    rows, amount, cost = expected_totals(AWS / name)
    with duckdb.connect(str(db), read_only=True) as con:
        got = con.execute("SELECT count(*), sum(consumed_quantity), sum(billed_cost) FROM usage").fetchall()[0]
    assert got[0] == rows
    assert got[1] == pytest.approx(amount)
    assert got[2] == pytest.approx(cost)


def test_savings_plan_sample_is_an_m5_large(run, db):
    run("ingest", "aws", str(AWS / "legacy-cur_csv_koku_2023-06_savingsplan_m5large.csv"))
    with duckdb.connect(str(db), read_only=True) as con:
        kinds = con.execute(
            "SELECT x_instance_type, sum(x_vcpu_hours), any_value(pricing_category) FROM usage "
            "WHERE x_usage_kind = 'compute' GROUP BY 1"
        ).fetchall()
    assert kinds and kinds[0][0] == "m5.large" and kinds[0][2] == "Committed"


@pytest.mark.parametrize(("name", "missing"), REJECTED.items())
def test_manifest_with_missing_data_file_is_rejected(run, db, name, missing):
    result = run("ingest", "aws", str(AWS / name), expect=1)
    assert missing in result.stderr and "not found" in result.stderr
