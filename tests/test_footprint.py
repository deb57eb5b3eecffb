"""Footprint figures against the method computed independently from the coefficient tables."""

from __future__ import annotations

import json

import duckdb
import pandas as pd
import pytest
from curfiles import item, write_cur

from cloudcarbon.coefficients.loader import COEFFICIENTS_VERSION, data_path
from cloudcarbon.estimation import prepare


def table(name: str) -> pd.DataFrame:
    return pd.read_csv(data_path(name), keep_default_na=False, na_values=[""])


def constant(key: str) -> float:
    constants = table("constants")
    return float(constants.loc[constants.key == key, "value"].iloc[0])


def nearest(frame: pd.DataFrame, year: int) -> pd.Series:
    """The row for `year`, else the nearest earlier, else the nearest later (the documented rule)."""
    scored = frame.assign(score=(frame.year - year).abs() * 2 + (frame.year > year).astype(int))
    return scored.sort_values("score").iloc[0]


def pue(region: str, year: int) -> float:
    rows = table("pue")
    regional = rows[(rows.provider == "aws") & (rows.region == region)]
    return float(nearest(regional if len(regional) else rows[rows.region == "*"], year).pue)


def grid(region: str, year: int) -> float:
    rows = table("grid")
    return float(nearest(rows[(rows.provider == "aws") & (rows.region == region)], year).gco2e_per_kwh)


def instance(name: str) -> pd.Series:
    rows = table("instances")
    return rows[(rows.provider == "aws") & (rows.instance_type == name)].iloc[0]


def cpu(microarchitecture: str) -> pd.Series:
    rows = table("cpu_power")
    return rows[(rows.provider == "aws") & (rows.microarchitecture == microarchitecture)].iloc[0]


def accelerator(model: str) -> pd.Series:
    rows = table("accelerators")
    return rows[rows.model == model].iloc[0]


def expected_instance_hour(name: str, region: str, year: int, u: float = 0.5, gpu_u: float = 0.5) -> dict:
    spec = instance(name)
    power = cpu(spec.microarchitecture)
    cpu_kwh = spec.vcpus * (power.min_w_per_vcpu + u * (power.max_w_per_vcpu - power.min_w_per_vcpu)) / 1000
    extra_memory = max(0.0, spec.memory_gib - spec.vcpus * power.ref_memory_gib_per_vcpu)
    memory_kwh = extra_memory * constant("memory_w_per_gib") / 1000
    gpu_kwh = 0.0
    gpu_embodied = 0.0
    if spec.gpu_count:
        gpu = accelerator(spec.gpu_model)
        gpu_kwh = spec.gpu_count * (gpu.idle_w + gpu_u * (gpu.max_w - gpu.idle_w)) / 1000
        gpu_embodied = spec.gpu_count * gpu.embodied_kgco2e
    energy = (cpu_kwh + memory_kwh + gpu_kwh) * pue(region, year)
    embodied = (spec.host_embodied_kgco2e * spec.vcpus / spec.host_vcpus + gpu_embodied) / constant(
        "server_lifespan_hours"
    )
    return {
        "energy_kwh": energy,
        "operational_kgco2e": energy * grid(region, year) / 1000,
        "embodied_kgco2e": embodied,
    }


def footprint_json(run, *args: str) -> dict:
    return json.loads(run("footprint", "--format", "json", *args).stdout)


