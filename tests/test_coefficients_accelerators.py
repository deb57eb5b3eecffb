"""Issue 11's accelerators: every one in coef_accelerators with a cited source, a power range that is
widened wherever no vendor figure exists, and the workload classes with their sources."""

from __future__ import annotations

import json

import duckdb
import pytest

from cloudcarbon.coefficients import loader

# model -> (max W, whether a vendor figure exists)
ISSUE_11 = {
    "AMD Instinct MI250X": (500, True), "AMD Instinct MI300A": (550, True), "AMD Instinct MI325X": (1000, True),
    "AMD Instinct MI355X": (1400, True), "NVIDIA H800": (700, True), "NVIDIA H20": (400, False),
    "NVIDIA A100 PCIe 40GB": (250, True), "NVIDIA A100 80GB PCIe": (300, True), "NVIDIA A30": (165, True),
    "NVIDIA A40": (300, True), "NVIDIA L40": (300, True), "NVIDIA GH200": (1000, True),
    "NVIDIA GB200": (1200, True), "NVIDIA GB300": (1400, False), "NVIDIA B300": (1100, True),
    "Intel Gaudi 2": (600, True), "Intel Gaudi 3": (900, True), "Google TPU v5p": (450, False),
    "Google TPU v6e": (300, False), "Google TPU v7": (850, False), "AWS Trainium2": (500, False),
    "AWS Trainium3": (1000, False), "AWS Inferentia2": (175, False),
}


@pytest.fixture(scope="module")
def accelerators() -> dict[str, dict]:
    with duckdb.connect() as con:
        loader.register(con)
        frame = con.execute("SELECT * FROM coef_accelerators").df()
    return {row["model"]: row for row in frame.to_dict("records")}


@pytest.mark.parametrize(("model", "watts", "vendor"), [(m, w, v) for m, (w, v) in ISSUE_11.items()])
def test_issue_11_accelerator_has_power_and_a_source(accelerators, model, watts, vendor):
    row = accelerators[model]
    assert row["max_w"] == watts
    assert 0 < row["idle_w"] < row["max_w_low"] <= row["max_w"] <= row["max_w_high"]
    if vendor:
        assert "datasheet" in row["source"] or "vendor figures" in row["source"]
    else:
        # No vendor figure: the row says so and its range is wider than 30 % of the central value.
        assert row["source"].startswith(("estimate:", "no NVIDIA datasheet")) or "no per-GPU datasheet" in row["source"]
        assert (row["max_w_high"] - row["max_w_low"]) / row["max_w"] >= 0.2


def test_every_estimate_row_has_a_widened_range(accelerators):
    narrow = [m for m, r in accelerators.items()
              if r["source"].startswith("estimate") and r["max_w_low"] == r["max_w_high"]]
    assert narrow == []


def test_workload_classes_have_ordered_bounds_and_sources():
    with duckdb.connect() as con:
        loader.register(con)
        rows = con.execute("SELECT workload, gpu_u, gpu_u_low, gpu_u_high, source FROM coef_workloads").fetchall()
    by_name = {r[0]: r[1:] for r in rows}
    assert set(by_name) == {"training", "inference", "batch", "idle"}
    for u, low, high, source in by_name.values():
        assert 0 <= low <= u <= high <= 1 and source
    # Large training runs hold accelerators nearer their power limit than serving does.
    assert by_name["training"][0] > by_name["batch"][0] > by_name["inference"][0] > by_name["idle"][0]
    assert all(by_name[w][3].startswith("measured") for w in ("training", "inference", "idle"))


@pytest.mark.parametrize("model", list(ISSUE_11))
def test_coefficients_show_prints_every_issue_11_accelerator(run, model):
    rows = json.loads(run("coefficients", "show", model, "--format", "json").stdout)["rows"]
    values = {r["coefficient"]: r["value"] for r in rows}
    assert values["accelerator"] == model and float(values["max power"]) == ISSUE_11[model][0]
    assert all(r["source"] for r in rows)


def test_coefficients_show_still_prefers_an_instance_type_and_suggests_on_a_typo(run):
    rows = json.loads(run("coefficients", "show", "p4d.24xlarge", "--format", "json").stdout)["rows"]
    assert rows[0]["coefficient"] == "vcpus"
    run("coefficients", "show", "p4d.24xlarg", expect=1)
