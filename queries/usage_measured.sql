-- Usage rows (the CTE usage_rows, in usage_window.sql's shape) with x_measured: what telemetry measured for the
-- row (queries/migrations/0006_telemetry.sql; matched by macros.sql's telemetry_covers), NULL where nothing did.
-- Series of one row are averaged (one per GPU or metric) and their metered power added (one per container):
--   cpu_u, gpu_u (+ _low/_high: the series' 10th/90th percentiles)   measured utilisation, 0-1
--   gpu_w (+ _low/_high)                                             measured board power per GPU, W
--   it_kw                                                            metered energy / its window's hours, kW
--   source                                                           format and file of each series used
-- cloudcarbon/estimation.py sums usage by x_measured as by any column that picks coefficients.
-- A match depends only on a row's resource id, tags and times, so the measurements are found once per such
-- key, among the keys whose resource id (last segment) or a tag value equals a series' match value (an equality
-- test keeps the full, non-equality match off every other row), and joined back to the rows by equality: one
-- pass over the usage, in the memory of the few measured keys.
WITH keys AS (SELECT coalesce(list(DISTINCT lower(match_value)), []) AS v FROM telemetry),
measured AS (
    SELECT hash(c.resource_id, c.tags, c.charge_period_start, c.charge_period_end) AS x_key, c.resource_id,
           c.charge_period_start, {
        'cpu_u': avg(t.cpu_utilization), 'cpu_u_low': avg(t.cpu_utilization_low),
        'cpu_u_high': avg(t.cpu_utilization_high),
        'gpu_u': avg(t.gpu_utilization), 'gpu_u_low': avg(t.gpu_utilization_low),
        'gpu_u_high': avg(t.gpu_utilization_high),
        'gpu_w': avg(t.gpu_power_w), 'gpu_w_low': avg(t.gpu_power_w_low), 'gpu_w_high': avg(t.gpu_power_w_high),
        'it_kw': sum(t.energy_kwh / nullif(epoch(t.window_end - t.window_start) / 3600, 0)),
        'source': string_agg(DISTINCT t.x_source_format || ' ' || t.x_source_file, '; ' ORDER BY
                             t.x_source_format || ' ' || t.x_source_file)
    } AS x_measured
    FROM (
        SELECT DISTINCT u.resource_id, u.tags, u.charge_period_start, u.charge_period_end
        FROM usage_rows u CROSS JOIN keys
        WHERE len(keys.v) > 0
          AND (list_contains(keys.v, lower(regexp_extract(u.resource_id, '[^/]+$')))
               OR list_has_any(keys.v, list_transform(map_values(u.tags), lambda x: lower(x))))
    ) c
    JOIN telemetry t ON telemetry_covers(t.match_on, t.match_value, t.window_start, t.window_end, c.resource_id,
                                         c.tags, c.charge_period_start, c.charge_period_end)
    GROUP BY ALL
)
SELECT u.*, m.x_measured
FROM usage_rows u
-- The hash finds the key; resource and start confirm it (a 64-bit collision must not lend a row a measurement).
LEFT JOIN measured m ON m.x_key = hash(u.resource_id, u.tags, u.charge_period_start, u.charge_period_end)
    AND m.resource_id IS NOT DISTINCT FROM u.resource_id AND m.charge_period_start = u.charge_period_start
