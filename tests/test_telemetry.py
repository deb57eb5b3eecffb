"""`cloudcarbon ingest telemetry`: each format in its real shape, matching to usage by instance id and host name,
unmatched series counted, bad input refused in one line with the store unchanged, re-ingest replacing, and the
footprint of measured rows (basis, narrower range, figures by hand) with every other row unchanged."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from conftest import fingerprint, one_line_error

from cloudcarbon.cli import cli

ROOT = Path(__file__).resolve().parents[1]
AWS_EXAMPLE = ROOT / "connectors" / "aws" / "example.csv"  # m5.large rows i-0example0..5, 2025-01-01 00:00-01:00
ONPREM_EXAMPLE = ROOT / "connectors" / "onprem" / "example.csv"  # servers web-01, gpu-01 (8 GPUs), 2026-09


def run(db: Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db), *args])


def rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def p10_p90(values: list[float]) -> tuple[float, float]:
    """Linear-interpolated percentiles, as DuckDB's quantile_cont computes them."""
    ordered, last = sorted(values), len(values) - 1

    def at(q: float) -> float:
        position = q * last
        low = int(position)
        high = min(low + 1, last)
        return ordered[low] + (ordered[high] - ordered[low]) * (position - low)

    return at(0.1), at(0.9)


def cloudwatch(path: Path, instance: str, cpu: list[float], start: str = "2025-01-01T00:00:00+00:00") -> Path:
    stamps = [start.replace("00:00:00", f"00:{5 * n:02d}:00") for n in range(len(cpu))]
    path.write_text(json.dumps({
        "MetricDataResults": [{"Id": "cpu0", "Label": f"{instance} CPUUtilization", "Timestamps": stamps[::-1],
                               "Values": cpu[::-1], "StatusCode": "Complete"}],
        "Messages": []}))
    return path


def dcgm_text(path: Path, host: str, power: list[float], util: list[float]) -> Path:
    labels = f'gpu="0",UUID="GPU-0",device="nvidia0",modelName="NVIDIA A100-SXM4-80GB",Hostname="{host}"'
    start = 1788998400000  # 2026-09-10 00:00 UTC, in ms as the exposition format gives it
    lines = ["# HELP DCGM_FI_DEV_POWER_USAGE Power draw (in W).", "# TYPE DCGM_FI_DEV_POWER_USAGE gauge"]
    lines += [f"DCGM_FI_DEV_POWER_USAGE{{{labels}}} {w} {start + n * 60000}" for n, w in enumerate(power)]
    lines += ["# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).", "# TYPE DCGM_FI_DEV_GPU_UTIL gauge"]
    lines += [f"DCGM_FI_DEV_GPU_UTIL{{{labels}}} {u} {start + n * 60000}" for n, u in enumerate(util)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def aws_store(tmp_path: Path) -> Path:
    db = tmp_path / "store.duckdb"
    assert run(db, "ingest", "aws", str(AWS_EXAMPLE)).exit_code == 0
    return db


@pytest.fixture
def onprem_store(tmp_path: Path) -> Path:
    db = tmp_path / "store.duckdb"
    assert run(db, "ingest", "onprem", str(ONPREM_EXAMPLE)).exit_code == 0
    return db


def test_codecarbon_energy_is_summed_over_its_runs(onprem_store: Path, tmp_path: Path) -> None:
    header = ("timestamp,project_name,run_id,experiment_id,duration,emissions,emissions_rate,cpu_power,gpu_power,"
              "ram_power,cpu_energy,gpu_energy,ram_energy,energy_consumed,country_name,country_iso_code,region,"
              "cloud_provider,cloud_region,os,python_version,codecarbon_version,cpu_count,cpu_model,gpu_count,"
              "gpu_model,longitude,latitude,ram_total_size,tracking_mode,on_cloud,pue")
    runs = [("2026-09-10T02:00:00", 3600.0, 2.4), ("2026-09-10T04:00:00", 3600.0, 2.6)]
    lines = [header] + [
        f"{ts},train,run-{n},exp,{d},0.5,0.0001,120.0,2400.0,30.0,0.12,{e - 0.15},0.03,{e},France,FRA,,,,Linux,"
        "3.11.4,2.3.4,128,AMD EPYC 7763,8,8 x NVIDIA A100-SXM4-80GB,2.35,48.85,1007.0,machine,N,1.0"
        for n, (ts, d, e) in enumerate(runs)]
    file = tmp_path / "emissions.csv"
    file.write_text("\n".join(lines) + "\n")
    result = run(onprem_store, "ingest", "telemetry", str(file), "--key", "gpu-01")
    assert result.exit_code == 0, result.output
    stored = rows(onprem_store, "SELECT match_value, sum(energy_kwh), min(window_start), max(window_end), "
                                "sum(samples) FROM telemetry GROUP BY ALL")
    assert stored[0][0] == "gpu-01" and stored[0][1] == pytest.approx(5.0) and stored[0][4] == 2
    assert str(stored[0][2]) == "2026-09-10 01:00:00" and str(stored[0][3]) == "2026-09-10 04:00:00"


def test_nvidia_smi_units_are_read_and_the_machine_comes_from_key(onprem_store: Path, tmp_path: Path) -> None:
    power, util = [280.12, 300.5, 310.0, 295.25], [87, 91, 95, 90]
    file = tmp_path / "gpu.csv"
    file.write_text("timestamp, name, pci.bus_id, utilization.gpu [%], power.draw [W]\n" + "".join(
        f"2026/09/10 10:0{n}:00.000, NVIDIA A100-SXM4-80GB, 00000000:07:00.0, {u} %, {w} W\n"
        for n, (w, u) in enumerate(zip(power, util, strict=True))))
    refused = run(onprem_store, "ingest", "telemetry", str(file))
    assert refused.exit_code == 2 and "--key" in refused.stderr
    assert run(onprem_store, "ingest", "telemetry", str(file), "--key", "gpu-01").exit_code == 0
    (w, w_low, w_high, u, samples), = rows(onprem_store, "SELECT gpu_power_w, gpu_power_w_low, gpu_power_w_high, "
                                                         "gpu_utilization, samples FROM telemetry")
    assert w == pytest.approx(statistics.mean(power)) and u == pytest.approx(statistics.mean(util) / 100)
    assert (w_low, w_high) == pytest.approx(p10_p90(power)) and samples == 8


def test_dcgm_prometheus_text_matches_a_host_name(onprem_store: Path, tmp_path: Path) -> None:
    file = dcgm_text(tmp_path / "dcgm.prom", "gpu-01", [250, 260, 270], [70, 80, 90])
    result = run(onprem_store, "ingest", "telemetry", str(file))
    assert result.exit_code == 0 and "every series matches usage" in result.stderr
    (host, w, u), = rows(onprem_store, "SELECT match_value, gpu_power_w, gpu_utilization FROM telemetry")
    assert (host, w, u) == ("gpu-01", pytest.approx(260), pytest.approx(0.8))


def test_dcgm_range_query_json(onprem_store: Path, tmp_path: Path) -> None:
    values = [[1788998400 + 300 * n, str(w)] for n, w in enumerate([200.0, 220.0])]
    file = tmp_path / "dcgm.json"
    file.write_text(json.dumps({"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": {"__name__": "DCGM_FI_DEV_POWER_USAGE", "Hostname": "gpu-01", "gpu": "0", "UUID": "GPU-0",
                    "modelName": "NVIDIA A100-SXM4-80GB"}, "values": values}]}}))
    assert run(onprem_store, "ingest", "telemetry", str(file)).exit_code == 0
    assert rows(onprem_store, "SELECT gpu_power_w, samples FROM telemetry") == [(210.0, 2)]