@pytest.mark.parametrize(
    ("name", "region", "usage_type"),
    [
        ("m5.large", "us-east-1", "BoxUsage:m5.large"),
        ("c7g.xlarge", "eu-west-1", "EU-BoxUsage:c7g.xlarge"),
        ("p4d.24xlarge", "us-west-2", "USW2-BoxUsage:p4d.24xlarge"),
        ("g5.xlarge", "eu-central-1", "EUC1-BoxUsage:g5.xlarge"),
    ],
)
def test_one_instance_hour_matches_the_method(tmp_path, run, name, region, usage_type):
    spec = instance(name)
    line = item(usage_type=usage_type, instance_type=name, region=region, az=f"{region}a", vcpu=str(spec.vcpus),
                start="2025-03-10T00:00:00Z", end="2025-03-10T01:00:00Z", period="2025-03")
    run("ingest", "aws", str(write_cur(tmp_path / "cur.parquet", [line])))
    [row] = footprint_json(run, "--by", "instance_type")["rows"]
    expected = expected_instance_hour(name, region, 2025)
    for field, value in expected.items():
        assert row[field] == pytest.approx(value, rel=1e-9), field
    assert row["total_kgco2e"] == pytest.approx(expected["operational_kgco2e"] + expected["embodied_kgco2e"])
    assert row["vcpu_hours"] == spec.vcpus
    assert row["gpu_hours"] == spec.gpu_count


def test_bounds_bracket_the_central_estimate(tmp_path, run):
    lines = [
        item(),
        item(usage_type="BoxUsage:p5.48xlarge", instance_type="p5.48xlarge", vcpu="192"),
        item(usage_type="BoxUsage:t3.micro", instance_type="t3.micro", vcpu="2"),
        item(product_code="AmazonS3", usage_type="TimedStorage-ByteHrs", instance_type="", vcpu="", amount=100,
             unit="GB-Mo"),
    ]
    run("ingest", "aws", str(write_cur(tmp_path / "cur.parquet", lines)))
    for row in footprint_json(run, "--by", "instance_type,service")["rows"]:
        for stem in ("energy_kwh", "operational_kgco2e", "embodied_kgco2e", "total_kgco2e"):
            assert row[f"{stem}_low"] <= row[stem] + 1e-12 <= row[f"{stem}_high"] + 2e-12, (row, stem)
    by_type = {r["instance_type"]: r for r in footprint_json(run, "--by", "instance_type")["rows"]}
    gpu_row = by_type["p5.48xlarge"]
    assert gpu_row["total_kgco2e_high"] > gpu_row["total_kgco2e"] > gpu_row["total_kgco2e_low"]


def test_utilisation_override_and_burstable_baseline(tmp_path, run):
    lines = [item(), item(usage_type="BoxUsage:t3.micro", instance_type="t3.micro", vcpu="2", resource_id="i-2")]
    run("ingest", "aws", str(write_cur(tmp_path / "cur.parquet", lines)))
    default = {r["instance_type"]: r for r in footprint_json(run, "--by", "instance_type")["rows"]}
    baseline = float(instance("t3.micro").burstable_baseline)
    expected_t3 = expected_instance_hour("t3.micro", "us-east-1", 2025, u=baseline)
    assert default["t3.micro"]["energy_kwh"] == pytest.approx(expected_t3["energy_kwh"])
    rows = footprint_json(run, "--by", "instance_type", "--cpu-utilization", "1")["rows"]
    busy = {r["instance_type"]: r for r in rows}
    full = expected_instance_hour("m5.large", "us-east-1", 2025, u=1)
    assert busy["m5.large"]["energy_kwh"] == pytest.approx(full["energy_kwh"])
    assert busy["t3.micro"]["energy_kwh"] > default["t3.micro"]["energy_kwh"]
    assert "between 0 and 1" in run("footprint", "--cpu-utilization", "1.5", expect=2).stderr


def test_storage_and_network(tmp_path, run):
    lines = [
        item(product_code="AmazonS3", usage_type="TimedStorage-ByteHrs", instance_type="", vcpu="", amount=100,
             unit="GB-Mo"),
        item(usage_type="EBS:VolumeUsage.gp3", instance_type="", vcpu="", amount=100, unit="GB-Mo"),
        item(usage_type="DataTransfer-Out-Bytes", instance_type="", vcpu="", amount=1000, unit="GB"),
    ]
    run("ingest", "aws", str(write_cur(tmp_path / "cur.parquet", lines)))
    rows = {r["usage_kind"] + "/" + r["service"]: r for r in footprint_json(run, "--by", "usage_kind,service")["rows"]}
    hours = 100 * 24 * 31  # GB-months over January
    s3 = hours / 1000 * constant("hdd_wh_per_tb_hour") * constant("replication_aws_object") / 1000
    ebs = hours / 1000 * constant("ssd_wh_per_tb_hour") * constant("replication_aws_block") / 1000
    factor = pue("us-east-1", 2025)
    assert rows["storage/AmazonS3"]["energy_kwh"] == pytest.approx(s3 * factor)
    assert rows["storage/AmazonEC2"]["energy_kwh"] == pytest.approx(ebs * factor)
    assert rows["network/AmazonEC2"]["energy_kwh"] == pytest.approx(1000 * constant("network_kwh_per_gb") * factor)


