-- Azure Carbon Optimization report items -> provider_emissions figures, one per item (a resource, or a whole
-- subscription), as reported. Reads `azure_carbon_src` (connectors/azure_carbon/formats.py). Parameters: $ingest_id.
-- Macros earliest_date(), latest_date() (cloudcarbon/ingest.py); table coef_region_aliases.
-- Units: the API reports kg CO2e. Scopes: the carbonScopeList of the request (or --carbon-scopes): one scope is
-- stored as that scope, several as a total covering them. Method: Microsoft's scope 2 is market-based (it counts
-- Microsoft's renewable energy purchases; METHODOLOGY.md section 10), so totals and scope 2 are 'market'.
WITH typed AS (
    SELECT
        lower(coalesce(nullif(trim(subscription_id), ''),
                       CASE WHEN lower(category_type) = 'subscription' THEN nullif(trim(item_name), '') END))
            AS account,
        coalesce(CAST(date_trunc('month', TRY_CAST(item_date AS DATE)) AS DATE), request_month,
                 option_month) AS month,
        list_sort(list_distinct(regexp_extract_all(lower(coalesce(nullif(carbon_scopes, ''), option_scopes, '')),
                                                   'scope\s*([123])', 1))) AS scope_digits,
        nullif(trim(location), '') AS location,
        nullif(lower(trim(resource_type)), '') AS service,
        nullif(trim(resource_id), '') AS resource,
        CAST(emissions AS DOUBLE) AS value,
        item_date,
        container,
        source_file,
        source_row
    FROM azure_carbon_src
    WHERE nullif(trim(CAST(emissions AS VARCHAR)), '') IS NOT NULL
),
placed AS (
    SELECT t.*,
           coalesce(a.region, replace(lower(t.location), ' ', '')) AS region,
           array_to_string(scope_digits, '+') AS covered
    FROM typed t
    LEFT JOIN coef_region_aliases a ON a.provider = 'azure' AND a.alias = lower(t.location)
)
SELECT
    'Azure' AS provider_name,
    NULL AS billing_account_id,
    account AS sub_account_id,
    month AS billing_period_start,
    CAST(month AS TIMESTAMP) AS charge_period_start,
    CAST(month + INTERVAL 1 MONTH AS TIMESTAMP) AS charge_period_end,
    region AS region_id,
    location AS region_name,
    service AS service_name,
    resource AS resource_id,
    CASE WHEN len(scope_digits) = 1 THEN 'scope ' || covered ELSE 'total' END AS scope,
    covered AS scopes_covered,
    CASE WHEN len(scope_digits) > 1 OR covered = '2' THEN 'market' END AS method,
    value AS kgco2e,
    value AS reported_value,
    'kgCO2e' AS reported_unit,
    NULL AS model_version,
    NULL::TIMESTAMP AS x_refreshed_at,
    'azure-carbon-' || container AS x_source_format,
    source_file AS x_source_file,
    $ingest_id AS x_ingest_id,
    source_row AS x_row
FROM placed
WHERE CASE
    WHEN account IS NULL THEN error(printf(
        'cloudcarbon data rule: %s: item %d has no subscriptionId; request the report with categoryType Resource or '
        || 'Subscription', source_file, source_row))
    WHEN month IS NULL THEN error(printf(
        'cloudcarbon data rule: %s: item %d: the file does not say which month it reports (item-detail items carry '
        || 'no date); give --month YYYY-MM, or save the request beside the response', source_file, source_row))
    WHEN len(scope_digits) = 0 THEN error(printf(
        'cloudcarbon data rule: %s: item %d: the file does not say which carbon scopes it covers; give '
        || '--carbon-scopes Scope1,Scope2,Scope3 as the request asked, or save the request beside the response',
        source_file, source_row))
    WHEN NOT month BETWEEN earliest_date() AND latest_date() THEN error(printf(
        'cloudcarbon data rule: %s: item %d: the month %s is outside %s..%s, the dates cloudcarbon accepts',
        source_file, source_row, strftime(month, '%Y-%m'), strftime(earliest_date(), '%Y-%m-%d'),
        strftime(latest_date(), '%Y-%m-%d')))
    WHEN value < 0 THEN error(printf(
        'cloudcarbon data rule: %s: item %d: latestMonthEmissions is negative (%s kgCO2e); Microsoft reports no '
        || 'negative emissions; save the report again', source_file, source_row, CAST(value AS VARCHAR)))
    ELSE true
END
