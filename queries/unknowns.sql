-- Usage the footprint could not fully map, so nothing is dropped silently:
--   instance types missing from the coefficient library (estimated only if the bill gives vCPUs),
--   usage types with no energy model (kind 'other': requests, fees-as-usage, ...),
--   regions with no grid intensity (the provider's mean is used),
--   providers with no coefficient tables at all (FOCUS exports can hold any provider),
--   on-premises servers whose CPU was not recognised (instance_type shows the cpu_model as written),
--   telemetry series that describe no usage row (kept; usage_type shows what they match on, rows counts series).
-- Parameters: $since, $until.
-- The usage summed by what the reasons look at first (a month's millions of rows are a few thousand such groups).
WITH u AS (
    SELECT provider_name, service_name, x_usage_type, x_usage_kind, x_instance_type, region_id, consumed_unit,
           billing_currency, x_server IS NULL AS x_no_server, x_server.cpu_model AS x_cpu_model,
           x_server.microarchitecture AS x_microarchitecture,
           count(*) AS x_rows, exact_sum(consumed_quantity) AS consumed_quantity,
           exact_sum(x_instance_hours) AS x_instance_hours, exact_sum(effective_cost) AS effective_cost,
           exact_sum(abs(effective_cost)) AS x_abs_cost
    FROM usage
    WHERE ($since IS NULL OR charge_period_start >= $since)
      AND ($until IS NULL OR charge_period_start < $until)
    GROUP BY ALL
),
total AS (SELECT exact_sum(x_abs_cost) AS cost FROM u),
providers AS (SELECT provider FROM coef_instances UNION SELECT provider FROM coef_cpu_power),
covered AS (SELECT * FROM u WHERE lower(provider_name) IN (SELECT provider FROM providers)),
flagged AS (
    SELECT u.*, 1 AS priority, 'instance type not in coefficient library' AS reason
    FROM covered u ANTI JOIN coef_instances i
        ON i.provider = lower(u.provider_name) AND i.instance_type = u.x_instance_type
    WHERE u.x_instance_type IS NOT NULL
      -- An on-premises server model is a label; the inventory describes the server itself.
      AND u.x_no_server
      -- GCP GPU rows name their accelerator model, which the footprint finds in coef_accelerators.
      AND NOT (u.x_usage_kind = 'gpu' AND u.x_instance_type IN (SELECT model FROM coef_accelerators))
    UNION ALL BY NAME
    SELECT u.*, 3 AS priority, 'usage type has no energy model' AS reason
    FROM covered u WHERE u.x_usage_kind = 'other'
    UNION ALL BY NAME
    -- e.g. Oracle rows of a FOCUS export: kept with their cost, never estimated with another provider's data.
    SELECT u.*, 0 AS priority, 'provider has no coefficient tables (not estimated)' AS reason
    FROM u ANTI JOIN providers p ON p.provider = lower(u.provider_name)
    UNION ALL BY NAME
    SELECT u.* REPLACE (coalesce(u.x_cpu_model, '(no cpu_model)') AS x_instance_type), 1 AS priority,
           'CPU not recognised (mean of microarchitectures used); add a microarchitecture column' AS reason
    FROM covered u WHERE u.x_microarchitecture = 'Unknown'
    UNION ALL BY NAME
    SELECT u.*, 2 AS priority, 'no grid intensity for region (provider mean used)' AS reason
    FROM covered u ANTI JOIN coef_grid g ON g.provider = lower(u.provider_name) AND g.region = u.region_id
    WHERE u.x_usage_kind <> 'other'
    UNION ALL BY NAME
    SELECT 4 AS priority, 'telemetry matches no usage row (kept, not used)' AS reason, '(telemetry)' AS provider_name,
           t.x_source_format AS service_name, t.match_on || ' ' || t.match_value AS x_usage_type,
           1 AS x_rows, t.samples AS consumed_quantity, 'samples' AS consumed_unit
    FROM telemetry t
    WHERE ($since IS NULL OR t.window_end >= $since) AND ($until IS NULL OR t.window_start < $until)
      AND NOT EXISTS (SELECT 1 FROM usage u WHERE telemetry_covers(t.match_on, t.match_value, t.window_start,
                      t.window_end, u.resource_id, u.tags, u.charge_period_start, u.charge_period_end))
)
SELECT
    priority,
    reason,
    provider_name AS provider,
    service_name AS service,
    regexp_replace(x_usage_type, '^[A-Z]{2,4}[0-9]?-', '') AS usage_type,
    x_instance_type AS instance_type,
    -- Where the unmapped usage ran: a region to look at (or, for the grid reason, the one that lacks data).
    coalesce(region_id, '(none)') AS region,
    CAST(sum(x_rows) AS BIGINT) AS rows,
    exact_sum(consumed_quantity) AS quantity,
    any_value(consumed_unit) AS unit,
    exact_sum(x_instance_hours) AS hours,
    exact_sum(effective_cost) AS cost,
    exact_sum(x_abs_cost) / nullif(any_value(total.cost), 0) AS cost_share,
    CASE WHEN min(billing_currency) <> max(billing_currency) THEN 'MIXED' ELSE min(billing_currency) END AS currency
FROM flagged CROSS JOIN total
GROUP BY priority, reason, provider, service, usage_type, instance_type, region
ORDER BY priority, abs(exact_sum(effective_cost)) DESC NULLS LAST, rows DESC, reason, provider, service, usage_type,
         instance_type, region
