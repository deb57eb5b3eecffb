"""`estimate` and `recommend-region` in the units people publish: accelerators alone, accelerator-hours,
measured power, workload classes, ranges of PUE and intensity, lifespan and embodied (issue 11)."""

from __future__ import annotations

import json

import duckdb
import pytest
from conftest import usage_error

from cloudcarbon.accelerators import resolve
from cloudcarbon.coefficients import loader
from cloudcarbon.estimate import estimate
from cloudcarbon.job import Job, span

SITE = ("--pue", "1.1", "--grid-intensity", "400")


def _json(result) -> tuple[list[dict], dict]:
    document = json.loads(result.stdout)
    return document["rows"], document["meta"]


def _accelerator(model: str) -> dict:
    with duckdb.connect() as con:
        loader.register(con)
        return con.execute("SELECT * FROM coef_accelerators WHERE model = $m", {"m": model}).df().iloc[0].to_dict()


@pytest.mark.parametrize(("name", "model"), [
    ("H100", "NVIDIA H100"), ("NVIDIA H100 SXM5 80GB", "NVIDIA H100"), ("A100 80GB", "NVIDIA A100 80GB"),
    ("A100 PCIe 40GB", "NVIDIA A100 PCIe 40GB"), ("a100 pcie 80 gb", "NVIDIA A100 80GB PCIe"),
    ("MI300X", "AMD Instinct MI300X"), ("TPU v5p", "Google TPU v5p"), ("tpu-v5p", "Google TPU v5p"),
    ("Trainium2", "AWS Trainium2"), ("Trn2", "AWS Trainium2"), ("Gaudi 3", "Intel Gaudi 3"),
    ("Gaudi3", "Intel Gaudi 3"), ("Ironwood", "Google TPU v7"), ("TPU v6e (Trillium)", "Google TPU v6e"),
    ("inf2", "AWS Inferentia2"), ("nvidia l40", "NVIDIA L40"), ("GB300", "NVIDIA GB300"),
])
def test_names_people_use_resolve_to_one_model(name, model):
    with duckdb.connect() as con:
        loader.register(con)
        assert resolve(con, name) == model


def test_a_typo_is_a_usage_error_naming_the_closest(run):
    line = usage_error(run("estimate", "--accelerator", "H1000", "--gpu-hours", "10", *SITE, expect=2),
                       "--accelerator", "H1000", "did you mean", "NVIDIA H100")
    assert "H100 PCIe" not in line
    # A different form factor is not silently taken for the SXM part.
    usage_error(run("estimate", "--accelerator", "H100 PCIe", "--gpu-hours", "10", *SITE, expect=2), "H100 PCIe")


def test_accelerators_alone_count_no_host_unless_stated(run):
    rows, meta = _json(run("estimate", "--accelerator", "H100", "--gpu-hours", "1000", "--avg-power-w", "700", *SITE,
                           "--format", "json"))
    first = rows[0]
    assert len(rows) == 1 and first["accelerator"] == "NVIDIA H100" and first["instance_type"] is None
    assert first["energy_kwh"] == pytest.approx(1000 * 0.7 * 1.1)
    assert first["operational_kgco2e"] == pytest.approx(1000 * 0.7 * 1.1 * 0.4)
    assert first["energy_kwh_low"] == first["energy_kwh_high"] == pytest.approx(first["energy_kwh"])
    assert first["vcpu_hours"] == 0 and first["host_w"] is None and first["cost"] is None
    assert "stated" in first["power_basis"] and any("--avg-power-w" in a for a in meta["assumptions"])
    hosted = _json(run("estimate", "--accelerator", "H100", "--gpu-hours", "1000", "--avg-power-w", "700",
                       "--host-watts", "150", *SITE, "--format", "json"))[0][0]
    assert hosted["energy_kwh"] - first["energy_kwh"] == pytest.approx(1000 * 0.15 * 1.1)