def test_groupings_periods_and_formats(tmp_path, run):
    lines = [
        item(tags={"team": "web"}),
        item(tags={"team": "ml"}, period="2025-02", start="2025-02-03T00:00:00Z", end="2025-02-03T01:00:00Z",
             amount=3),
        item(tags={}, amount=2, resource_id="i-untagged"),
    ]
    run("ingest", "aws", str(write_cur(tmp_path / "cur.parquet", lines)))
    document = footprint_json(run, "--by", "month,tag:team")
    assert document["meta"]["coefficients_version"] == COEFFICIENTS_VERSION
    assert document["meta"]["tool_version"]
    keyed = {(r["month"], r["tag:team"]): r["vcpu_hours"] for r in document["rows"]}
    assert keyed == {("2025-01", "web"): 2, ("2025-02", "ml"): 6, ("2025-01", None): 4}
    february = footprint_json(run, "--month", "2025-02", "--by", "month")["rows"]
    assert [r["month"] for r in february] == ["2025-02"]
    csv_text = run("footprint", "--format", "csv", "--by", "account").stdout
    header = csv_text.splitlines()[0].split(",")
    assert header[:3] == ["account", "vcpu_hours", "gpu_hours"]
    assert {"energy_kwh", "operational_kgco2e", "embodied_kgco2e", "total_kgco2e", "total_kgco2e_low",
            "total_kgco2e_high", "cost", "currency"} <= set(header)
    lines_out = run("footprint", "--format", "jsonl", "--by", "month").stdout.strip().splitlines()
    assert len(lines_out) == 2 and all(json.loads(x)["month"] for x in lines_out)
    parquet = tmp_path / "out.parquet"
    run("footprint", "--format", "parquet", "--output", str(parquet), "--by", "month")
    assert len(pd.read_parquet(parquet)) == 2
    refused = run("footprint", "--format", "parquet", expect=2)
    assert "--output" in refused.stderr
    bad = run("footprint", "--by", "colour", expect=2)
    assert "colour" in bad.stderr and "Traceback" not in bad.stderr


def test_trace_names_every_coefficient_and_source(tmp_path, run):
    run("ingest", "aws", str(write_cur(tmp_path / "cur.parquet", [item(), item(resource_id="i-2")])))
    rows = pd.read_csv(pd.io.common.StringIO(run("footprint", "--trace", "--format", "csv").stdout))
    assert len(rows) == 2
    for column in ("cpu_source", "instance_source", "pue_source", "grid_source", "grid_signal", "x_source_file"):
        assert rows[column].notna().all() and (rows[column] != "").all(), column
    assert rows.microarchitecture.iloc[0] == instance("m5.large").microarchitecture


