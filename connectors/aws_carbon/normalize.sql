-- AWS Data Exports CARBON_EMISSIONS rows -> provider_emissions figures (one per method: location-based and
-- market-based totals). Reads `carbon_src` (the export's columns, renamed by connectors/aws_carbon/formats.py;
-- a CTE the connector wraps around this query). Parameters: $ingest_id. Macros earliest_date(), latest_date():
-- the dates an ingest accepts (cloudcarbon/ingest.py); kg_per_unit() (cloudcarbon/provider_emissions.py).
-- Units: AWS states MTCO2e (metric tonnes); kg, pounds and grams are converted too, any other unit is refused.
-- Scopes: the totals cover scopes 1 and 2 up to model v2, and scopes 1, 2 and 3 from model v3.0.0 (October 2025:
-- fuel- and energy-related activities, IT hardware, buildings); see METHODOLOGY.md.
WITH typed AS (
    SELECT
        nullif(trim(CAST(usage_account_id AS VARCHAR)), '') AS account,
        nullif(trim(CAST(payer_account_id AS VARCHAR)), '') AS payer,
        -- Global services (CloudFront, Route 53) have no region_code and the location 'Global'; the CUR calls their
        -- region 'global' (product/region), so the two sides meet in reconcile.
        coalesce(nullif(trim(CAST(region_code AS VARCHAR)), ''),
                 CASE WHEN lower(trim(CAST(location AS VARCHAR))) = 'global' THEN 'global' END) AS region,
        nullif(trim(CAST(location AS VARCHAR)), '') AS location,
        nullif(trim(CAST(product_code AS VARCHAR)), '') AS product,
        utc_time(usage_period_start) AS period_start,
        utc_time(usage_period_end) AS period_end,
        utc_time(last_refresh_timestamp) AS refreshed_at,
        nullif(trim(CAST(model_version AS VARCHAR)), '') AS model_version,
        CAST(total_lbm_emissions_value AS DOUBLE) AS lbm_value,
        nullif(trim(CAST(total_lbm_emissions_unit AS VARCHAR)), '') AS lbm_unit,
        CAST(total_mbm_emissions_value AS DOUBLE) AS mbm_value,
        nullif(trim(CAST(total_mbm_emissions_unit AS VARCHAR)), '') AS mbm_unit,
        container,
        source_file,
        source_row
    FROM carbon_src
),
figures AS (
    SELECT *, 'location' AS method, lbm_value AS value, lbm_unit AS unit, 'total_lbm_emissions_unit' AS unit_column
    FROM typed WHERE lbm_value IS NOT NULL
    UNION ALL
    SELECT *, 'market', mbm_value, mbm_unit, 'total_mbm_emissions_unit' FROM typed WHERE mbm_value IS NOT NULL
),
converted AS (
    SELECT
        *,
        kg_per_unit(unit) AS kg_per_unit,  -- macro of cloudcarbon/provider_emissions.py
        CAST(date_trunc('month', period_start) AS DATE) AS month
    FROM figures
)
SELECT
    'AWS' AS provider_name,
    payer AS billing_account_id,
    account AS sub_account_id,
    month AS billing_period_start,
    period_start AS charge_period_start,
    period_end AS charge_period_end,
    region AS region_id,
    location AS region_name,
    product AS service_name,
    'total' AS scope,
    CASE WHEN TRY_CAST(regexp_extract(model_version, '^[vV]?(\d+)', 1) AS INTEGER) >= 3 THEN '1+2+3' ELSE '1+2' END
        AS scopes_covered,
    method,
    value * kg_per_unit AS kgco2e,
    value AS reported_value,
    unit AS reported_unit,
    model_version,
    refreshed_at AS x_refreshed_at,
    'aws-carbon-' || container AS x_source_format,
    source_file AS x_source_file,
    $ingest_id AS x_ingest_id,
    source_row AS x_row
FROM converted
WHERE CASE
    WHEN kg_per_unit IS NULL THEN error(printf(
        'cloudcarbon data rule: %s: the line of account %s, %s, %s, %s: column %s is %s, not a unit of CO2e '
        || 'cloudcarbon knows (MTCO2e, kgCO2e, lbCO2e, gCO2e); fix or re-export the file', source_file,
        coalesce(account, '(none)'), strftime(month, '%Y-%m'), coalesce(region, location, '(no region)'),
        coalesce(product, '(no product)'), unit_column, coalesce('''' || unit || '''', 'empty')))
    WHEN NOT month BETWEEN earliest_date() AND latest_date() THEN error(printf(
        'cloudcarbon data rule: %s: the line of account %s, %s, %s: usage_period_start %s is outside %s..%s, the '
        || 'dates cloudcarbon accepts; fix or re-export the file', source_file, coalesce(account, '(none)'),
        coalesce(region, location, '(no region)'), coalesce(product, '(no product)'),
        strftime(period_start, '%Y-%m-%d'),
        strftime(earliest_date(), '%Y-%m-%d'), strftime(latest_date(), '%Y-%m-%d')))
    ELSE true
END
