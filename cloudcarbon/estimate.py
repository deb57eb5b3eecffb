"""`estimate`: energy and CO2e of a planned job (instance type x count x hours in a region) before it runs.

The job becomes synthetic usage rows (queries/planned_usage.sql) evaluated by the footprint query itself,
with optional user-given PUE, grid intensity and utilisation; the three best regions of the provider
come from the recommend-region ranking of the same rows.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from cloudcarbon.estimation import check_utilization, footprint_sql, prepare, row_params
from cloudcarbon.plan import plan_relation, positive, validate_plan
from cloudcarbon.recommend import Constraints, rank

# Same field names as `footprint`, led by what was planned.
COLUMNS = (
    "role", "provider", "region", "instance_type", "count", "hours", "vcpu_hours", "gpu_hours",
    "energy_kwh", "energy_kwh_low", "energy_kwh_high",
    "operational_kgco2e", "operational_kgco2e_low", "operational_kgco2e_high",
    "embodied_kgco2e", "embodied_kgco2e_low", "embodied_kgco2e_high",
    "total_kgco2e", "total_kgco2e_low", "total_kgco2e_high", "cost", "currency", "cost_note",
    "pue", "pue_source", "intensity_gco2e_per_kwh", "intensity_year", "intensity_signal", "intensity_source",
    "cpu_utilization", "gpu_utilization",
)
TABLE_COLUMNS = {
    "role": "", "region": "region", "energy_kwh": "kWh", "operational_kgco2e": "operational kgCO2e",
    "embodied_kgco2e": "embodied kgCO2e", "total_kgco2e": "total kgCO2e", "total_kgco2e_low": "low",
    "total_kgco2e_high": "high", "cost": "cost", "pue": "PUE", "intensity_gco2e_per_kwh": "g/kWh",
}


def estimate(
    con: duckdb.DuckDBPyConnection,
    *,
    provider: str,
    instance_type: str,
    region: str,
    hours: float,
    count: int = 1,
    year: int | None = None,
    pue: float | None = None,
    grid_intensity: float | None = None,
    cpu_utilization: float | None = None,
    gpu_utilization: float | None = None,
    alternatives: int = 3,
) -> pd.DataFrame:
    """The planned job in `region` (first row, role 'requested'), then the `alternatives` lowest-CO2e regions."""
    prepare(con)
    positive("--pue", pue, minimum=1.0, strict=False)
    positive("--grid-intensity", grid_intensity, strict=False)
    check_utilization(cpu_utilization, gpu_utilization)
    plan = validate_plan(con, provider=provider, instance_type=instance_type, region=region, hours=hours,
                         count=count, year=year)
    overrides = row_params(cpu_u=cpu_utilization, gpu_u=gpu_utilization, pue_override=pue,
                           grid_override=grid_intensity, override_region=region)
    sql = f"""
        WITH fp AS ({footprint_sql(plan_relation(con, plan))})
        SELECT 'requested' AS role, provider_name AS provider, region_id AS region, x_instance_type AS instance_type,
               vcpu_hours, gpu_hours, energy_kwh, energy_kwh_low, energy_kwh_high,
               operational_kgco2e, operational_kgco2e_low, operational_kgco2e_high,
               embodied_kgco2e, embodied_kgco2e_low, embodied_kgco2e_high,
               operational_kgco2e + embodied_kgco2e AS total_kgco2e,
               operational_kgco2e_low + embodied_kgco2e_low AS total_kgco2e_low,
               operational_kgco2e_high + embodied_kgco2e_high AS total_kgco2e_high,
               effective_cost AS cost, billing_currency AS currency,
               CASE WHEN effective_cost IS NULL THEN 'no on-demand price for ' || x_instance_type || ' in '
                    || region_id || ' in the price snapshot; run `cloudcarbon prices refresh`' END AS cost_note,
               pue, pue_source, grid_gco2e_per_kwh AS intensity_gco2e_per_kwh,
               CAST(grid_year AS VARCHAR) AS intensity_year, grid_signal AS intensity_signal,
               grid_source AS intensity_source, cpu_u AS cpu_utilization, gpu_u AS gpu_utilization
        FROM fp
    """
    requested = con.execute(sql, overrides).df()
    requested.insert(4, "count", float(count))
    requested.insert(5, "hours", float(hours))
    frames = [requested]
    if alternatives:
        # Other regions at the library's PUE and intensity (the overrides describe the requested site only).
        best = rank(con, plan_relation(con, plan), {}, Constraints(), cost_basis="list",
                    overrides={"cpu_u": cpu_utilization, "gpu_u": gpu_utilization}).rows
        best = best[~best.current].nsmallest(alternatives, "total_kgco2e").assign(
            role="alternative", count=float(count), hours=float(hours), cpu_utilization=requested.cpu_utilization[0],
            gpu_utilization=requested.gpu_utilization[0])
        frames.append(best[[c for c in COLUMNS if c in best.columns]])
    return pd.concat(frames, ignore_index=True)[list(COLUMNS)]