def test_unknowns_lists_what_was_not_mapped(tmp_path, run):
    lines = [
        item(),
        item(usage_type="BoxUsage:zz9.mega", instance_type="zz9.mega", vcpu="4", amount=7, cost=2.0),
        item(product_code="AmazonS3", usage_type="Requests-Tier1", instance_type="", vcpu="", amount=1000,
             unit="Requests", cost=0.005),
        item(region="xx-nowhere-1", az="", resource_id="i-9"),
    ]
    run("ingest", "aws", str(write_cur(tmp_path / "cur.parquet", lines)))
    rows = json.loads(run("unknowns", "--format", "json").stdout)["rows"]
    by_reason = {r["reason"]: r for r in rows}
    unknown_type = by_reason["instance type not in coefficient library"]
    assert (unknown_type["instance_type"], unknown_type["rows"], unknown_type["hours"], unknown_type["cost"]) == (
        "zz9.mega", 1, 7.0, 2.0)
    assert by_reason["usage type has no energy model"]["usage_type"] == "Requests-Tier1"
    assert by_reason["no grid intensity for region (provider mean used)"]["region"] == "xx-nowhere-1"
    # The unknown type still counts its vCPU-hours (from the bill) at the fallback microarchitecture.
    fp = {r["instance_type"]: r for r in footprint_json(run, "--by", "instance_type")["rows"]}
    assert fp["zz9.mega"]["vcpu_hours"] == 28 and fp["zz9.mega"]["energy_kwh"] > 0


def test_coefficients_show(run):
    shown = run("coefficients", "show", "p4d.24xlarge", "--region", "us-east-1", "--format", "json").stdout
    rows = {r["coefficient"]: r for r in json.loads(shown)["rows"]}
    assert rows["vcpus"]["value"] == "96"
    assert "A100" in rows["accelerators"]["value"]
    assert all(r["source"] for r in rows.values())
    assert any(k.startswith("grid intensity us-east-1") for k in rows)
    missing = run("coefficients", "show", "m5.lage", expect=1)
    assert "m5.large" in missing.stderr and "Traceback" not in missing.stderr


def test_grouped_footprint_equals_the_sum_of_traced_rows(tmp_path, run):
    """footprint sums usage before applying coefficients; that must equal applying them row by row."""
    from test_ingest_formats import fleet

    run("ingest", "aws", str(write_cur(tmp_path / "cur.parquet", fleet())))
    [total] = footprint_json(run, "--by", "")["rows"]
    traced = pd.read_csv(pd.io.common.StringIO(run("footprint", "--trace", "--format", "csv").stdout))
    for field in ("energy_kwh", "energy_kwh_low", "energy_kwh_high", "operational_kgco2e", "embodied_kgco2e"):
        assert total[field] == pytest.approx(traced[field].sum(), rel=1e-9), field
    assert total["cost"] == pytest.approx(traced["effective_cost"].sum())


@pytest.mark.parametrize("command", [
    ("footprint", "--by", "account,region", "--format", "csv"),
    ("whatif", "--lever", "map,machine,mechanization", "--format", "csv"),
    ("recommend-region", "--by", "account", "--format", "csv"),
], ids=lambda command: command[0])
def test_the_same_store_always_prints_the_same_figures(tmp_path, run, command):
    """DuckDB adds doubles in whatever order its threads finish; over a store of several row groups a plain
    sum() differed in the last digit between runs. A monthly CSV diffed against last month's, or a report
    re-run for an auditor, must not change when the data did not."""
    import duckdb
    from test_load_10m import month_sql

    export = tmp_path / "month.parquet"
    with duckdb.connect() as con:
        con.execute(f"COPY ({month_sql(400_000)}) TO '{export}' (FORMAT parquet)")
    run("ingest", "aws", str(export))
    outputs = {run(*command).stdout for _ in range(8)}
    assert len(outputs) == 1, [output[:400] for output in outputs]


def test_a_connection_is_prepared_once() -> None:
    """A report runs a dozen queries on one connection: the coefficient tables are read for the first only."""
    with duckdb.connect() as con:
        prepare(con)
        con.execute("DELETE FROM coef_constants")  # a second registration would bring the rows back
        prepare(con)
        assert con.execute("SELECT count(*) FROM coef_constants").fetchall() == [(0,)]
        other = con.cursor()  # another connection to the same database, with its own TEMP tables
        prepare(other)
        assert other.execute("SELECT count(*) FROM coef_constants").fetchall()[0][0] > 0
        assert other.execute("SELECT exact_sum(x) FROM (VALUES (0.1), (0.2)) t(x)").fetchall() == [(0.3,)]
