-- AWS Sustainability API results (GetEstimatedCarbonEmissions, monthly, grouped by USAGE_ACCOUNT_ID, REGION and
-- SERVICE) -> provider_emissions figures, one per emissions type present. Parameters: $results (the results as a
-- JSON array), $source (the label stored as the figures' source), $ingest_id. Macros: earliest_date(),
-- latest_date() (cloudcarbon/ingest.py), kg_per_unit() (cloudcarbon/provider_emissions.py).
WITH listed AS (SELECT CAST(CAST($results AS JSON) AS JSON[]) AS results),
numbered AS (SELECT unnest(results) AS r, unnest(range(1, len(results) + 1)) AS x_row FROM listed),
typed AS (
    SELECT
        x_row,
        nullif(r ->> '$.DimensionsValues.USAGE_ACCOUNT_ID', '') AS account,
        nullif(r ->> '$.DimensionsValues.REGION', '') AS region,
        nullif(r ->> '$.DimensionsValues.SERVICE', '') AS service,
        utc_time(r ->> '$.TimePeriod.Start') AS period_start,
        utc_time(r ->> '$.TimePeriod.End') AS period_end,
        r ->> '$.ModelVersion' AS model_version,
        r -> '$.EmissionsValues' AS emissions
    FROM numbered
),
-- The API's emissions types: the totals cover what the model version covers; the scopes cover themselves.
types(emissions_type, scope, method) AS (VALUES
    ('TOTAL_LBM_CARBON_EMISSIONS', 'total', 'location'), ('TOTAL_MBM_CARBON_EMISSIONS', 'total', 'market'),
    ('TOTAL_SCOPE_1_CARBON_EMISSIONS', 'scope 1', NULL),
    ('TOTAL_SCOPE_2_LBM_CARBON_EMISSIONS', 'scope 2', 'location'),
    ('TOTAL_SCOPE_2_MBM_CARBON_EMISSIONS', 'scope 2', 'market'),
    ('TOTAL_SCOPE_3_LBM_CARBON_EMISSIONS', 'scope 3', 'location'),
    ('TOTAL_SCOPE_3_MBM_CARBON_EMISSIONS', 'scope 3', 'market')
),
figures AS (
    SELECT t.*, k.scope, k.method,
           CAST(json_extract(t.emissions, '$.' || k.emissions_type || '.Value') AS DOUBLE) AS value,
           json_extract_string(t.emissions, '$.' || k.emissions_type || '.Unit') AS unit,
           CAST(date_trunc('month', t.period_start) AS DATE) AS month
    FROM typed t JOIN types k ON json_extract(t.emissions, '$.' || k.emissions_type || '.Value') IS NOT NULL
)
SELECT
    'AWS' AS provider_name,
    NULL AS billing_account_id,
    account AS sub_account_id,
    month AS billing_period_start,
    period_start AS charge_period_start,
    period_end AS charge_period_end,
    region AS region_id,
    NULL AS region_name,
    service AS service_name,
    scope,
    CASE WHEN scope <> 'total' THEN regexp_extract(scope, '\d')
         WHEN TRY_CAST(regexp_extract(model_version, '^[vV]?(\d+)', 1) AS INTEGER) >= 3 THEN '1+2+3'
         ELSE '1+2' END AS scopes_covered,
    method,
    value * kg_per_unit(unit) AS kgco2e,
    value AS reported_value,
    unit AS reported_unit,
    model_version,
    NULL::TIMESTAMP AS x_refreshed_at,
    'aws-sustainability-api' AS x_source_format,
    $source AS x_source_file,
    $ingest_id AS x_ingest_id,
    x_row
FROM figures
WHERE CASE
    WHEN kg_per_unit(unit) IS NULL OR account IS NULL OR month IS NULL THEN error(printf(
        'cloudcarbon data rule: %s: result %d (account %s, %s, %s, %s): %s; report it, or read the month from the '
        || 'carbon emissions export instead', $source, x_row, coalesce(account, '(none)'),
        coalesce(strftime(month, '%Y-%m'), '(no period)'), coalesce(region, '(no region)'),
        coalesce(service, '(no service)'),
        CASE WHEN account IS NULL THEN 'no USAGE_ACCOUNT_ID' WHEN month IS NULL THEN 'no TimePeriod.Start'
             ELSE printf('unit %s is not a unit of CO2e cloudcarbon knows', coalesce('''' || unit || '''', 'empty'))
        END))
    WHEN NOT month BETWEEN earliest_date() AND latest_date() THEN error(printf(
        'cloudcarbon data rule: %s: result %d: the month %s is outside %s..%s, the dates cloudcarbon accepts',
        $source, x_row, strftime(month, '%Y-%m'), strftime(earliest_date(), '%Y-%m-%d'),
        strftime(latest_date(), '%Y-%m-%d')))
    ELSE true
END
