-- When a planned job emits least: each candidate start from $start (the window's start, "now") by whole hours
-- while the job still ends by $end. The job's energy is spread evenly over its $duration_h hours; each clock
-- hour it covers (fractional at both ends) weighs its intensity by the share of the job in it. Intensity at an
-- hour = the annual figure x coef_grid_hourly's ratio for the zone, month and UTC hour (1 where the zone has no
-- profile: the annual-average fallback). The ratio's bounds across the profile's years widen low/high.
-- Input relation `shift_jobs`: job (id), zone, the annual-figure operational kgCO2e (op, op_low, op_high) and
-- embodied kgCO2e (emb, emb_low, emb_high) of each job (estimate's one, or recommend-region's candidates).
-- Input relation `shift_signal` (zone, hour, ratio): forecast ratios to the annual figure; empty offline.
-- Parameters: $start, $end (TIMESTAMP, UTC), $duration_h.
-- Method: METHODOLOGY.md ("When to run a planned job").
WITH starts AS (
    SELECT k, CAST($start AS TIMESTAMP) + k * INTERVAL 1 HOUR AS s
    FROM range(0, CAST(floor(epoch(CAST($end AS TIMESTAMP) - CAST($start AS TIMESTAMP)) / 3600
                             - CAST($duration_h AS DOUBLE) + 1e-9) AS BIGINT) + 1) r(k)
), covered AS (
    SELECT k, s, h,
           epoch(least(h + INTERVAL 1 HOUR, s + to_microseconds(CAST($duration_h * 3600e6 AS BIGINT)))
                 - greatest(h, s)) / 3600 AS share_h
    FROM starts,
         LATERAL (SELECT unnest(generate_series(date_trunc('hour', s),
                  s + to_microseconds(CAST($duration_h * 3600e6 AS BIGINT)) - INTERVAL 1 MICROSECOND,
                  INTERVAL 1 HOUR)) AS h)
), factors AS (
    SELECT j.job, c.k, c.s,
           sum(c.share_h * coalesce(sg.ratio, g.ratio, 1)) / $duration_h AS f,
           sum(c.share_h * coalesce(sg.ratio, g.ratio_min, 1)) / $duration_h AS f_low,
           sum(c.share_h * coalesce(sg.ratio, g.ratio_max, 1)) / $duration_h AS f_high
    FROM shift_jobs j CROSS JOIN covered c
    LEFT JOIN coef_grid_hourly g ON g.zone = j.zone AND g.month = month(c.h) AND g.hour_utc = hour(c.h)
    -- A live forecast (grid_signals.py), where the user has one, replaces the profile for the hours it covers.
    LEFT JOIN shift_signal sg ON sg.zone = j.zone AND sg.hour = c.h
    GROUP BY j.job, c.k, c.s
), totals AS (
    SELECT x.job, k, s, f, op * f + emb AS total, op_low * f_low + emb_low AS total_low,
           op_high * f_high + emb_high AS total_high, op * f AS op, op_low * f_low AS op_low,
           op_high * f_high AS op_high
    FROM factors x JOIN shift_jobs j ON j.job = x.job
), now AS (SELECT * FROM totals WHERE k = 0),
best AS (SELECT * FROM totals QUALIFY row_number() OVER (PARTITION BY job ORDER BY round(total, 9), k) = 1)
SELECT t.job, role, t.s AS start_utc, t.s + to_microseconds(CAST($duration_h * 3600e6 AS BIGINT)) AS end_utc,
       t.f AS intensity_ratio, t.op, t.op_low, t.op_high, t.total, t.total_low, t.total_high,
       now.total - t.total AS saving_kgco2e,
       CASE WHEN now.total > 0 THEN 100 * (now.total - t.total) / now.total END AS saving_pct,
       (SELECT count(*) FROM totals) // (SELECT count(*) FROM now) AS candidates
FROM (SELECT 'start now' AS role, * FROM now UNION ALL SELECT 'best start', * FROM best) t
JOIN now ON now.job = t.job
ORDER BY t.job, role DESC