def test_count_and_hours_may_be_fractional_and_equal_gpu_hours():
    with duckdb.connect() as con:
        by_count = estimate(con, accelerator="MI300X", count=2.5, hours=40, pue=1.2, grid_intensity=100)
        by_hours = estimate(con, accelerator="MI300X", gpu_hours=100, pue=1.2, grid_intensity=100)
    assert by_count.gpu_hours[0] == by_hours.gpu_hours[0] == 100
    assert by_count.energy_kwh[0] == pytest.approx(by_hours.energy_kwh[0])
    mi300x = _accelerator("AMD Instinct MI300X")
    central = mi300x["idle_w"] + 0.5 * (mi300x["max_w"] - mi300x["idle_w"])  # library default utilisation
    assert by_hours.energy_kwh[0] == pytest.approx(100 * central / 1000 * 1.2)


def test_workload_classes_set_utilisation_and_name_their_source(run):
    def first(workload: str) -> tuple[dict, dict]:
        rows, meta = _json(run("estimate", "--accelerator", "A100 80GB", "--gpu-hours", "100", *SITE,
                               "--workload", workload, "--format", "json"))
        return rows[0], meta

    training, meta = first("training")
    inference, _ = first("inference")
    idle, _ = first("idle")
    a100 = _accelerator("NVIDIA A100 80GB")
    assert training["gpu_utilization"] == 0.7 and training["workload"] == "training"
    assert training["accelerator_w"] == pytest.approx(a100["idle_w"] + 0.7 * (a100["max_w"] - a100["idle_w"]))
    assert idle["accelerator_w"] == pytest.approx(a100["idle_w"])
    assert training["energy_kwh"] > inference["energy_kwh"] > idle["energy_kwh"]
    assert training["energy_kwh_low"] < training["energy_kwh"] < training["energy_kwh_high"]
    assert any("Dodge et al. 2022" in a for a in meta["assumptions"])
    usage_error(run("estimate", "--accelerator", "H100", "--gpu-hours", "1", *SITE, "--workload", "gaming",
                    expect=2), "--workload")


def test_ranges_of_pue_and_intensity_bound_the_figures(run):
    first = _json(run("estimate", "--accelerator", "H100", "--gpu-hours", "1000", "--avg-power-w", "600",
                      "--pue", "1.1:1.5", "--grid-intensity", "200:600", "--format", "json"))[0][0]
    assert (first["pue"], first["pue_low"], first["pue_high"]) == (1.3, 1.1, 1.5)
    assert (first["intensity_gco2e_per_kwh"], first["intensity_low"], first["intensity_high"]) == (400, 200, 600)
    assert first["energy_kwh_low"] == pytest.approx(600 * 1.1)
    assert first["energy_kwh_high"] == pytest.approx(600 * 1.5)
    assert first["operational_kgco2e_low"] == pytest.approx(600 * 1.1 * 0.2)
    assert first["operational_kgco2e_high"] == pytest.approx(600 * 1.5 * 0.6)
    assert first["operational_kgco2e"] == pytest.approx(600 * 1.3 * 0.4)


def test_lifespan_and_embodied_replace_the_library_values():
    with duckdb.connect() as con:
        plain = estimate(con, accelerator="H100", gpu_hours=8760, pue=1.1, grid_intensity=400)
        stated = estimate(con, accelerator="H100", gpu_hours=8760, pue=1.1, grid_intensity=400,
                          job=Job(lifespan_years=4, embodied_kgco2e=300))
    h100 = _accelerator("NVIDIA H100")
    assert plain.embodied_kgco2e[0] == pytest.approx(h100["embodied_kgco2e"] / 6)  # one year of a 6-year life
    assert plain.embodied_kgco2e_high[0] == pytest.approx(h100["embodied_kgco2e"] / 4)
    assert stated.embodied_kgco2e[0] == stated.embodied_kgco2e_high[0] == pytest.approx(300 / 4)
    assert stated.lifespan_years[0] == 4 and stated.embodied_per_unit_kgco2e[0] == 300


