"""`estimate`: energy and CO2e of a planned job before it runs, in the units people publish: an instance type x
count x hours in a region, or accelerators alone (`accelerator` x accelerator-hours, host power only when stated),
with a measured average power, the workload class, lifespan, embodied footprint, PUE and grid intensity (values
or LOW:HIGH ranges) replacing the library's assumptions.

The job becomes synthetic usage rows (queries/planned_usage.sql) evaluated by the footprint query itself with the
job's stated figures in place (queries/planned_job.sql); the three best regions of the provider come from the
recommend-region ranking of the same rows.
"""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pandas as pd

from cloudcarbon.estimation import check_utilization, prepare, row_params
from cloudcarbon.job import NO_JOB, Job, span
from cloudcarbon.plan import job_footprint_sql, plan_relation, validate_plan
from cloudcarbon.recommend import Constraints, ranked

# Same field names as `footprint`, led by what was planned.
COLUMNS = (
    "role", "provider", "region", "instance_type", "accelerator", "count", "hours", "vcpu_hours", "gpu_hours",
    "energy_kwh", "energy_kwh_low", "energy_kwh_high",
    "operational_kgco2e", "operational_kgco2e_low", "operational_kgco2e_high",
    "embodied_kgco2e", "embodied_kgco2e_low", "embodied_kgco2e_high",
    "total_kgco2e", "total_kgco2e_low", "total_kgco2e_high", "water_onsite_l", "water_grid_l", "water_l",
    "water_l_low", "water_l_high", "water_stress", "cost", "currency", "cost_note",
    "pue", "pue_low", "pue_high", "pue_source", "intensity_gco2e_per_kwh", "intensity_low", "intensity_high",
    "intensity_year", "intensity_signal", "intensity_source",
    "accelerator_w", "accelerator_w_low", "accelerator_w_high", "power_basis", "host_w",
    "cpu_utilization", "gpu_utilization", "gpu_utilization_low", "gpu_utilization_high", "workload",
    "lifespan_years", "embodied_per_unit_kgco2e",
)
TABLE_COLUMNS = {
    "role": "", "region": "region", "energy_kwh": "kWh", "operational_kgco2e": "operational kgCO2e",
    "embodied_kgco2e": "embodied kgCO2e", "total_kgco2e": "total kgCO2e", "total_kgco2e_low": "low",
    "total_kgco2e_high": "high", "water_l": "water L", "cost": "cost", "pue": "PUE",
    "intensity_gco2e_per_kwh": "g/kWh",
}
REQUESTED_SQL = """
    SELECT 'requested' AS role, provider_name AS provider, region_id AS region,
           CASE WHEN x_accelerator IS NULL THEN x_instance_type END AS instance_type,
           job_accelerator AS accelerator, vcpu_hours, gpu_hours, energy_kwh, energy_kwh_low, energy_kwh_high,
           operational_kgco2e, operational_kgco2e_low, operational_kgco2e_high,
           embodied_kgco2e, embodied_kgco2e_low, embodied_kgco2e_high,
           operational_kgco2e + embodied_kgco2e AS total_kgco2e,
           operational_kgco2e_low + embodied_kgco2e_low AS total_kgco2e_low,
           operational_kgco2e_high + embodied_kgco2e_high AS total_kgco2e_high,
           water_onsite_l, water_grid_l, water_l, water_l_low, water_l_high, water_stress,
           effective_cost AS cost, billing_currency AS currency,
           CASE WHEN x_accelerator IS NOT NULL THEN 'accelerators alone: no instance type to price'
                WHEN effective_cost IS NULL THEN 'no on-demand price for ' || x_instance_type || ' in '
                || region_id || ' in the price snapshot; run `cloudcarbon prices refresh`' END AS cost_note,
           pue, job_pue_low AS pue_low, job_pue_high AS pue_high, pue_source,
           grid_gco2e_per_kwh AS intensity_gco2e_per_kwh, job_grid_low AS intensity_low,
           job_grid_high AS intensity_high, CAST(grid_year AS VARCHAR) AS intensity_year,
           grid_signal AS intensity_signal, grid_source AS intensity_source,
           job_accelerator_w AS accelerator_w, job_accelerator_w_low AS accelerator_w_low,
           job_accelerator_w_high AS accelerator_w_high, job_power_basis AS power_basis, job_host_w AS host_w,
           cpu_u AS cpu_utilization, gpu_u AS gpu_utilization, gpu_u_low AS gpu_utilization_low,
           gpu_u_high AS gpu_utilization_high, lifespan_h / 8760 AS lifespan_years
    FROM fp
"""


