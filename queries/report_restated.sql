-- Restated billing periods: (provider, billing account, period) ingested more than once whose latest
-- ingest replaced earlier rows, with the cost before and after. Parameters: $since, $until (dates).
WITH runs AS (
    SELECT p.provider_name, p.billing_account_id, p.billing_period_start, p.rows_kept, p.rows_replaced,
           p.effective_cost, coalesce(i.finished_at, i.started_at) AS ingested_at,
           lag(p.effective_cost) OVER w AS previous_cost,
           row_number() OVER (PARTITION BY p.provider_name, p.billing_account_id, p.billing_period_start
                              ORDER BY coalesce(i.finished_at, i.started_at) DESC) AS recency,
           count(*) OVER (PARTITION BY p.provider_name, p.billing_account_id, p.billing_period_start) AS ingests
    FROM ingest_periods p
    JOIN ingests i USING (ingest_id)
    WHERE p.billing_period_start >= CAST($since AS DATE) AND p.billing_period_start < CAST($until AS DATE)
    WINDOW w AS (PARTITION BY p.provider_name, p.billing_account_id, p.billing_period_start
                 ORDER BY coalesce(i.finished_at, i.started_at))
)
SELECT
    provider_name,
    billing_account_id,
    strftime(billing_period_start, '%Y-%m') AS billing_period,
    ingests,
    strftime(timezone('UTC', ingested_at), '%Y-%m-%d %H:%M UTC') AS last_ingest,
    rows_replaced,
    rows_kept,
    previous_cost,
    effective_cost AS cost,
    effective_cost - previous_cost AS cost_change
FROM runs
WHERE recency = 1 AND rows_replaced > 0
ORDER BY billing_period DESC, provider_name, billing_account_id
