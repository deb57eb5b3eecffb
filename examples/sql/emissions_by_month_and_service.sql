-- Emissions per month and service, straight from the store: a Grafana (DuckDB data source) or Superset
-- (duckdb-engine) panel, or a dbt-duckdb source. The same figures as
-- `cloudcarbon footprint --by month,service`.
SELECT month, service,
       sum(energy_kwh) AS energy_kwh,
       sum(total_kgco2e) AS total_kgco2e,
       sum(total_kgco2e_low) AS total_kgco2e_low,
       sum(total_kgco2e_high) AS total_kgco2e_high,
       sum(cost) AS cost, any_value(currency) AS currency
FROM footprint
GROUP BY month, service
ORDER BY month, total_kgco2e DESC
