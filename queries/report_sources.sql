-- Every coefficient source behind a footprint, with its licence: the distinct sources of the rows of
-- `fp` (queries/footprint_rows.sql over the report's usage) plus the library constants the method
-- applies to every row. The caller defines the CTE fp (estimation.footprint_sql).
WITH used AS (
    SELECT 'CPU power per vCPU' AS coefficient, cpu_source AS source FROM fp WHERE vcpu_hours > 0
    UNION SELECT 'Instance specifications and embodied carbon', instance_source FROM fp
    UNION SELECT 'Accelerator power and embodied carbon', gpu_source FROM fp WHERE gpu_hours > 0
    UNION SELECT 'Data centre PUE', pue_source FROM fp
    UNION SELECT 'Grid intensity (' || grid_signal || ')', grid_source FROM fp
    UNION SELECT 'Method constants', source FROM coef_constants
          WHERE key IN ('memory_w_per_gib', 'ssd_wh_per_tb_hour', 'hdd_wh_per_tb_hour', 'network_kwh_per_gb',
                        'cpu_utilization_default', 'cpu_utilization_low', 'cpu_utilization_high',
                        'gpu_utilization_default', 'gpu_utilization_low', 'gpu_utilization_high',
                        'server_lifespan_hours', 'server_lifespan_hours_low_bound', 'replication_default')
             OR (key LIKE 'replication\_%' ESCAPE '\' AND key IN (
                 SELECT DISTINCT 'replication_' || lower(provider_name) || '_' || x_storage_class FROM fp))
),
licences AS (
    SELECT DISTINCT source, licence FROM (
        SELECT source, licence FROM coef_instances UNION ALL SELECT source, licence FROM coef_cpu_power
        UNION ALL SELECT source, licence FROM coef_accelerators UNION ALL SELECT source, licence FROM coef_pue
        UNION ALL SELECT source, licence FROM coef_grid UNION ALL SELECT source, licence FROM coef_constants)
),
-- A source cited by rows of several licences ("Apache-2.0; public fact") lists each licence once.
licence_parts AS (
    SELECT coefficient, used.source, trim(unnest(string_split(licences.licence, ';'))) AS licence
    FROM used LEFT JOIN licences USING (source)
    WHERE used.source IS NOT NULL
)
SELECT coefficient, source, string_agg(DISTINCT licence, '; ' ORDER BY licence) AS licence
FROM licence_parts
GROUP BY coefficient, source
ORDER BY coefficient, source
