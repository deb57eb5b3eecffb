-- The months the store holds usage for (newest first), with their providers, rows and cost: the
-- service's index of report pages.
SELECT strftime(charge_period_start, '%Y-%m') AS month,
       string_agg(DISTINCT provider_name, ', ' ORDER BY provider_name) AS providers,
       count(*) AS rows,
       exact_sum(effective_cost) AS cost,
       CASE WHEN count(DISTINCT billing_currency) > 1 THEN 'MIXED' ELSE any_value(billing_currency) END AS currency
FROM usage
GROUP BY month
ORDER BY month DESC
