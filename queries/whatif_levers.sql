-- The 4M levers as transformations of usage rows (Patterson et al. 2022), one copy per scenario:
--   current       the rows as they are
--   map           each workload in its best region (relation `map_choice`: x_workload, region)
--   machine       instance families with a newer generation in coef_machine_upgrades: hours for the same
--                 work = hours x capacity(from) / capacity(to) / throughput ratio (capacity = accelerators,
--                 or vCPUs for CPU moves); same size name where it exists, else the largest of the family
--   model         rows of selected workloads (x_model_selected) divided by $model_factor
--   mechanization facility PUE changed to x_pue_target: cloud rows to $onprem_pue (the counterfactual),
--                 on-premises inventory rows to $cloud_pue (the same servers in a cloud data centre)
--   combined      model, machine and map together, and for on-premises rows the move to the cloud's PUE
-- Input relation `workloads`: usage_input columns plus x_workload and x_model_selected.
WITH upgrade AS (
    SELECT w.x_instance_type, lower(w.provider_name) AS provider, u.kind, u.throughput_ratio, u.ratio_low,
           u.ratio_high, u.source AS upgrade_source,
           arg_min(t.instance_type, CAST(t.instance_type <> u.to_family || '.' || s.size AS INTEGER) * 1e6
                   - coalesce(t.gpu_count, 0) * 1e3 - t.vcpus) AS to_type
    FROM (SELECT DISTINCT x_instance_type, provider_name FROM workloads WHERE x_instance_type IS NOT NULL) w
    CROSS JOIN LATERAL (SELECT split_part(w.x_instance_type, '.', 1) AS family,
                               split_part(w.x_instance_type, '.', 2) AS size) s
    JOIN coef_machine_upgrades u ON u.from_family = s.family
    JOIN coef_instances t ON t.provider = lower(w.provider_name) AND t.family = u.to_family
    GROUP BY ALL
),
machine AS (
    SELECT w.*, g.to_type, g.kind, g.throughput_ratio, g.upgrade_source,
           w.x_instance_hours
               * CASE g.kind WHEN 'gpu' THEN f.gpu_count / t.gpu_count ELSE f.vcpus / t.vcpus END
               / g.throughput_ratio AS to_hours,
           pf.usd_per_hour AS price_from, pt.usd_per_hour AS price_to
    FROM workloads w
    LEFT JOIN upgrade g ON g.x_instance_type = w.x_instance_type AND g.provider = lower(w.provider_name)
        AND (g.kind = 'cpu' OR w.x_usage_kind = 'gpu' OR w.x_gpu_hours > 0)
    LEFT JOIN coef_instances f ON f.provider = g.provider AND f.instance_type = w.x_instance_type
    LEFT JOIN coef_instances t ON t.provider = g.provider AND t.instance_type = g.to_type
    LEFT JOIN coef_prices pf ON pf.provider = g.provider AND pf.region = w.region_id AND pf.instance_type = w.x_instance_type
    LEFT JOIN coef_prices pt ON pt.provider = g.provider AND pt.region = w.region_id AND pt.instance_type = g.to_type
),
machined AS (
    SELECT m.* REPLACE (
               coalesce(m.to_type, m.x_instance_type) AS x_instance_type,
               coalesce(m.to_hours, m.x_instance_hours) AS x_instance_hours,
               CASE WHEN m.to_type IS NULL THEN m.x_vcpu_hours ELSE m.to_hours * t.vcpus END AS x_vcpu_hours,
               CASE WHEN m.to_type IS NULL THEN m.x_gpu_hours ELSE m.to_hours * t.gpu_count END AS x_gpu_hours,
               CASE WHEN m.to_type IS NULL THEN m.effective_cost
                    ELSE m.effective_cost + m.to_hours * m.price_to - m.x_instance_hours * m.price_from END
                   AS effective_cost
           ),
           m.to_type IS NOT NULL AS x_machine_applied,
           CASE WHEN m.to_type IS NOT NULL THEN m.x_instance_type || ' -> ' || m.to_type || ': throughput x'
                || m.throughput_ratio || ' (' || m.upgrade_source || ')' END AS x_machine_note
    FROM machine m
    LEFT JOIN coef_instances t ON t.provider = lower(m.provider_name) AND t.instance_type = m.to_type
),
scaled AS (
    SELECT * REPLACE (
        x_instance_hours / f AS x_instance_hours, x_vcpu_hours / f AS x_vcpu_hours, x_gpu_hours / f AS x_gpu_hours,
        x_memory_gib_hours / f AS x_memory_gib_hours, x_storage_gib_hours / f AS x_storage_gib_hours,
        x_network_gb / f AS x_network_gb, effective_cost / f AS effective_cost)
    FROM (SELECT *, CASE WHEN x_model_selected THEN CAST($model_factor AS DOUBLE) ELSE 1.0 END AS f FROM machined)
),
base AS (SELECT w.*, CAST(NULL AS DOUBLE) AS x_pue_target FROM workloads w),
placed AS (
    SELECT r.* REPLACE (coalesce(mc.region, r.region_id) AS region_id) FROM base r
    LEFT JOIN map_choice mc ON mc.x_workload = r.x_workload AND r.region_id IS NOT NULL
)
SELECT 'current' AS x_scenario, * FROM base
UNION ALL BY NAME SELECT 'map' AS x_scenario, * FROM placed
UNION ALL BY NAME
SELECT 'machine' AS x_scenario, * EXCLUDE (to_type, kind, throughput_ratio, upgrade_source, to_hours, price_from, price_to,
                             x_machine_applied) FROM machined
UNION ALL BY NAME
SELECT 'model' AS x_scenario, * EXCLUDE (f) FROM (
    SELECT * REPLACE (
        x_instance_hours / f AS x_instance_hours, x_vcpu_hours / f AS x_vcpu_hours, x_gpu_hours / f AS x_gpu_hours,
        x_memory_gib_hours / f AS x_memory_gib_hours, x_storage_gib_hours / f AS x_storage_gib_hours,
        x_network_gb / f AS x_network_gb, effective_cost / f AS effective_cost)
    FROM (SELECT *, CASE WHEN x_model_selected THEN CAST($model_factor AS DOUBLE) ELSE 1.0 END AS f FROM base))
UNION ALL BY NAME
SELECT 'mechanization' AS x_scenario, * REPLACE (
    CAST(CASE WHEN lower(provider_name) = 'on-premises' THEN $cloud_pue ELSE $onprem_pue END AS DOUBLE) AS x_pue_target)
FROM base
UNION ALL BY NAME
SELECT 'combined' AS x_scenario, s.* EXCLUDE (f, to_type, kind, throughput_ratio, upgrade_source, to_hours, price_from, price_to,
                                x_machine_applied)
                      REPLACE (coalesce(mc.region, s.region_id) AS region_id),
       CASE WHEN lower(s.provider_name) = 'on-premises' THEN CAST($cloud_pue AS DOUBLE) END AS x_pue_target
FROM scaled s
LEFT JOIN map_choice mc ON mc.x_workload = s.x_workload AND s.region_id IS NOT NULL
