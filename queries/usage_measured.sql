-- Usage rows (the CTE usage_rows, in usage_window.sql's shape) with x_measured: what telemetry measured for the
-- row (queries/migrations/0007_telemetry.sql; matched by macros.sql's telemetry_covers), NULL where nothing did.
-- Series of one row are averaged (one per GPU or metric) and their metered power added (one per container):
--   cpu_u, gpu_u (+ _low/_high: the series' 10th/90th percentiles)   measured utilisation, 0-1
--   gpu_w (+ _low/_high)                                             measured board power per GPU, W
--   it_kw                                                            metered energy / its window's hours, kW
--   source                                                           format and file of each series used
-- cloudcarbon/estimation.py sums usage by x_measured as by any column that picks coefficients.
-- Only rows whose resource id (last segment) or a tag value is a series' match value can match: an equality test
-- against the few values keeps the full match (a join on a non-equality condition) off the other rows.
WITH keys AS (SELECT coalesce(list(DISTINCT lower(match_value)), []) AS v FROM telemetry),
candidates AS (
    SELECT u.*, coalesce(len(keys.v) > 0 AND (list_contains(keys.v, lower(regexp_extract(u.resource_id, '[^/]+$')))
                         OR list_has_any(keys.v, list_transform(map_values(u.tags), lambda x: lower(x)))), false)
                AS x_candidate
    FROM usage_rows u CROSS JOIN keys
)
SELECT u.* EXCLUDE (x_candidate),
       NULL::STRUCT(cpu_u DOUBLE, cpu_u_low DOUBLE, cpu_u_high DOUBLE, gpu_u DOUBLE, gpu_u_low DOUBLE,
                    gpu_u_high DOUBLE, gpu_w DOUBLE, gpu_w_low DOUBLE, gpu_w_high DOUBLE, it_kw DOUBLE,
                    source VARCHAR) AS x_measured
FROM candidates u
WHERE NOT u.x_candidate
UNION ALL BY NAME
-- A candidate that no series covers (another time, another kind of key) keeps x_measured NULL.
SELECT u.* EXCLUDE (x_candidate), CASE WHEN count(t.match_on) > 0 THEN {
    'cpu_u': avg(t.cpu_utilization), 'cpu_u_low': avg(t.cpu_utilization_low),
    'cpu_u_high': avg(t.cpu_utilization_high),
    'gpu_u': avg(t.gpu_utilization), 'gpu_u_low': avg(t.gpu_utilization_low),
    'gpu_u_high': avg(t.gpu_utilization_high),
    'gpu_w': avg(t.gpu_power_w), 'gpu_w_low': avg(t.gpu_power_w_low), 'gpu_w_high': avg(t.gpu_power_w_high),
    'it_kw': sum(t.energy_kwh / nullif(epoch(t.window_end - t.window_start) / 3600, 0)),
    'source': string_agg(DISTINCT t.x_source_format || ' ' || t.x_source_file, '; ' ORDER BY
                         t.x_source_format || ' ' || t.x_source_file)
} END AS x_measured
FROM (SELECT * FROM candidates WHERE x_candidate) u
LEFT JOIN telemetry t ON telemetry_covers(t.match_on, t.match_value, t.window_start, t.window_end,
                                                       u.resource_id, u.tags, u.charge_period_start,
                                                       u.charge_period_end)
GROUP BY ALL
