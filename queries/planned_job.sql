-- A planned job's figures: the rows of footprint_rows.sql (CTE `fp_model`, over queries/planned_usage.sql's
-- rows or recommend_moves.sql's moves of them) with what the user stated about the job in place of the
-- library's assumptions. Same columns as footprint_rows.sql, the figures replaced, plus job_* columns.
-- Accelerators: the instance's (gpu_model) or an accelerator-only job's (x_accelerator), from coef_accelerators;
-- power per accelerator = the stated average ($avg_power_w, bounds $avg_power_w_low/$avg_power_w_high), else
-- idle + u x (max - idle), the bounds at u_low with max_w_low and u_high with max_w_high.
-- Parameters (NULL = footprint_rows.sql's value):
--   $job_gpu_u, $job_gpu_u_low, $job_gpu_u_high   accelerator utilisation of the workload class
--   $avg_power_w, $avg_power_w_low, $avg_power_w_high   measured average power per accelerator, W
--   $host_w                     host power per accelerator-hour, W (accelerator-only jobs; NULL = no host)
--   $embodied_kg                manufacturing footprint per accelerator (accelerator-only) or per instance
--   $lifespan_h                 hardware lifespan in hours (both embodied bounds)
--   $pue_low, $pue_high, $grid_low, $grid_high   bounds of a stated PUE / intensity range, applied to the rows
--                               the stated central value applies to (pue_from 'user', grid_user)
-- Method: METHODOLOGY.md ("Planned jobs").
WITH j AS (
    SELECT
        f.*,
        coalesce(f.gpu_model, f.x_accelerator) AS job_accelerator,
        a.idle_w AS job_idle_w, a.max_w AS job_max_w, a.max_w_low AS job_max_w_low, a.max_w_high AS job_max_w_high,
        a.embodied_kgco2e AS job_accelerator_embodied, a.source AS job_accelerator_source,
        coalesce(CAST($job_gpu_u AS DOUBLE), f.gpu_u) AS job_u,
        coalesce(CAST($job_gpu_u_low AS DOUBLE), f.gpu_u_low) AS job_u_low,
        coalesce(CAST($job_gpu_u_high AS DOUBLE), f.gpu_u_high) AS job_u_high,
        coalesce(CAST($avg_power_w AS DOUBLE), a.idle_w + job_u * (a.max_w - a.idle_w)) AS job_accelerator_w,
        coalesce(CAST($avg_power_w_low AS DOUBLE), a.idle_w + job_u_low * (a.max_w_low - a.idle_w))
            AS job_accelerator_w_low,
        coalesce(CAST($avg_power_w_high AS DOUBLE), a.idle_w + job_u_high * (a.max_w_high - a.idle_w))
            AS job_accelerator_w_high,
        CASE WHEN $avg_power_w IS NOT NULL THEN 'stated average power per accelerator (--avg-power-w)'
             WHEN a.model IS NOT NULL THEN 'idle + utilisation x (max - idle), ' || a.source END AS job_power_basis,
        CAST($host_w AS DOUBLE) AS job_host_w,
        f.gpu_hours * coalesce(job_accelerator_w, 0) / 1000 AS job_gpu_kwh,
        f.gpu_hours * coalesce(job_accelerator_w_low, 0) / 1000 AS job_gpu_kwh_low,
        f.gpu_hours * coalesce(job_accelerator_w_high, 0) / 1000 AS job_gpu_kwh_high,
        f.gpu_hours * coalesce(job_host_w, 0) / 1000 AS job_host_kwh,
        CASE WHEN f.pue_from = 'user' THEN coalesce(CAST($pue_low AS DOUBLE), f.pue) ELSE f.pue_low END AS job_pue_low,
        CASE WHEN f.pue_from = 'user' THEN coalesce(CAST($pue_high AS DOUBLE), f.pue) ELSE f.pue_high END
            AS job_pue_high,
        CASE WHEN f.grid_user THEN coalesce(CAST($grid_low AS DOUBLE), f.grid_gco2e_per_kwh)
             ELSE f.grid_gco2e_per_kwh_low END AS job_grid_low,
        CASE WHEN f.grid_user THEN coalesce(CAST($grid_high AS DOUBLE), f.grid_gco2e_per_kwh)
             ELSE f.grid_gco2e_per_kwh_high END AS job_grid_high,
        coalesce(CAST($lifespan_h AS DOUBLE), f.lifespan_h) AS job_lifespan_h,
        coalesce(CAST($lifespan_h AS DOUBLE), f.lifespan_h_short) AS job_lifespan_h_short,
        CASE
            WHEN $embodied_kg IS NOT NULL AND f.x_accelerator IS NOT NULL THEN f.gpu_hours * CAST($embodied_kg AS DOUBLE)
            WHEN $embodied_kg IS NOT NULL THEN coalesce(f.x_instance_hours, 0) * CAST($embodied_kg AS DOUBLE)
            ELSE CASE WHEN f.known_instance AND f.x_instance_hours IS NOT NULL
                      THEN f.x_instance_hours * f.host_embodied_kgco2e * f.vcpus / f.host_vcpus ELSE 0 END
                 + f.gpu_hours * coalesce(a.embodied_kgco2e, 0)
        END AS job_embodied_kgco2e_hours,
        -- An accelerator-only job has no CPU (footprint_rows.sql leaves its CPU energy NULL without a provider).
        coalesce(f.cpu_kwh, 0) + f.memory_kwh + job_gpu_kwh + job_host_kwh + f.storage_kwh + f.network_kwh
            AS job_it_kwh,
        coalesce(f.cpu_kwh_low, 0) + f.memory_kwh + job_gpu_kwh_low + job_host_kwh + f.storage_kwh + f.network_kwh
            AS job_it_kwh_low,
        coalesce(f.cpu_kwh_high, 0) + f.memory_kwh_high + job_gpu_kwh_high + job_host_kwh + f.storage_kwh
            + f.network_kwh AS job_it_kwh_high
    FROM fp_model f
    LEFT JOIN coef_accelerators a ON a.model = coalesce(f.gpu_model, f.x_accelerator)
)
SELECT * REPLACE (
    coalesce(x_instance_type, job_accelerator) AS x_instance_type,
    job_u AS gpu_u, job_u_low AS gpu_u_low, job_u_high AS gpu_u_high,
    job_idle_w AS gpu_idle_w, job_max_w AS gpu_max_w, job_accelerator_source AS gpu_source,
    job_accelerator_embodied AS gpu_embodied_kgco2e,
    job_gpu_kwh AS gpu_kwh, job_gpu_kwh_low AS gpu_kwh_low, job_gpu_kwh_high AS gpu_kwh_high,
    job_lifespan_h AS lifespan_h, job_lifespan_h_short AS lifespan_h_short,
    job_embodied_kgco2e_hours AS embodied_kgco2e_hours,
    job_it_kwh * pue AS energy_kwh,
    job_it_kwh_low * job_pue_low AS energy_kwh_low,
    job_it_kwh_high * job_pue_high AS energy_kwh_high,
    job_it_kwh * pue * grid_gco2e_per_kwh / 1000 AS operational_kgco2e,
    job_it_kwh_low * job_pue_low * job_grid_low / 1000 AS operational_kgco2e_low,
    job_it_kwh_high * job_pue_high * job_grid_high / 1000 AS operational_kgco2e_high,
    job_embodied_kgco2e_hours / job_lifespan_h AS embodied_kgco2e,
    job_embodied_kgco2e_hours / job_lifespan_h AS embodied_kgco2e_low,
    job_embodied_kgco2e_hours / job_lifespan_h_short AS embodied_kgco2e_high,
    job_it_kwh * wue_l_per_kwh AS water_onsite_l,
    job_it_kwh * pue * grid_water_l_per_kwh AS water_grid_l,
    job_it_kwh * (wue_l_per_kwh + pue * grid_water_l_per_kwh) AS water_l,
    job_it_kwh_low * (wue_low + job_pue_low * grid_water_low) AS water_l_low,
    job_it_kwh_high * (wue_high + job_pue_high * grid_water_high) AS water_l_high
)
FROM j
