"""Validation against published measurements: the six training runs of Patterson et al. 2021, Table 4.

Each run becomes instance-hours of the matching cloud type (V100 -> p3.16xlarge with 8 GPUs; TPU chips ->
the GCP tpu-v2/v3 per-chip rows) and goes through `estimate` with the published PUE and grid intensity and
our default utilisation. The published energy and (operational) CO2e must fall inside our low/high range.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from cloudcarbon.estimate import estimate

CASES = pd.read_csv(Path(__file__).with_name("patterson2021_table4.csv"))
# GPT-3 is 2.2 % above our high bound: the paper measured 330 W per V100 (110 % of its 300 W TDP) including
# host and server overheads, while our high bound runs the GPU at 90 % of TDP and adds only CPU and memory.
# Kept as a strict expected failure (METHODOLOGY.md section 9) rather than widening the range to pass.
KNOWN_OUTSIDE = {"GPT-3": "published energy above our high bound (server overheads not modelled)"}


def _run(case) -> pd.Series:
    with duckdb.connect() as con:
        region = "us-east-1" if case.provider == "aws" else "us-central1"
        frame = estimate(con, provider=case.provider, instance_type=case.instance_type, region=region,
                         hours=case.days * 24, count=case.chips / case.chips_per_instance, year=2020,
                         pue=case.pue, grid_intensity=case.kgco2e_per_kwh * 1000, alternatives=0)
    return frame.iloc[0]


def _params():
    for case in CASES.itertuples():
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN_OUTSIDE[case.case])] if case.case in KNOWN_OUTSIDE else []
        yield pytest.param(case, id=case.case, marks=marks)


@pytest.mark.parametrize("case", _params())
def test_published_energy_and_co2e_fall_inside_our_range(case):
    row = _run(case)
    published_kwh = case.published_mwh * 1000
    published_kg = case.published_tco2e * 1000
    assert row.pue == pytest.approx(case.pue) and row.intensity_source == "user-supplied (--grid-intensity)"
    assert row.energy_kwh_low <= published_kwh <= row.energy_kwh_high, (row.energy_kwh_low, row.energy_kwh_high)
    assert row.operational_kgco2e_low <= published_kg <= row.operational_kgco2e_high


def test_central_errors_match_the_table_in_methodology():
    """The per-case errors documented in METHODOLOGY.md section 9 are what the code computes today."""
    documented = {"T5": 0.8, "Meena": 8.7, "GShard-600B": 8.1, "Switch Transformer": 28.0, "GPT-3": -38.4,
                  "Evolved Transformer NAS": 4.6}
    for case in CASES.itertuples():
        row = _run(case)
        error = 100 * (row.energy_kwh / (case.published_mwh * 1000) - 1)
        assert error == pytest.approx(documented[case.case], abs=0.1), case.case
