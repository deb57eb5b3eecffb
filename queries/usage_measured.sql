-- Usage rows (the CTE usage_rows, in usage_window.sql's shape) with x_measured: what telemetry measured for the
-- row (queries/migrations/0007_telemetry.sql; matched by macros.sql's telemetry_covers), NULL where nothing did.
-- Series of one row are averaged (one per GPU or metric) and their metered power added (one per container):
--   cpu_u, gpu_u (+ _low/_high: the series' 10th/90th percentiles)   measured utilisation, 0-1
--   gpu_w (+ _low/_high)                                             measured board power per GPU, W
--   it_kw                                                            metered energy / its window's hours, kW
--   source                                                           format and file of each series used
-- cloudcarbon/estimation.py sums usage by x_measured as by any column that picks coefficients.
SELECT u.*, NULL::STRUCT(cpu_u DOUBLE, cpu_u_low DOUBLE, cpu_u_high DOUBLE, gpu_u DOUBLE, gpu_u_low DOUBLE,
                         gpu_u_high DOUBLE, gpu_w DOUBLE, gpu_w_low DOUBLE, gpu_w_high DOUBLE, it_kw DOUBLE,
                         source VARCHAR) AS x_measured
FROM usage_rows u
WHERE NOT EXISTS (SELECT 1 FROM telemetry t WHERE telemetry_covers(t.match_on, t.match_value, t.window_start,
    t.window_end, u.resource_id, u.tags, u.charge_period_start, u.charge_period_end))
UNION ALL BY NAME
SELECT u.*, {
    'cpu_u': avg(t.cpu_utilization), 'cpu_u_low': avg(t.cpu_utilization_low),
    'cpu_u_high': avg(t.cpu_utilization_high),
    'gpu_u': avg(t.gpu_utilization), 'gpu_u_low': avg(t.gpu_utilization_low),
    'gpu_u_high': avg(t.gpu_utilization_high),
    'gpu_w': avg(t.gpu_power_w), 'gpu_w_low': avg(t.gpu_power_w_low), 'gpu_w_high': avg(t.gpu_power_w_high),
    'it_kw': sum(t.energy_kwh / nullif(epoch(t.window_end - t.window_start) / 3600, 0)),
    'source': string_agg(DISTINCT t.x_source_format || ' ' || t.x_source_file, '; ' ORDER BY
                         t.x_source_format || ' ' || t.x_source_file)
} AS x_measured
FROM usage_rows u
JOIN telemetry t ON telemetry_covers(t.match_on, t.match_value, t.window_start, t.window_end, u.resource_id, u.tags,
                                     u.charge_period_start, u.charge_period_end)
GROUP BY ALL
