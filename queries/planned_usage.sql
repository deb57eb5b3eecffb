-- Synthetic usage rows for planned jobs, in the shape footprint_rows.sql reads (usage_input), priced at
-- the on-demand rate of their region where the price table has one (else cost NULL, never invented).
-- Input relation `plan`: x_workload, provider_name, region_id, usage_year, x_instance_type, x_accelerator,
--   instance_count, hours, gpu_hours. A cloud job names an instance type; an accelerator-only job names an
--   accelerator model and its accelerator-hours and has no instance type, host or price; its model travels
--   in the extra column x_accelerator, which queries/planned_job.sql reads (footprint_rows.sql passes it on).
SELECT
    p.x_workload,
    p.provider_name,
    p.region_id,
    CAST(p.usage_year AS INTEGER) AS usage_year,
    CAST(NULL AS VARCHAR) AS service_name,
    CASE WHEN p.x_accelerator IS NOT NULL OR i.gpu_count > 0 THEN 'gpu' ELSE 'compute' END AS x_usage_kind,
    i.instance_type AS x_instance_type,
    CAST(NULL AS VARCHAR) AS x_storage_media,
    CAST(NULL AS VARCHAR) AS x_storage_class,
    'USD' AS billing_currency,
    CAST(NULL AS DOUBLE) AS x_pue,
    NULL::STRUCT(cpu_model VARCHAR, microarchitecture VARCHAR, cpu_match VARCHAR, vcpus INTEGER, memory_gib DOUBLE,
                 sockets INTEGER, gpu_model VARCHAR, gpu_count INTEGER, ssds INTEGER, hdds INTEGER,
                 embodied_kgco2e DOUBLE) AS x_server,
    p.instance_count * p.hours * CASE WHEN i.instance_type IS NOT NULL THEN 1 END AS x_instance_hours,
    p.instance_count * p.hours * i.vcpus AS x_vcpu_hours,
    coalesce(p.instance_count * p.hours * i.gpu_count, p.gpu_hours) AS x_gpu_hours,
    CAST(NULL AS DOUBLE) AS x_memory_gib_hours,
    CAST(NULL AS DOUBLE) AS x_storage_gib_hours,
    CAST(NULL AS DOUBLE) AS x_network_gb,
    p.instance_count * p.hours * pr.usd_per_hour AS effective_cost,
    p.x_accelerator
FROM plan p
LEFT JOIN coef_instances i ON i.provider = lower(p.provider_name) AND i.instance_type = p.x_instance_type
LEFT JOIN coef_prices pr
    ON pr.provider = i.provider AND pr.region = p.region_id AND pr.instance_type = i.instance_type
