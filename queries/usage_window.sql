-- Usage rows charged in [$since, $until) (NULL = unbounded), with the year that picks grid and PUE values.
SELECT *, CAST(year(charge_period_start) AS INTEGER) AS usage_year
FROM usage
WHERE ($since IS NULL OR charge_period_start >= $since)
  AND ($until IS NULL OR charge_period_start < $until)
