-- Data freshness per provider for a report header: the charge periods the store holds, the latest
-- one, and when the provider's data was last ingested (UTC). Covers the whole store, not one month.
WITH last_ingest AS (
    SELECT provider_name, max(coalesce(finished_at, started_at)) AS ingested_at FROM ingests GROUP BY provider_name
)
SELECT
    u.provider_name,
    count(DISTINCT u.billing_account_id) AS billing_accounts,
    strftime(min(u.charge_period_start), '%Y-%m-%d') AS first_charge,
    -- Charge periods end exclusively: the last day with charges is the day before the latest end.
    strftime(max(coalesce(u.charge_period_end, u.charge_period_start)) - INTERVAL 1 SECOND, '%Y-%m-%d') AS latest_charge,
    strftime(timezone('UTC', any_value(l.ingested_at)), '%Y-%m-%d %H:%M UTC') AS last_ingest
FROM usage u
LEFT JOIN last_ingest l USING (provider_name)
GROUP BY u.provider_name
ORDER BY u.provider_name
