"""`ingest focus`: the FinOps FOCUS 1.0 sample reconciles per provider, FOCUS 1.2 fixtures find instance
types wherever each provider puts them, unknown providers are reported, and bad input is one line."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import SAMPLES, fingerprint, no_reference, one_line_error
from curfiles import item, write_cur

FOCUS = SAMPLES / "focus"
SAMPLE = FOCUS / "focus-1.0_sample_1000rows_aws-azure-oci.csv"
needs_samples = pytest.mark.skipif(not SAMPLE.exists(), reason=no_reference(SAMPLE))


def row(**fields: object) -> dict:
    """One FOCUS 1.2 usage row; defaults describe an hour of an AWS m5.large in us-east-1."""
    line = {
        "BillingAccountId": "111122223333",
        "BillingAccountName": "Payer",
        "BillingAccountType": "Billing Account",
        "BillingPeriodStart": "2025-03-01T00:00:00Z",
        "BillingPeriodEnd": "2025-04-01T00:00:00Z",
        "ChargePeriodStart": "2025-03-02T00:00:00Z",
        "ChargePeriodEnd": "2025-03-02T01:00:00Z",
        "ChargeCategory": "Usage",
        "ChargeClass": None,
        "ChargeDescription": "$0.096 per On Demand Linux m5.large Instance Hour",
        "ProviderName": "AWS",
        "ServiceName": "Amazon Elastic Compute Cloud",
        "ServiceCategory": "Compute",
        "SubAccountId": "444455556666",
        "SubAccountName": "team",
        "RegionId": "us-east-1",
        "RegionName": "US East (N. Virginia)",
        "ResourceId": "i-1",
        "PricingCategory": "Standard",
        "ConsumedQuantity": 1.0,
        "ConsumedUnit": "Hours",
        "BilledCost": 0.096,
        "EffectiveCost": 0.096,
        "BillingCurrency": "USD",
        "SkuPriceDetails": None,
        "Tags": None,
        "x_UsageType": None,
        "x_SkuDetails": None,
    }
    unknown = set(fields) - set(line)
    assert not unknown, unknown
    line.update(fields)
    return line


def write_focus(path: Path, rows: list[dict]) -> Path:
    """CSV (JSON columns as text, optionally gzipped) or Parquet (SkuPriceDetails a MAP, Tags a MAP or, for
    a GCP-style list of {key, value} dicts, a list of structs) — the container follows the file name."""
    if path.name.endswith(".parquet"):
        columns = {name: [r[name] for r in rows] for name in rows[0]}
        types = {name: pa.string() for name in columns}
        for name in ("ConsumedQuantity", "BilledCost", "EffectiveCost"):
            types[name] = pa.float64()
        types["SkuPriceDetails"] = pa.map_(pa.string(), pa.string())
        columns["SkuPriceDetails"] = [
            None if v is None else [(k, str(x)) for k, x in v.items()] for v in columns["SkuPriceDetails"]
        ]
        if any(isinstance(v, list) for v in columns["Tags"]):
            types["Tags"] = pa.list_(pa.struct([("key", pa.string()), ("value", pa.string()),
                                                ("x_type", pa.string())]))
        else:
            types["Tags"] = pa.map_(pa.string(), pa.string())
            columns["Tags"] = [None if v is None else list(v.items()) for v in columns["Tags"]]
        columns["x_SkuDetails"] = [None if v is None else json.dumps(v) for v in columns["x_SkuDetails"]]
        pq.write_table(pa.table({n: pa.array(v, types[n]) for n, v in columns.items()}), path)
        return path
    text = [[("" if v is None else json.dumps(v) if isinstance(v, dict | list) else str(v)) for v in r.values()]
            for r in rows]
    lines = [list(rows[0]), *text]
    with (gzip.open(path, "wt", newline="") if path.name.endswith(".gz") else open(path, "w", newline="")) as f:
        csv.writer(f, lineterminator="\n").writerows(lines)
    return path


def store(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


# --- the FinOps Foundation sample -------------------------------------------------------------------------

@needs_samples
def test_sample_reconciles_per_provider(run, db):
    result = run("ingest", "focus", str(SAMPLE))
    assert "focus-1.0-csv" in result.stderr and "1,000 rows read, 997 kept" in result.stderr
    frame = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    usage = frame[frame["ChargeCategory"].str.lower() == "usage"]
    names = {"AWS": "AWS", "Microsoft": "Azure", "Oracle": "Oracle"}
    expected = {
        names[p]: (len(g), pd.to_numeric(g["ConsumedQuantity"]).sum(), pd.to_numeric(g["EffectiveCost"]).sum())
        for p, g in usage.groupby("ProviderName")
    }
    got = {p: (n, q, c) for p, n, q, c in store(db, """
        SELECT provider_name, count(*), sum(consumed_quantity), sum(effective_cost) FROM usage GROUP BY 1""")}
    assert set(got) == set(expected) == {"AWS", "Azure", "Oracle"}
    for provider, (rows, quantity, cost) in expected.items():
        assert got[provider][0] == rows
        assert got[provider][1] == pytest.approx(quantity, rel=1e-12)
        assert got[provider][2] == pytest.approx(cost, rel=1e-9, abs=1e-12)


@needs_samples
def test_sample_ec2_instance_types_come_from_the_charge_description(run, db):
    run("ingest", "focus", str(SAMPLE))
    frame = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    ec2 = frame[(frame["ProviderName"] == "AWS") & (frame["ResourceType"] == "instance")]
    expected = ec2["ChargeDescription"].str.extract(r"Linux (\S+) Instance Hour")[0].value_counts().to_dict()
    assert sum(expected.values()) == 26
    got = dict(store(db, "SELECT x_instance_type, count(*) FROM usage WHERE x_instance_type IS NOT NULL GROUP BY 1"))
    assert got == expected
    gpu = dict(store(db, """SELECT x_instance_type, sum(x_gpu_hours) FROM usage WHERE x_usage_kind = 'gpu'
                            GROUP BY 1"""))
    assert set(gpu) == {"g3.4xlarge", "g5.4xlarge"} and all(hours > 0 for hours in gpu.values())
    # The EBS-optimised bandwidth line names an instance too, but it is not an instance hour.
    assert store(db, "SELECT count(*) FROM usage WHERE x_instance_type = 'c6a.4xlarge'") == [(0,)]


@needs_samples
def test_sample_oracle_rows_are_reported_not_guessed(run, db):
    run("ingest", "focus", str(SAMPLE))
    assert store(db, """SELECT DISTINCT x_usage_kind, x_instance_type, x_vcpu_hours FROM usage
                        WHERE provider_name = 'Oracle'""") == [("other", None, None)]
    listed = json.loads(run("unknowns", "--format", "json").stdout)
    oracle = [r for r in listed["rows"] if r["provider"] == "Oracle"]
    assert oracle and {r["reason"] for r in oracle} == {"provider has no coefficient tables (not estimated)"}
    assert sum(r["rows"] for r in oracle) == 5
    footprint = json.loads(run("footprint", "--by", "provider", "--format", "json").stdout)["rows"]
    assert {r["provider"] for r in footprint} >= {"AWS", "Oracle"}


@needs_samples
@pytest.mark.parametrize("example", sorted((FOCUS / "spec-examples").glob("*.csv")), ids=lambda p: p.stem)
def test_spec_examples_are_rejected_with_a_reason(run, db, example):
    # The spec's accounting examples omit mandatory columns (BillingAccountId, ProviderName).
    line = one_line_error(run("ingest", "focus", str(example), expect=None), example.name, "required FOCUS column")
    assert "BillingAccountId" in line
    assert not db.exists()  # refused before anything was stored: not even an empty store was created


# --- hand-written FOCUS 1.2 fixtures -----------------------------------------------------------------------

def provider_rows() -> list[dict]:
    return [
        # FOCUS 1.2 SkuPriceDetails names type, cores and GPUs (and beats the description).
        row(SkuPriceDetails={"InstanceType": "p4d.24xlarge", "CoreCount": 96, "GpuCount": 8},
            ChargeDescription="Some text", ResourceId="i-p4d", ConsumedQuantity=2.0),
        # AWS x_UsageType suffix.
        row(x_UsageType="USW2-BoxUsage:c5.xlarge", ChargeDescription="", RegionId="us-west-2", ResourceId="i-c5"),
        # Azure FocusCost: x_SkuDetails (AdditionalInfo) ServiceType and VCPUs.
        row(ProviderName="Microsoft", BillingAccountId="/providers/Microsoft.Billing/billingAccounts/1",
            SubAccountId="sub-1", RegionId="EastUS", ServiceName="Virtual Machines", ChargeDescription="D4s v3",
            x_SkuDetails={"ServiceType": "Standard_D4s_v3", "VCPUs": 4}, ConsumedQuantity=10.0, ResourceId="vm-1"),
        # GCP FOCUS view: machine_spec and cores system labels in Tags; a core SKU in vCPU-hours.
        row(ProviderName="Google Cloud", BillingAccountId="0A1B2C-3D4E5F-6A7B8C", RegionId="us-central1",
            ServiceName="Compute Engine", ChargeDescription="N2 Instance Core running in Americas",
            Tags=[{"key": "compute.googleapis.com/machine_spec", "value": "n2-standard-8", "x_type": "system_label"},
                  {"key": "compute.googleapis.com/cores", "value": "8", "x_type": "system_label"},
                  {"key": "team", "value": "ml", "x_type": "label"}],
            ConsumedQuantity=16.0, ResourceId="gce-1"),
        # Block storage in GB-months and egress in GB; a purchase row that is not usage.
        row(ServiceName="Amazon Elastic Compute Cloud", ServiceCategory="Storage", ConsumedUnit="GB-Mo",
            ConsumedQuantity=100.0, ChargeDescription="$0.08 per GB-month of General Purpose SSD (gp3) storage",
            ResourceId="vol-1"),
        row(ConsumedUnit="GB", ConsumedQuantity=5.0, ChargeDescription="$0.09 per GB - data transfer out",
            ResourceId=None),
        row(ChargeCategory="Purchase", ConsumedQuantity=None, ConsumedUnit=None, EffectiveCost=100.0),
    ]


@pytest.mark.parametrize("name", ["focus12.parquet", "focus12.csv", "focus12.csv.gz"])
def test_focus_12_fixtures_find_instance_types_per_provider(run, db, tmp_path, name):
    path = write_focus(tmp_path / name, provider_rows())
    result = run("ingest", "focus", str(path))
    assert f"focus-1.2-{'parquet' if name.endswith('parquet') else 'csv'}" in result.stderr
    assert "7 rows read, 6 kept" in result.stderr
    got = {r[0]: r[1:] for r in store(db, """
        SELECT coalesce(x_instance_type, x_usage_kind), provider_name, x_usage_kind, x_instance_hours, x_vcpu_hours,
               x_gpu_hours, x_storage_gib_hours, x_storage_class, x_network_gb
        FROM usage""")}
    assert got["p4d.24xlarge"][:5] == ("AWS", "gpu", 2.0, 192.0, 16.0)
    assert got["c5.xlarge"][:4] == ("AWS", "compute", 1.0, 4.0)
    assert got["Standard_D4s_v3"][:4] == ("Azure", "compute", 10.0, 40.0)
    # 16 vCPU-hours of an 8-core machine are 2 instance-hours.
    assert got["n2-standard-8"][:4] == ("GCP", "compute", 2.0, 16.0)
    assert got["storage"][0:2] == ("AWS", "storage") and got["storage"][5:7] == (100.0 * 24 * 31, "block")
    assert got["network"][-1] == 5.0
    tags = store(db, "SELECT tags['team'] FROM usage WHERE provider_name = 'GCP'")
    assert tags == [("ml",)]


def test_reingest_replaces_each_providers_period(run, db, tmp_path):
    path = write_focus(tmp_path / "f.csv", provider_rows())
    run("ingest", "focus", str(path))
    again = run("ingest", "focus", str(path))
    assert again.stderr.count("(replaced)") == 3
    assert store(db, "SELECT count(*) FROM usage") == [(6,)]


def test_focus_and_cur_side_by_side(run, db, tmp_path):
    run("ingest", "focus", str(write_focus(tmp_path / "f.parquet", provider_rows())))
    cur = write_cur(tmp_path / "cur.parquet", [item(payer="999988887777", account="999988887777")])
    run("ingest", "aws", str(cur))
    rows = json.loads(run("footprint", "--by", "provider,region,service", "--format", "json").stdout)["rows"]
    providers = {r["provider"] for r in rows}
    assert providers == {"AWS", "Azure", "GCP"}
    aws = [r for r in rows if r["provider"] == "AWS" and r["service"] == "AmazonEC2"]
    assert aws and aws[0]["energy_kwh"] > 0


# --- bad input: one line, exit 1, store unchanged ----------------------------------------------------------

def test_a_cur_file_is_not_focus(run, db, tmp_path):
    run("ingest", "focus", str(write_focus(tmp_path / "ok.csv", provider_rows())))
    before = fingerprint(db)
    cur = write_cur(tmp_path / "cur.csv", [item()], style="legacy")
    one_line_error(run("ingest", "focus", str(cur), expect=None), "cur.csv", "not a FOCUS export", "ingest aws")
    assert fingerprint(db) == before


@pytest.mark.parametrize(("field", "value", "message"), [
    ("ConsumedQuantity", "lots", "column ConsumedQuantity: 'lots' is not a number"),
    ("ChargePeriodStart", "yesterday", "column ChargePeriodStart: 'yesterday' is not a date/time"),
    ("BillingAccountId", None, "column BillingAccountId: is empty"),
])
def test_bad_value_names_file_row_and_column(run, db, tmp_path, field, value, message):
    run("ingest", "focus", str(write_focus(tmp_path / "ok.csv", provider_rows())))
    before = fingerprint(db)
    rows = provider_rows()
    rows[2] = {**rows[2], field: value}
    bad = write_focus(tmp_path / "bad.csv", rows)
    one_line_error(run("ingest", "focus", str(bad), expect=None), "bad.csv", "data row 3", message)
    assert fingerprint(db) == before


def test_missing_column_truncated_and_corrupt_files(run, db, tmp_path):
    run("ingest", "focus", str(write_focus(tmp_path / "ok.csv", provider_rows())))
    before = fingerprint(db)
    no_provider = write_focus(tmp_path / "noprov.csv", [{k: v for k, v in r.items() if k != "ProviderName"}
                                                        for r in provider_rows()])
    one_line_error(run("ingest", "focus", str(no_provider), expect=None), "noprov.csv",
                   "required FOCUS column ServiceProviderName (or ProviderName, before FOCUS 1.3) is missing")
    cut = tmp_path / "cut.csv"
    cut.write_bytes((tmp_path / "ok.csv").read_bytes()[:-25])
    one_line_error(run("ingest", "focus", str(cut), expect=None), "cut.csv", "truncated")
    corrupt = tmp_path / "corrupt.parquet"
    corrupt.write_bytes(b"PAR1 not really")
    one_line_error(run("ingest", "focus", str(corrupt), expect=None), "corrupt.parquet", "Parquet")
    one_line_error(run("ingest", "focus", "gopher://x/y", expect=None), "gopher://x/y", "s3://")
    assert fingerprint(db) == before