def test_measured_power_replaces_the_model_for_an_instance_type_too():
    with duckdb.connect() as con:
        modelled = estimate(con, instance_type="p4d.24xlarge", region="us-east-1", hours=10, alternatives=0)
        measured = estimate(con, instance_type="p4d.24xlarge", region="us-east-1", hours=10, alternatives=0,
                            job=Job(avg_power_w=span("--avg-power-w", "250:350")))
    a100 = _accelerator("NVIDIA A100 40GB")
    modelled_w = a100["idle_w"] + 0.5 * (a100["max_w"] - a100["idle_w"])
    pue = measured.pue[0]
    # 8 GPUs x 10 h: only the accelerators' share changes; the host is modelled as before.
    assert measured.energy_kwh[0] - modelled.energy_kwh[0] == pytest.approx(80 * (300 - modelled_w) / 1000 * pue)
    assert measured.accelerator_w_low[0] == 250 and measured.accelerator_w_high[0] == 350


@pytest.mark.parametrize(("args", "names"), [
    (["--instance-type", "p4d.24xlarge", "--accelerator", "H100", "--region", "us-east-1", "--hours", "1"],
     ["--instance-type", "--accelerator"]),
    (["--accelerator", "H100", "--gpu-hours", "10"], ["--region", "--pue", "--grid-intensity"]),
    (["--accelerator", "H100", "--gpu-hours", "10", "--hours", "5", *SITE], ["--gpu-hours", "--hours"]),
    (["--instance-type", "p4d.24xlarge", "--region", "us-east-1", "--hours", "1", "--host-watts", "100"],
     ["--host-watts"]),
    (["--accelerator", "H100", "--gpu-hours", "10", "--pue", "1.5:1.2", "--grid-intensity", "400"], ["--pue"]),
    (["--accelerator", "H100", "--gpu-hours", "10", "--pue", "high", "--grid-intensity", "400"], ["--pue"]),
    (["--accelerator", "H100", "--gpu-hours", "-5", *SITE], ["--gpu-hours"]),
    (["--accelerator", "H100", "--count", "0", "--hours", "5", *SITE], ["--count"]),
    (["--accelerator", "H100", "--gpu-hours", "5", "--avg-power-w", "0", *SITE], ["--avg-power-w"]),
    (["--accelerator", "H100", "--gpu-hours", "5", "--lifespan-years", "0", *SITE], ["--lifespan-years"]),
])
def test_inconsistent_jobs_are_usage_errors(run, args, names):
    usage_error(run("estimate", *args, expect=2), *names)


def test_recommend_region_ranks_a_planned_accelerator_job(run):
    rows, meta = _json(run("recommend-region", "--accelerator", "Trn2", "--gpu-hours", "5000", "--workload", "training",
                           "--region", "us-east-1", "--format", "json"))
    trn2 = _accelerator("AWS Trainium2")
    it_kwh = 5000 * (trn2["idle_w"] + 0.7 * (trn2["max_w"] - trn2["idle_w"])) / 1000
    assert len(rows) > 3 and {r["workload"] for r in rows} == {"AWS Trainium2 x 5000 accelerator-hours"}
    for row in rows:  # every candidate: the same accelerators at the stated workload, its own PUE
        assert row["energy_kwh"] == pytest.approx(it_kwh * row["pue"])
        assert row["instance_type"] == "AWS Trainium2"
    assert rows[0]["current"] and any("workload training" in a for a in meta["assumptions"])
    usage_error(run("recommend-region", "--accelerator", "Trn2", "--gpu-hours", "5000", "--region", "us-east-1",
                    "--cross-cloud", expect=2), "--cross-cloud")
    usage_error(run("recommend-region", "--workload", "training", expect=2), "--workload")