def estimate(
    con: duckdb.DuckDBPyConnection,
    *,
    provider: str = "aws",
    instance_type: str | None = None,
    accelerator: str | None = None,
    region: str | None = None,
    hours: float | None = None,
    count: float = 1,
    gpu_hours: float | None = None,
    year: int | None = None,
    pue: str | float | tuple[float, float] | None = None,
    grid_intensity: str | float | tuple[float, float] | None = None,
    cpu_utilization: float | None = None,
    gpu_utilization: float | None = None,
    job: Job = NO_JOB,
    alternatives: int = 3,
) -> pd.DataFrame:
    """The planned job (first row, role 'requested'), then the `alternatives` lowest-CO2e regions of its
    provider. `pue` and `grid_intensity` take a value or a LOW:HIGH range (central = midpoint) for the requested
    site; `job` carries the other stated figures (avg power, host watts, workload, lifespan, embodied)."""
    prepare(con)
    pue_span = span("--pue", pue, minimum=1.0, strict=False)
    grid_span = span("--grid-intensity", grid_intensity, strict=False)
    check_utilization(cpu_utilization, gpu_utilization)
    job = replace(job, pue=pue_span, grid_intensity=grid_span, gpu_utilization=gpu_utilization)
    plan = validate_plan(con, provider=provider, instance_type=instance_type, accelerator=accelerator,
                         region=region, hours=hours, count=count, gpu_hours=gpu_hours, year=year,
                         site_stated=pue_span is not None and grid_span is not None,
                         host_stated=job.host_watts is not None)
    params = {**row_params(cpu_u=cpu_utilization, gpu_u=gpu_utilization,
                           pue_override=pue_span and pue_span.central,
                           grid_override=grid_span and grid_span.central, override_region=region),
              **job.params(con)}
    sql = f"WITH fp AS ({job_footprint_sql(plan_relation(con, plan))}) {REQUESTED_SQL}"
    requested = con.execute(sql, params).df()
    stated = {"count": float(count), "hours": hours, "workload": job.workload,
              "embodied_per_unit_kgco2e": job.embodied_kgco2e}
    requested = requested.assign(**stated)
    frames = [requested]
    if alternatives and region is not None:
        # Other regions at the library's PUE and intensity (the overrides describe the requested site only).
        with ranked(con, plan_relation(con, plan), {}, Constraints(), cost_basis="list",
                    overrides={"cpu_u": cpu_utilization, "gpu_u": gpu_utilization}, job=job) as rows:
            best = rows.read(con).rows
        best = best[~best.current].nsmallest(alternatives, "total_kgco2e").assign(
            role="alternative", accelerator=requested.accelerator[0], **stated,
            pue_low=lambda f: f.pue, pue_high=lambda f: f.pue, intensity_low=lambda f: f.intensity_gco2e_per_kwh,
            intensity_high=lambda f: f.intensity_gco2e_per_kwh,
            **{c: requested[c][0] for c in COLUMNS if c.startswith(("cpu_util", "gpu_util", "accelerator_w"))
               or c in ("power_basis", "host_w", "lifespan_years")})
        if accelerator is not None:
            best = best.assign(cost_note=requested.cost_note[0])
        frames.append(best[[c for c in COLUMNS if c in best.columns]])
    return pd.concat(frames, ignore_index=True).reindex(columns=list(COLUMNS))