def test_kepler_counter_increase_is_the_energy(onprem_store: Path, tmp_path: Path) -> None:
    series = [{"metric": {"__name__": "kepler_container_joules_total", "container_namespace": "ml",
                          "pod_name": f"train-{n}", "container_name": "trainer", "mode": "dynamic",
                          "instance": "gpu-01:9102"},
               "values": [[1788998400, "1000000"], [1789000200, "2800000"], [1789002000, "4600000"]]}
              for n in range(2)]
    file = tmp_path / "kepler.json"
    file.write_text(json.dumps({"status": "success", "data": {"resultType": "matrix", "result": series}}))
    assert run(onprem_store, "ingest", "telemetry", str(file)).exit_code == 0
    assert rows(onprem_store, "SELECT match_value, energy_kwh FROM telemetry ORDER BY series") == [
        ("gpu-01", pytest.approx(1.0)), ("gpu-01", pytest.approx(1.0))]  # 3.6 MJ each


def test_cloudwatch_matches_an_instance_id_and_unmatched_is_counted(aws_store: Path, tmp_path: Path) -> None:
    matched = cloudwatch(tmp_path / "cw.json", "i-0example3", [10.0, 20.0, 30.0])
    stray = cloudwatch(tmp_path / "stray.json", "i-0ffffffffffff", [50.0])
    result = run(aws_store, "ingest", "telemetry", str(matched), str(stray))
    assert result.exit_code == 0, result.output
    assert "1 series match no usage row" in result.stderr and "resource i-0ffffffffffff" in result.stderr
    assert rows(aws_store, "SELECT series_kept, series_unmatched FROM telemetry_ingests") == [(2, 1)]
    (cpu,), = rows(aws_store, "SELECT cpu_utilization FROM telemetry WHERE match_value = 'i-0example3'")
    assert cpu == pytest.approx(0.2)
    listed = json.loads(run(aws_store, "unknowns", "--format", "json").stdout)["rows"]
    stray_rows = [r for r in listed if r["reason"].startswith("telemetry matches no usage")]
    assert [(r["usage_type"], r["rows"]) for r in stray_rows] == [("resource i-0ffffffffffff", 1)]


