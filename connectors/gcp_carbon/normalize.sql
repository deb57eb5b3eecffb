-- Google Cloud Carbon Footprint export rows -> provider_emissions figures. Reads `carbon_src` (the export's fields,
-- flattened and renamed by connectors/gcp_carbon/formats.py). Parameters: $ingest_id. Macros earliest_date(),
-- latest_date() (cloudcarbon/ingest.py).
-- Units: the export states kg CO2e (field names end in kgCO2e), stored as reported with unit 'kgCO2e'.
-- Scopes: one figure per scope and method that the row holds: scope 1, scope 2 location- and market-based, scope 3,
-- and the totals (scope 1 + scope 2 of the method + scope 3); see METHODOLOGY.md.
WITH typed AS (
    SELECT
        CAST(usage_month AS DATE) AS month,
        nullif(trim(CAST(billing_account_id AS VARCHAR)), '') AS billing_account,
        -- Rows not tied to a project (support, some network charges) have no project id: the billing account
        -- stands for it, as the billing export's usage rows without a project do.
        coalesce(nullif(trim(CAST(project_id AS VARCHAR)), ''), nullif(trim(CAST(project_number AS VARCHAR)), ''),
                 nullif(trim(CAST(billing_account_id AS VARCHAR)), '')) AS project,
        nullif(trim(CAST(service_description AS VARCHAR)), '') AS service,
        -- A global location without a region is region 'global' (as AWS's global services are, so reconcile
        -- meets them); a multi-region location (us, eu) keeps region NULL, its location in region_name.
        coalesce(nullif(lower(trim(CAST(location_region AS VARCHAR))), ''),
                 CASE WHEN lower(trim(CAST(location_location AS VARCHAR))) IN ('global', '') THEN 'global' END)
            AS region,
        nullif(trim(CAST(location_location AS VARCHAR)), '') AS location,
        nullif(trim(CAST(carbon_model_version AS VARCHAR)), '') AS model_version,
        CAST(carbon_footprint_kgco2e_scope1 AS DOUBLE) AS scope1,
        CAST(carbon_footprint_kgco2e_scope2_location_based AS DOUBLE) AS scope2_location,
        CAST(carbon_footprint_kgco2e_scope2_market_based AS DOUBLE) AS scope2_market,
        CAST(carbon_footprint_kgco2e_scope3 AS DOUBLE) AS scope3,
        CAST(carbon_footprint_total_kgco2e_location_based AS DOUBLE) AS total_location,
        CAST(carbon_footprint_total_kgco2e_market_based AS DOUBLE) AS total_market,
        container,
        source_file,
        source_row
    FROM carbon_src
),
figures AS (
    SELECT * EXCLUDE (figure) FROM (
        SELECT *, unnest([
            {'scope': 'scope 1', 'covered': '1', 'method': NULL, 'value': scope1},
            {'scope': 'scope 2', 'covered': '2', 'method': 'location', 'value': scope2_location},
            {'scope': 'scope 2', 'covered': '2', 'method': 'market', 'value': scope2_market},
            {'scope': 'scope 3', 'covered': '3', 'method': NULL, 'value': scope3},
            {'scope': 'total', 'covered': '1+2+3', 'method': 'location', 'value': total_location},
            {'scope': 'total', 'covered': '1+2+3', 'method': 'market', 'value': total_market}
        ]) AS figure
        FROM typed
    ), LATERAL (SELECT figure.scope, figure.covered, figure.method, figure.value)
    WHERE value IS NOT NULL
)
SELECT
    'GCP' AS provider_name,
    billing_account AS billing_account_id,
    project AS sub_account_id,
    month AS billing_period_start,
    CAST(month AS TIMESTAMP) AS charge_period_start,
    CAST(month + INTERVAL 1 MONTH AS TIMESTAMP) AS charge_period_end,
    region AS region_id,
    location AS region_name,
    service AS service_name,
    scope,
    covered AS scopes_covered,
    method,
    value AS kgco2e,
    value AS reported_value,
    'kgCO2e' AS reported_unit,
    model_version,
    NULL::TIMESTAMP AS x_refreshed_at,
    'gcp-carbon-' || container AS x_source_format,
    source_file AS x_source_file,
    $ingest_id AS x_ingest_id,
    source_row AS x_row
FROM figures
WHERE CASE
    WHEN month <> date_trunc('month', month) THEN error(printf(
        'cloudcarbon data rule: %s: data row %d: usage_month %s is not the first day of a month, as the Carbon '
        || 'Footprint export writes it; fix or re-export the file', source_file, source_row, strftime(month, '%Y-%m-%d')))
    WHEN NOT month BETWEEN earliest_date() AND latest_date() THEN error(printf(
        'cloudcarbon data rule: %s: data row %d: usage_month %s is outside %s..%s, the dates cloudcarbon accepts; '
        || 'fix or re-export the file', source_file, source_row, strftime(month, '%Y-%m-%d'),
        strftime(earliest_date(), '%Y-%m-%d'), strftime(latest_date(), '%Y-%m-%d')))
    WHEN value < 0 THEN error(printf(
        'cloudcarbon data rule: %s: data row %d: the %s%s figure is negative (%s kgCO2e); the Carbon Footprint '
        || 'export reports no negative emissions; fix or re-export the file', source_file, source_row, scope,
        coalesce(' ' || method || '-based', ''), CAST(value AS VARCHAR)))
    ELSE true
END
