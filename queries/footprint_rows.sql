-- Energy by component, facility energy, operational and embodied kgCO2e with low/high bounds, and
-- every coefficient used (value and source), for each row of `usage_input`: a CTE that
-- cloudcarbon/estimation.py's footprint_sql wraps around this query, holding usage rows
-- (queries/usage_window.sql) or those rows summed by the columns that pick coefficients (every figure
-- is linear in the usage quantities).
-- usage_input columns: provider_name, region_id, usage_year, service_name, x_usage_kind,
--   x_instance_type, x_storage_media, x_storage_class, billing_currency, x_pue and x_server (stated by
--   on-premises inventories; NULL for cloud rows) and the quantities x_instance_hours, x_vcpu_hours,
--   x_gpu_hours, x_memory_gib_hours, x_storage_gib_hours, x_network_gb, effective_cost; optionally x_measured
--   (queries/usage_measured.sql: measured utilisation, GPU power or metered energy, which replace the model's
--   assumptions for the row unless the user sets a utilisation; its spread replaces the default range).
-- Parameters (NULL = the coefficient library's default):
--   $cpu_u, $gpu_u            central utilisation (0-1); $cpu_u also overrides burstable baselines
--   $pue_override             facility PUE to use instead of the library's (estimate --pue, what-if levers)
--   $grid_override            grid intensity gCO2e/kWh to use instead of the library's (estimate --grid-intensity)
--   $override_region          apply the two overrides only to rows of this region (NULL = every row)
-- Method: METHODOLOGY.md.
WITH k AS (
    SELECT
        max(value) FILTER (WHERE key = 'memory_w_per_gib') AS memory_w_per_gib,
        max(value) FILTER (WHERE key = 'ssd_wh_per_tb_hour') AS ssd_wh_per_tb_hour,
        max(value) FILTER (WHERE key = 'hdd_wh_per_tb_hour') AS hdd_wh_per_tb_hour,
        max(value) FILTER (WHERE key = 'network_kwh_per_gb') AS network_kwh_per_gb,
        CAST($cpu_u AS DOUBLE) AS cpu_u_override,
        coalesce($cpu_u, max(value) FILTER (WHERE key = 'cpu_utilization_default')) AS cpu_u,
        max(value) FILTER (WHERE key = 'cpu_utilization_low') AS cpu_u_low,
        max(value) FILTER (WHERE key = 'cpu_utilization_high') AS cpu_u_high,
        CAST($gpu_u AS DOUBLE) AS gpu_u_override,
        coalesce($gpu_u, max(value) FILTER (WHERE key = 'gpu_utilization_default')) AS gpu_u,
        max(value) FILTER (WHERE key = 'gpu_utilization_low') AS gpu_u_low,
        max(value) FILTER (WHERE key = 'gpu_utilization_high') AS gpu_u_high,
        max(value) FILTER (WHERE key = 'server_lifespan_hours') AS lifespan_h,
        max(value) FILTER (WHERE key = 'server_lifespan_hours_low_bound') AS lifespan_h_short,
        max(value) FILTER (WHERE key = 'replication_default') AS replication_default,
        max(value) FILTER (WHERE key = 'embodied_base_kgco2e') AS embodied_base,
        max(value) FILTER (WHERE key = 'embodied_memory_base_gb') AS embodied_memory_base_gb,
        max(value) FILTER (WHERE key = 'embodied_memory_kgco2e_per_gb') AS embodied_per_gb,
        max(value) FILTER (WHERE key = 'embodied_cpu_socket_kgco2e') AS embodied_per_socket,
        max(value) FILTER (WHERE key = 'embodied_ssd_kgco2e') AS embodied_per_ssd,
        max(value) FILTER (WHERE key = 'embodied_hdd_kgco2e') AS embodied_per_hdd,
        CAST($pue_override AS DOUBLE) AS pue_override,
        CAST($grid_override AS DOUBLE) AS grid_override,
        CAST($override_region AS VARCHAR) AS override_region
    FROM coef_constants
),
-- Inputs without measurements (planned jobs, what-if levers) get x_measured NULL.
u AS (
    SELECT *, lower(provider_name) AS provider FROM (
        SELECT * FROM usage_input
        UNION ALL BY NAME
        SELECT NULL::STRUCT(cpu_u DOUBLE, cpu_u_low DOUBLE, cpu_u_high DOUBLE, gpu_u DOUBLE, gpu_u_low DOUBLE,
                            gpu_u_high DOUBLE, gpu_w DOUBLE, gpu_w_low DOUBLE, gpu_w_high DOUBLE, it_kw DOUBLE,
                            source VARCHAR) AS x_measured
        WHERE false
    )
),
places AS (
    SELECT DISTINCT provider, region_id, usage_year FROM u
),
-- Grid intensity for the usage year: that year, else the nearest earlier, else the nearest later.
-- Its bounds: the lowest and highest of the zone's three years nearest the usage year (annual figures move
-- by several percent a year, and the year of usage often has no figure yet).
-- A region without data takes the provider's mean for the year, and is reported by `unknowns`; its bounds
-- are the provider's lowest and highest region that year (where the usage ran is unknown).
grid AS (
    SELECT p.provider, p.region_id, p.usage_year,
           arg_min({'value': g.gco2e_per_kwh, 'year': g.year, 'signal': g.signal, 'source': g.source},
                   abs(g.year - p.usage_year) * 2 + CAST(g.year > p.usage_year AS INTEGER)) AS pick,
           list(g.gco2e_per_kwh ORDER BY abs(g.year - p.usage_year), g.year)[1:3] AS nearest_years
    FROM places p
    JOIN coef_grid g ON g.provider = p.provider AND g.region = p.region_id
    GROUP BY ALL
),
grid_fallback AS (
    SELECT p.provider, p.usage_year,
           arg_min({'value': g.value, 'year': g.year, 'signal': 'provider mean of regions, ' || g.signal,
                    'source': g.source},
                   abs(g.year - p.usage_year) * 2 + CAST(g.year > p.usage_year AS INTEGER)) AS pick,
           arg_min({'low': g.low, 'high': g.high},
                   abs(g.year - p.usage_year) * 2 + CAST(g.year > p.usage_year AS INTEGER)) AS bounds
    FROM (SELECT DISTINCT provider, usage_year FROM places) p
    JOIN (SELECT provider, year, avg(gco2e_per_kwh) AS value, min(gco2e_per_kwh) AS low, max(gco2e_per_kwh) AS high,
                 string_agg(DISTINCT signal, '; ' ORDER BY signal) AS signal,
                 'mean of ' || count(*) || ' regions: ' || string_agg(DISTINCT source, '; ' ORDER BY source) AS source
          FROM coef_grid GROUP BY provider, year) g ON g.provider = p.provider
    GROUP BY ALL
),
-- PUE: the region's published value for the nearest year, else the provider's fleet value.
-- Its bounds: the region's published values over the years; for a fleet value, every value the provider
-- published (any region, any year), since the site the usage ran in is not known.
pue_pick AS (
    SELECT p.provider, p.region_id, p.usage_year,
           arg_min({'value': e.pue, 'year': e.year, 'scope': e.region, 'source': e.source},
                   CAST(e.region = '*' AS INTEGER) * 1000
                   + abs(e.year - p.usage_year) * 2 + CAST(e.year > p.usage_year AS INTEGER)) AS pick,
           min(e.pue) FILTER (WHERE e.region = p.region_id) AS region_low,
           max(e.pue) FILTER (WHERE e.region = p.region_id) AS region_high
    FROM places p
    JOIN coef_pue e ON e.provider = p.provider AND (e.region = p.region_id OR e.region = '*')
    GROUP BY ALL
),
pue_fleet AS (
    SELECT provider, min(pue) AS low, max(pue) AS high FROM coef_pue GROUP BY provider
),
rows AS (
    SELECT
        u.*,
        -- An inventory's server (x_server) stands in for a catalogue instance type: the whole host is yours.
        u.x_server IS NOT NULL AS inventory_server,
        i.instance_type IS NOT NULL OR inventory_server AS known_instance,
        coalesce(i.microarchitecture, u.x_server.microarchitecture, 'Unknown') AS microarchitecture,
        cp.min_w_per_vcpu, cp.max_w_per_vcpu, cp.ref_memory_gib_per_vcpu, cp.source AS cpu_source,
        coalesce(i.vcpus, u.x_server.vcpus) AS vcpus,
        coalesce(i.memory_gib, u.x_server.memory_gib) AS memory_gib,
        coalesce(i.host_vcpus, u.x_server.vcpus) AS host_vcpus,
        -- A stated manufacturing footprint, else the CCF/Teads component model from the stated parts.
        CASE WHEN i.instance_type IS NOT NULL THEN i.host_embodied_kgco2e WHEN inventory_server THEN coalesce(
                 u.x_server.embodied_kgco2e, k.embodied_base + greatest(0, coalesce(u.x_server.memory_gib, 0) - k.embodied_memory_base_gb)
                     * k.embodied_per_gb + k.embodied_per_socket * greatest(0, coalesce(u.x_server.sockets, 1) - 1)
                     + k.embodied_per_ssd * coalesce(u.x_server.ssds, 0)
                     + k.embodied_per_hdd * coalesce(u.x_server.hdds, 0)) END AS host_embodied_kgco2e,
        CASE WHEN i.instance_type IS NOT NULL THEN i.embodied_method
             WHEN u.x_server.embodied_kgco2e IS NOT NULL THEN 'stated in the inventory (embodied_kgco2e)'
             WHEN inventory_server THEN 'CCF/Teads component model of the inventory server (memory, sockets, drives)'
        END AS embodied_method,
        coalesce(i.gpu_model, u.x_server.gpu_model) AS gpu_model,
        coalesce(i.gpu_count, u.x_server.gpu_count) AS gpu_count,
        coalesce(i.source, CASE WHEN inventory_server THEN 'on-premises inventory: ' || coalesce(
            u.x_server.cpu_match, 'microarchitecture not recognised') END) AS instance_source,
        a.idle_w AS gpu_idle_w, a.max_w AS gpu_max_w, a.embodied_kgco2e AS gpu_embodied_kgco2e,
        a.source AS gpu_source,
        -- Measured utilisation, then a burstable type's baseline, then the default, unless the user sets one;
        -- a measured value's range is the spread of its samples.
        CASE WHEN u.x_measured IS NULL THEN 'modelled' ELSE 'measured' END AS basis,
        u.x_measured.source AS measured_source,
        CASE WHEN k.cpu_u_override IS NULL THEN u.x_measured.cpu_u END AS cpu_u_measured,
        CASE WHEN k.gpu_u_override IS NULL THEN u.x_measured.gpu_u END AS gpu_u_measured,
        coalesce(k.cpu_u_override, cpu_u_measured, i.burstable_baseline, k.cpu_u) AS cpu_u,
        least(coalesce(k.cpu_u_override, cpu_u_measured, i.burstable_baseline, k.cpu_u),
              CASE WHEN cpu_u_measured IS NOT NULL THEN u.x_measured.cpu_u_low ELSE k.cpu_u_low END) AS cpu_u_low,
        greatest(coalesce(k.cpu_u_override, cpu_u_measured, i.burstable_baseline, k.cpu_u),
                 CASE WHEN cpu_u_measured IS NOT NULL THEN u.x_measured.cpu_u_high ELSE k.cpu_u_high END) AS cpu_u_high,
        coalesce(gpu_u_measured, k.gpu_u) AS gpu_u,
        least(coalesce(gpu_u_measured, k.gpu_u),
              CASE WHEN gpu_u_measured IS NOT NULL THEN u.x_measured.gpu_u_low ELSE k.gpu_u_low END) AS gpu_u_low,
        greatest(coalesce(gpu_u_measured, k.gpu_u),
                 CASE WHEN gpu_u_measured IS NOT NULL THEN u.x_measured.gpu_u_high ELSE k.gpu_u_high END) AS gpu_u_high,
        -- Measured board power replaces the utilisation model of the GPUs; metered energy the model of the
        -- whole IT load (CPU, memory, GPU) for the row's instance-hours.
        CASE WHEN k.gpu_u_override IS NULL THEN u.x_measured.gpu_w END AS gpu_w_measured,
        CASE WHEN k.gpu_u_override IS NULL THEN u.x_measured.gpu_w_low END AS gpu_w_measured_low,
        CASE WHEN k.gpu_u_override IS NULL THEN u.x_measured.gpu_w_high END AS gpu_w_measured_high,
        CASE WHEN k.cpu_u_override IS NULL AND k.gpu_u_override IS NULL THEN u.x_measured.it_kw END AS it_kw_measured,
        CASE u.x_storage_media WHEN 'hdd' THEN k.hdd_wh_per_tb_hour ELSE k.ssd_wh_per_tb_hour END
            AS storage_wh_per_tb_hour,
        coalesce(rep.value, k.replication_default) AS storage_replication,
        k.memory_w_per_gib, k.network_kwh_per_gb, k.lifespan_h, k.lifespan_h_short,
        -- User-given PUE / intensity (estimate --pue/--grid-intensity, what-if levers) replace the library's
        -- values for the rows they apply to, labelled as such.
        coalesce(k.override_region IS NULL OR u.region_id = k.override_region, false) AS override_applies,
        -- Order: the user's override, the PUE an inventory states for its site, the library's.
        CASE WHEN override_applies AND k.pue_override IS NOT NULL THEN 'user'
             WHEN u.x_pue IS NOT NULL THEN 'inventory' ELSE 'library' END AS pue_from,
        CASE pue_from WHEN 'user' THEN k.pue_override WHEN 'inventory' THEN u.x_pue ELSE pp.pick.value END AS pue,
        -- A stated PUE (the user's, the inventory's) is taken as exact; a library PUE spans its bounds.
        CASE WHEN pue_from <> 'library' THEN pue WHEN pp.pick.scope = '*' THEN least(pue, pf.low)
             ELSE least(pue, pp.region_low) END AS pue_low,
        CASE WHEN pue_from <> 'library' THEN pue WHEN pp.pick.scope = '*' THEN greatest(pue, pf.high)
             ELSE greatest(pue, pp.region_high) END AS pue_high,
        CASE WHEN pue_from = 'library' THEN pp.pick.year ELSE u.usage_year END AS pue_year,
        CASE pue_from WHEN 'user' THEN 'user' WHEN 'inventory' THEN 'site' ELSE pp.pick.scope END AS pue_scope,
        CASE pue_from WHEN 'user' THEN 'user-supplied (--pue)' WHEN 'inventory' THEN 'stated in the inventory (pue)'
             ELSE pp.pick.source END AS pue_source,
        override_applies AND k.grid_override IS NOT NULL AS grid_user,
        CASE WHEN grid_user THEN k.grid_override ELSE coalesce(grid.pick, gf.pick).value END AS grid_gco2e_per_kwh,
        CASE WHEN grid_user THEN grid_gco2e_per_kwh WHEN grid.pick IS NOT NULL
             THEN least(grid_gco2e_per_kwh, list_min(grid.nearest_years))
             ELSE least(grid_gco2e_per_kwh, gf.bounds.low) END AS grid_gco2e_per_kwh_low,
        CASE WHEN grid_user THEN grid_gco2e_per_kwh WHEN grid.pick IS NOT NULL
             THEN greatest(grid_gco2e_per_kwh, list_max(grid.nearest_years))
             ELSE greatest(grid_gco2e_per_kwh, gf.bounds.high) END AS grid_gco2e_per_kwh_high,
        CASE WHEN grid_user THEN u.usage_year ELSE coalesce(grid.pick, gf.pick).year END AS grid_year,
        CASE WHEN grid_user THEN 'user-supplied' ELSE coalesce(grid.pick, gf.pick).signal END AS grid_signal,
        CASE WHEN grid_user THEN 'user-supplied (--grid-intensity)' ELSE coalesce(grid.pick, gf.pick).source END
            AS grid_source,
        NOT grid_user AND grid.pick IS NULL AS grid_fallback,
        -- Water: on site per kWh of IT energy (WUE), and where the electricity is generated per kWh drawn; a region
        -- the table does not know takes the provider's fleet row ('*').
        coalesce(wr.wue_l_per_kwh, wf.wue_l_per_kwh) AS wue_l_per_kwh,
        coalesce(wr.wue_low, wf.wue_low) AS wue_low, coalesce(wr.wue_high, wf.wue_high) AS wue_high,
        coalesce(wr.wue_source, wf.wue_source) AS wue_source,
        coalesce(wr.grid_water_l_per_kwh, wf.grid_water_l_per_kwh) AS grid_water_l_per_kwh,
        coalesce(wr.grid_water_low, wf.grid_water_low) AS grid_water_low,
        coalesce(wr.grid_water_high, wf.grid_water_high) AS grid_water_high,
        coalesce(wr.grid_water_source, wf.grid_water_source) AS grid_water_source,
        coalesce(wr.water_stress, wf.water_stress) AS water_stress,
        coalesce(wr.water_stress_source, wf.water_stress_source) AS water_stress_source
    FROM u
    CROSS JOIN k
    LEFT JOIN coef_instances i ON i.provider = u.provider AND i.instance_type = u.x_instance_type
    LEFT JOIN coef_cpu_power cp ON cp.provider = u.provider
        AND cp.microarchitecture = coalesce(i.microarchitecture, u.x_server.microarchitecture, 'Unknown')
    -- GCP bills attached GPUs on their own rows: kind 'gpu', x_instance_type = the accelerator model.
    LEFT JOIN coef_accelerators a ON a.model = coalesce(
        i.gpu_model, u.x_server.gpu_model, CASE WHEN u.x_usage_kind = 'gpu' THEN u.x_instance_type END)
    LEFT JOIN coef_constants rep ON rep.key = 'replication_' || u.provider || '_' || u.x_storage_class
    LEFT JOIN pue_pick pp ON pp.provider = u.provider AND pp.region_id IS NOT DISTINCT FROM u.region_id
        AND pp.usage_year = u.usage_year
    LEFT JOIN pue_fleet pf ON pf.provider = u.provider
    LEFT JOIN grid ON grid.provider = u.provider AND grid.region_id IS NOT DISTINCT FROM u.region_id
        AND grid.usage_year = u.usage_year
    LEFT JOIN grid_fallback gf ON gf.provider = u.provider AND gf.usage_year = u.usage_year
    LEFT JOIN coef_water wr ON wr.provider = u.provider AND wr.region = u.region_id
    LEFT JOIN coef_water wf ON wf.provider = u.provider AND wf.region = '*'
),
energy AS (
    SELECT
        r.*,
        -- Unknown instance types are estimated only when the bill states their vCPUs.
        coalesce(r.x_vcpu_hours, 0) AS vcpu_hours,
        coalesce(r.x_gpu_hours, 0) AS gpu_hours,
        coalesce(r.x_vcpu_hours, 0) * (r.min_w_per_vcpu + r.cpu_u * (r.max_w_per_vcpu - r.min_w_per_vcpu)) / 1000
            AS cpu_kwh,
        coalesce(r.x_vcpu_hours, 0) * (r.min_w_per_vcpu + r.cpu_u_low * (r.max_w_per_vcpu - r.min_w_per_vcpu)) / 1000
            AS cpu_kwh_low,
        coalesce(r.x_vcpu_hours, 0) * (r.min_w_per_vcpu + r.cpu_u_high * (r.max_w_per_vcpu - r.min_w_per_vcpu)) / 1000
            AS cpu_kwh_high,
        -- SPECpower already measured its servers' memory: add only the memory above that share.
        -- The high bound counts the instance's whole memory.
        coalesce(r.x_memory_gib_hours, 0) * r.memory_w_per_gib / 1000
            + coalesce(r.x_instance_hours * greatest(0, r.memory_gib - r.vcpus * r.ref_memory_gib_per_vcpu), 0)
              * r.memory_w_per_gib / 1000 AS memory_kwh,
        coalesce(r.x_memory_gib_hours, 0) * r.memory_w_per_gib / 1000
            + coalesce(r.x_instance_hours * r.memory_gib, 0) * r.memory_w_per_gib / 1000 AS memory_kwh_high,
        coalesce(r.x_gpu_hours * coalesce(r.gpu_w_measured, r.gpu_idle_w + r.gpu_u * (r.gpu_max_w - r.gpu_idle_w))
                 / 1000, 0) AS gpu_kwh,
        coalesce(r.x_gpu_hours * coalesce(least(r.gpu_w_measured, r.gpu_w_measured_low),
                                          r.gpu_idle_w + r.gpu_u_low * (r.gpu_max_w - r.gpu_idle_w)) / 1000, 0)
            AS gpu_kwh_low,
        coalesce(r.x_gpu_hours * coalesce(greatest(r.gpu_w_measured, r.gpu_w_measured_high),
                                          r.gpu_idle_w + r.gpu_u_high * (r.gpu_max_w - r.gpu_idle_w)) / 1000, 0)
            AS gpu_kwh_high,
        r.x_instance_hours * r.it_kw_measured AS it_kwh_measured,
        coalesce(r.x_storage_gib_hours, 0) / 1000 * r.storage_wh_per_tb_hour * r.storage_replication / 1000
            AS storage_kwh,
        coalesce(r.x_network_gb, 0) * r.network_kwh_per_gb AS network_kwh,
        -- Embodied: the host's share by vCPUs, plus the instance's own accelerators, over the lifespan.
        CASE WHEN r.known_instance AND r.x_instance_hours IS NOT NULL THEN
            r.x_instance_hours * (r.host_embodied_kgco2e * r.vcpus / r.host_vcpus
                                  + coalesce(r.gpu_count, 0) * coalesce(r.gpu_embodied_kgco2e, 0))
        ELSE 0 END AS embodied_kgco2e_hours
    FROM rows r
)
SELECT
    e.*,
    (coalesce(e.it_kwh_measured, e.cpu_kwh + e.memory_kwh + e.gpu_kwh) + e.storage_kwh + e.network_kwh) * e.pue
        AS energy_kwh,
    (coalesce(e.it_kwh_measured, e.cpu_kwh_low + e.memory_kwh + e.gpu_kwh_low) + e.storage_kwh + e.network_kwh)
        * e.pue_low AS energy_kwh_low,
    (coalesce(e.it_kwh_measured, e.cpu_kwh_high + e.memory_kwh_high + e.gpu_kwh_high) + e.storage_kwh + e.network_kwh)
        * e.pue_high AS energy_kwh_high,
    energy_kwh * e.grid_gco2e_per_kwh / 1000 AS operational_kgco2e,
    energy_kwh_low * e.grid_gco2e_per_kwh_low / 1000 AS operational_kgco2e_low,
    energy_kwh_high * e.grid_gco2e_per_kwh_high / 1000 AS operational_kgco2e_high,
    e.embodied_kgco2e_hours / e.lifespan_h AS embodied_kgco2e,
    e.embodied_kgco2e_hours / e.lifespan_h AS embodied_kgco2e_low,
    e.embodied_kgco2e_hours / e.lifespan_h_short AS embodied_kgco2e_high,
    -- Litres consumed: IT energy x WUE on site, facility energy x the grid's water per kWh off site.
    energy_kwh / e.pue * e.wue_l_per_kwh AS water_onsite_l,
    energy_kwh * e.grid_water_l_per_kwh AS water_grid_l,
    water_onsite_l + water_grid_l AS water_l,
    energy_kwh_low / e.pue_low * e.wue_low + energy_kwh_low * e.grid_water_low AS water_l_low,
    energy_kwh_high / e.pue_high * e.wue_high + energy_kwh_high * e.grid_water_high AS water_l_high
FROM energy e