@pytest.mark.parametrize("content", ["server,month\nweb-01,2026-09\n", '{"foo": 1}\n', "", "\x00\x01binary"])
def test_foreign_input_is_one_line_and_changes_nothing(aws_store: Path, tmp_path: Path, content: str) -> None:
    assert run(aws_store, "ingest", "telemetry", str(cloudwatch(tmp_path / "cw.json", "i-0example3", [5.0])))\
        .exit_code == 0
    before = fingerprint(aws_store)
    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    result = run(aws_store, "ingest", "telemetry", str(tmp_path / "cw.json"), str(bad))
    one_line_error(result, str(bad))
    assert "CodeCarbon" in result.stderr and fingerprint(aws_store) == before


def test_reingest_replaces(aws_store: Path, tmp_path: Path) -> None:
    file = cloudwatch(tmp_path / "cw.json", "i-0example3", [10.0, 20.0])
    query = "SELECT * EXCLUDE (x_ingest_id) FROM telemetry ORDER BY ALL"
    assert run(aws_store, "ingest", "telemetry", str(file)).exit_code == 0
    once = rows(aws_store, query)
    assert run(aws_store, "ingest", "telemetry", str(file)).exit_code == 0
    assert rows(aws_store, query) == once and len(once) == 1


def trace(db: Path) -> dict[str, dict]:
    result = run(db, "footprint", "--trace", "--format", "json")
    assert result.exit_code == 0, result.output
    return {row["resource_id"]: row for row in json.loads(result.stdout)["rows"]}


def test_measured_cpu_utilisation_replaces_the_default_and_narrows_the_range(aws_store: Path, tmp_path: Path) -> None:
    before = trace(aws_store)
    cpu = [8.0, 10.0, 12.0, 14.0]
    file = cloudwatch(tmp_path / "cw.json", "i-0example3", cpu)
    assert run(aws_store, "ingest", "telemetry", str(file)).exit_code == 0
    after = trace(aws_store)
    row = after["i-0example3"]
    assert row["basis"] == "measured" and "cloudwatch-json" in row["measured_source"]
    u = statistics.mean(cpu) / 100
    assert row["cpu_u"] == pytest.approx(u)
    cpu_kwh = row["x_vcpu_hours"] * (row["min_w_per_vcpu"] + u * (row["max_w_per_vcpu"] - row["min_w_per_vcpu"])) / 1000
    assert row["cpu_kwh"] == pytest.approx(cpu_kwh)
    it = cpu_kwh + row["memory_kwh"] + row["gpu_kwh"] + row["storage_kwh"] + row["network_kwh"]
    assert row["energy_kwh"] == pytest.approx(it * row["pue"])
    old = before["i-0example3"]
    assert old["basis"] == "modelled"
    assert row["cpu_kwh_high"] - row["cpu_kwh_low"] < old["cpu_kwh_high"] - old["cpu_kwh_low"]
    for resource, unchanged in before.items():  # every other row: the same figures as without telemetry
        if resource != "i-0example3":
            assert after[resource]["energy_kwh"] == unchanged["energy_kwh"]
            assert after[resource]["operational_kgco2e_high"] == unchanged["operational_kgco2e_high"]
    by_basis = run(aws_store, "footprint", "--by", "basis", "--format", "json")
    assert {r["basis"] for r in json.loads(by_basis.stdout)["rows"]} == {"measured", "modelled"}


def test_measured_gpu_power_and_energy_replace_the_model(onprem_store: Path, tmp_path: Path) -> None:
    power = [290.0, 300.0, 310.0]
    assert run(onprem_store, "ingest", "telemetry", str(dcgm_text(tmp_path / "d.prom", "gpu-01", power, [90] * 3))
               ).exit_code == 0
    row = trace(onprem_store)["gpu-01"]
    assert row["basis"] == "measured"
    assert row["gpu_kwh"] == pytest.approx(row["x_gpu_hours"] * 300.0 / 1000)
    low, high = p10_p90(power)
    assert row["gpu_kwh_low"] == pytest.approx(row["x_gpu_hours"] * low / 1000)
    assert row["gpu_kwh_high"] == pytest.approx(row["x_gpu_hours"] * high / 1000)
    # Metered energy (2 kWh over 1 h: 2 kW) replaces CPU + memory + GPU for the server's hours.
    header = "timestamp,project_name,run_id,duration,emissions,energy_consumed,cpu_power,gpu_power,ram_power"
    (tmp_path / "emissions.csv").write_text(f"{header}\n2026-09-10T01:00:00,p,r1,3600,0.1,2.0,100,2000,30\n")
    assert run(onprem_store, "ingest", "telemetry", str(tmp_path / "emissions.csv"), "--key", "gpu-01").exit_code == 0
    row = trace(onprem_store)["gpu-01"]
    assert row["energy_kwh"] == pytest.approx((row["x_instance_hours"] * 2.0 + row["storage_kwh"]
                                               + row["network_kwh"]) * row["pue"])
