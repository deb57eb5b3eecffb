-- Next month's and the rest of its calendar year's emissions and cost per group, from the months held
-- (METHODOLOGY.md, "Forecast"). Reads `forecast_history` (g: the group, x: months since year 0, kg, kg_low,
-- kg_high, cost); parameters $basis_months (how many recent months the trend is fitted on) and $z (1.96).
-- Every group has a value for every basis month (0 where it had no usage), so a group that stopped trends down
-- and one that started trends up.
WITH bounds AS (
    SELECT max(x) AS last_x, greatest(max(x) - $basis_months + 1, min(x)) AS first_x FROM forecast_history
),
basis AS (
    SELECT g.g, m.x, coalesce(h.kg, 0) AS kg, coalesce(h.kg_low, 0) AS kg_low, coalesce(h.kg_high, 0) AS kg_high,
           coalesce(h.cost, 0) AS cost
    FROM (SELECT DISTINCT g FROM forecast_history) g
    CROSS JOIN (SELECT unnest(range(first_x, last_x + 1)) AS x FROM bounds) m
    LEFT JOIN forecast_history h ON h.g = g.g AND h.x = m.x
),
fit AS (
    SELECT g, count(*) AS n, avg(x) AS mean_x, var_pop(x) * count(*) AS sxx,
           regr_slope(kg, x) AS kg_b, regr_intercept(kg, x) AS kg_a,
           regr_slope(cost, x) AS cost_b, regr_intercept(cost, x) AS cost_a,
           arg_max(kg, x) AS last_kg, arg_max(cost, x) AS last_cost,
           arg_min(kg, x) AS first_kg, arg_min(cost, x) AS first_cost,
           sum(kg_low) / nullif(sum(kg), 0) AS low_ratio, sum(kg_high) / nullif(sum(kg), 0) AS high_ratio
    FROM basis GROUP BY g
),
residuals AS (
    SELECT f.g, sum(pow(b.kg - (f.kg_a + f.kg_b * b.x), 2)) AS kg_sse,
           sum(pow(b.cost - (f.cost_a + f.cost_b * b.x), 2)) AS cost_sse
    FROM fit f JOIN basis b USING (g) GROUP BY f.g
),
spread AS (
    -- The residual standard error of the trend (n >= 3); with two months, the change between them.
    SELECT f.*,
           CASE WHEN f.n >= 3 THEN sqrt(r.kg_sse / (f.n - 2))
                WHEN f.n = 2 THEN abs(f.last_kg - f.first_kg) / $z ELSE 0 END AS kg_s,
           CASE WHEN f.n >= 3 THEN sqrt(r.cost_sse / (f.n - 2))
                WHEN f.n = 2 THEN abs(f.last_cost - f.first_cost) / $z ELSE 0 END AS cost_s
    FROM fit f JOIN residuals r USING (g)
),
months AS (
    -- Each month from the next to the end of its calendar year: the trend there (n >= 3), else the last month
    -- again; and the half-width of a 95 % prediction interval around it.
    SELECT s.*, m.x AS fx,
           CASE WHEN s.n >= 3 THEN greatest(s.kg_a + s.kg_b * m.x, 0) ELSE s.last_kg END AS f_kg,
           CASE WHEN s.n >= 3 THEN greatest(s.cost_a + s.cost_b * m.x, 0) ELSE s.last_cost END AS f_cost,
           CASE WHEN s.n >= 3 THEN sqrt(1 + 1 / s.n + pow(m.x - s.mean_x, 2) / nullif(s.sxx, 0)) ELSE 1 END
               * $z AS widen
    FROM spread s
    CROSS JOIN (SELECT unnest(range(last_x + 1, (last_x + 1) // 12 * 12 + 12)) AS x FROM bounds) m
),
ranged AS (
    -- Our estimate's own range (low/high over central in the basis months) on top of the forecast's.
    SELECT *, greatest(f_kg - widen * kg_s, 0) * coalesce(low_ratio, 1) AS f_kg_low,
           (f_kg + widen * kg_s) * coalesce(high_ratio, 1) AS f_kg_high,
           greatest(f_cost - widen * cost_s, 0) AS f_cost_low, f_cost + widen * cost_s AS f_cost_high
    FROM months
),
ahead AS (
    SELECT g, any_value(n) AS basis_months, min(fx) AS next_x,
           arg_min(f_kg, fx) AS next_kgco2e, arg_min(f_kg_low, fx) AS next_kgco2e_low,
           arg_min(f_kg_high, fx) AS next_kgco2e_high, arg_min(f_cost, fx) AS next_cost,
           arg_min(f_cost_low, fx) AS next_cost_low, arg_min(f_cost_high, fx) AS next_cost_high,
           sum(f_kg) AS rest_kg, sum(f_kg_low) AS rest_kg_low, sum(f_kg_high) AS rest_kg_high, sum(f_cost) AS rest_cost,
           count(*) AS year_months_forecast
    FROM ranged GROUP BY g
),
held AS (
    -- The months of the forecast's year already in the store.
    SELECT g, sum(kg) AS kg, sum(kg_low) AS kg_low, sum(kg_high) AS kg_high, sum(cost) AS cost,
           count(*) AS year_months_held
    FROM forecast_history WHERE x // 12 = (SELECT (last_x + 1) // 12 FROM bounds)
    GROUP BY g
)
SELECT a.g, a.basis_months, a.next_x, a.next_kgco2e, a.next_kgco2e_low, a.next_kgco2e_high,
       a.next_cost, a.next_cost_low, a.next_cost_high,
       a.next_x // 12 AS year,
       coalesce(h.kg, 0) + a.rest_kg AS year_kgco2e,
       coalesce(h.kg_low, 0) + a.rest_kg_low AS year_kgco2e_low,
       coalesce(h.kg_high, 0) + a.rest_kg_high AS year_kgco2e_high,
       coalesce(h.cost, 0) + a.rest_cost AS year_cost,
       coalesce(h.year_months_held, 0) AS year_months_held, a.year_months_forecast
FROM ahead a LEFT JOIN held h USING (g)
