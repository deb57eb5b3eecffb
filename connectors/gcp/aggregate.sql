-- The GCP billing export summed where it lives (BigQuery), so only aggregates travel.
-- Written in DuckDB SQL over `billing_export` (the nested billing table); connectors/gcp/bigquery.py
-- transpiles it to BigQuery with sqlglot and swaps in the table name. One definition: the same text
-- runs in DuckDB over a nested export (tests compare both paths).
-- Output: the columns of `gcp_src` that queries/gcp_billing_normalize.sql reads, one row per day,
-- billing account, project, service, SKU, location, machine type, unit, currency, cost type and invoice month.
-- Parameters: $scan_start (TIMESTAMP; prunes _PARTITIONTIME and usage_start_time),
--   $first_month, $last_month (invoice months YYYYMM: billing periods are replaced whole).
WITH flat AS (
    SELECT
        billing_account_id,
        service.id AS service_id,
        service.description AS service_description,
        sku.id AS sku_id,
        sku.description AS sku_description,
        date_trunc('day', usage_start_time) AS usage_day,
        usage_start_time,
        usage_end_time,
        project.id AS project_id,
        project.name AS project_name,
        location.location AS location_location,
        coalesce(location.region, substr(location.zone, 1, length(location.zone) - 2)) AS location_region,
        (SELECT l.value FROM UNNEST(system_labels) AS l WHERE l.key = 'compute.googleapis.com/machine_spec')
            AS machine_spec,
        (SELECT l.value FROM UNNEST(system_labels) AS l WHERE l.key = 'compute.googleapis.com/cores') AS cores,
        (SELECT l.value FROM UNNEST(system_labels) AS l WHERE l.key = 'compute.googleapis.com/memory') AS memory_mib,
        cost,
        coalesce((SELECT sum(c.amount) FROM UNNEST(credits) AS c), 0) AS credits,
        currency,
        usage.amount AS usage_amount,
        usage.unit AS usage_unit,
        usage.pricing_unit AS usage_pricing_unit,
        invoice.month AS invoice_month,
        cost_type
    FROM billing_export
    WHERE _PARTITIONTIME >= CAST($scan_start AS TIMESTAMPTZ)
      AND usage_start_time >= CAST($scan_start AS TIMESTAMPTZ)
      AND invoice.month >= $first_month
      AND invoice.month <= $last_month
)
SELECT
    billing_account_id, service_id, service_description, sku_id, sku_description,
    min(usage_start_time) AS usage_start_time,
    max(usage_end_time) AS usage_end_time,
    project_id, project_name, location_location, location_region,
    machine_spec, cores, memory_mib,
    sum(cost) AS cost,
    sum(credits) AS credits,
    currency,
    sum(usage_amount) AS usage_amount,
    usage_unit, usage_pricing_unit, invoice_month, cost_type,
    -- Aggregated rows are unique by construction: no line fingerprint (METHODOLOGY.md, "Data rules").
    CAST(NULL AS BIGINT) AS row_fingerprint
FROM flat
GROUP BY billing_account_id, service_id, service_description, sku_id, sku_description, usage_day,
    project_id, project_name, location_location, location_region, machine_spec, cores, memory_mib,
    currency, usage_unit, usage_pricing_unit, invoice_month, cost_type
