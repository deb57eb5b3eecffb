-- Display names of the sub-accounts (AWS linked accounts, GCP projects, Azure subscriptions) seen in
-- [$since, $until): the latest name each id was billed under.
SELECT sub_account_id, arg_max(sub_account_name, charge_period_start) AS sub_account_name
FROM usage
WHERE sub_account_id IS NOT NULL AND sub_account_name IS NOT NULL
  AND ($since IS NULL OR charge_period_start >= $since)
  AND ($until IS NULL OR charge_period_start < $until)
GROUP BY sub_account_id
