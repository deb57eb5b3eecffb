-- FOCUS 1.0–1.4 rows (any provider) -> canonical usage rows.
-- Reads `focus_src` (FOCUS columns renamed to snake case by connectors/focus/formats.py; a CTE the
-- connector wraps around this query), `focus_kinds` (focus/classify.sql: what each kind of row is) and the
-- coefficient tables coef_providers and coef_region_aliases.
-- Parameters: $ingest_id. Macros earliest_date(), latest_date(): the dates an ingest accepts, utc_time(x)
-- (cloudcarbon/ingest.py).
-- Only ChargeCategory 'Usage' rows carry usage (Purchase, Tax, Credit, Adjustment would double-count or
-- are not usage). Quantities come from ConsumedQuantity/ConsumedUnit, never from cost.
WITH provider_aliases AS (
    SELECT provider, display_name, unnest(string_split(focus_aliases, ';')) AS alias
    FROM coef_providers WHERE focus_aliases IS NOT NULL
),
typed AS (
    SELECT
        utc_time(charge_period_start) AS usage_start,
        utc_time(charge_period_end) AS usage_end,
        CAST(date_trunc('month', utc_time(billing_period_start)) AS DATE)
            AS billing_period,
        CAST(provider_name AS VARCHAR) AS provider_given,
        -- The service provider (ServiceProviderName, ProviderName before FOCUS 1.3) decides the coefficient tables
        -- through its spellings in coef_providers.focus_aliases; a provider we have none for keeps its own name.
        sp.provider,
        sp.display_name,
        -- The host (FOCUS 1.3+), kept where it is another entity than the service provider: a marketplace
        -- seller or managed service provider on a cloud, or "Not Applicable" for a service without infrastructure.
        CASE
            WHEN nullif(trim(CAST(host_provider_name AS VARCHAR)), '') IS NULL OR hp.provider = sp.provider
                OR (hp.provider IS NULL AND sp.provider IS NULL
                    AND lower(trim(CAST(host_provider_name AS VARCHAR))) = lower(trim(provider_name))) THEN NULL
            ELSE coalesce(hp.display_name, trim(CAST(host_provider_name AS VARCHAR)))
        END AS host_differs,
        CAST(billing_account_id AS VARCHAR) AS billing_account_id,
        CAST(sub_account_id AS VARCHAR) AS sub_account_id,
        CAST(sub_account_name AS VARCHAR) AS sub_account_name,
        coalesce(nullif(CAST(region_id AS VARCHAR), ''), nullif(CAST(region_name AS VARCHAR), '')) AS region_given,
        nullif(CAST(availability_zone AS VARCHAR), '') AS availability_zone,
        CAST(service_name AS VARCHAR) AS service_name,
        nullif(CAST(resource_id AS VARCHAR), '') AS resource_id,
        CAST(pricing_category AS VARCHAR) AS pricing_category,
        CAST(consumed_quantity AS DOUBLE) AS quantity,
        CAST(consumed_unit AS VARCHAR) AS unit,
        CAST(billed_cost AS DOUBLE) AS billed_cost,
        CAST(effective_cost AS DOUBLE) AS effective_cost,
        CAST(billing_currency AS VARCHAR) AS billing_currency,
        CAST(sku_meter AS VARCHAR) AS sku_meter,
        nullif(CAST(x_usage_type AS VARCHAR), '') AS x_usage_type,
        CAST(x_operation AS VARCHAR) AS x_operation,
        -- The row's kind (focus/classify.sql hashes the same values in the same order: keep the two alike).
        hash(lower(trim(provider_name)), CAST(x_usage_type AS VARCHAR), CAST(consumed_unit AS VARCHAR),
             CAST(x_service_code AS VARCHAR), CAST(service_name AS VARCHAR), CAST(service_category AS VARCHAR),
             CAST(charge_description AS VARCHAR), CAST(sku_price_details AS VARCHAR), CAST(x_sku_details AS VARCHAR),
             gcp_machine_spec, gcp_cores) AS kind,
        tags,
        -- FOCUS 1.3 split cost allocation: allocated rows replace their origin charge (a node-hour) and add up to
        -- it; the target's tags and identity become the row's tags, the unallocated rest is 'unallocated'.
        nullif(trim(CAST(allocated_method_id AS VARCHAR)), '') AS allocated_method_id,
        nullif(trim(CAST(allocated_resource_id AS VARCHAR)), '') AS allocated_resource_id,
        nullif(trim(CAST(allocated_resource_name AS VARCHAR)), '') AS allocated_resource_name,
        allocated_tags,
        row_fingerprint,
        source_file,
        group_source_key  -- its usage group's key (connectors/file_ingest.py, group_source)
    FROM focus_src
    LEFT JOIN provider_aliases sp ON sp.alias = lower(trim(provider_name))
    LEFT JOIN provider_aliases hp ON hp.alias = lower(trim(CAST(host_provider_name AS VARCHAR)))
    WHERE lower(charge_category) = 'usage'
),
-- What the row's kind is (focus/classify.sql, the TEMP table focus_kinds built from the same export).
classified AS (
    SELECT t.*, k.* EXCLUDE (kind), coalesce(a.region, t.region_given) AS region
    FROM typed t
    LEFT JOIN focus_kinds k USING (kind)
    LEFT JOIN coef_region_aliases a ON a.provider = t.provider AND a.alias = lower(t.region_given)
)
SELECT
    c.usage_start AS charge_period_start,
    c.usage_end AS charge_period_end,
    c.billing_period AS billing_period_start,
    coalesce(c.display_name, c.provider_given) AS provider_name,
    c.billing_account_id,
    c.sub_account_id,
    c.sub_account_name,
    c.region AS region_id,
    c.availability_zone,
    c.service_name,
    c.resource_id,
    'Usage' AS charge_category,
    c.pricing_category,
    c.quantity AS consumed_quantity,
    c.unit AS consumed_unit,
    c.billed_cost,
    c.effective_cost,
    c.billing_currency,
    -- Building maps costs microseconds a row: only rows with something to add pay for it.
    CASE WHEN c.allocated_tags IS NULL AND c.host_differs IS NULL AND c.allocated_method_id IS NULL THEN c.tags
    ELSE map_concat(
        c.tags,
        c.allocated_tags,
        CASE WHEN c.host_differs IS NOT NULL THEN MAP {'x_HostProviderName': c.host_differs} END,
        CASE WHEN c.allocated_method_id IS NOT NULL THEN MAP {
            'x_AllocatedMethodId': c.allocated_method_id,
            'x_AllocatedResourceId': coalesce(c.allocated_resource_id, 'unallocated'),
            'x_AllocatedResourceName': coalesce(c.allocated_resource_name, c.allocated_resource_id, 'unallocated')}
        END
    ) END AS tags,
    c.x_usage_type,
    c.x_operation,
    c.usage_kind AS x_usage_kind,
    c.instance_type AS x_instance_type,
    c.quantity / c.quantity_per_hour * c.instances_per_hour AS x_instance_hours,
    CASE
        WHEN c.instance_type IS NOT NULL THEN CASE WHEN c.gcp_core THEN c.quantity ELSE x_instance_hours * c.vcpus END
        WHEN c.fargate_vcpu THEN c.quantity
    END AS x_vcpu_hours,
    x_instance_hours * c.gpus AS x_gpu_hours,
    CASE WHEN c.memory THEN c.quantity END AS x_memory_gib_hours,
    CASE c.storage_rule
        -- GB-month is GB held over the whole month: spread over the hours of the billing period's month (a group's
        -- figure per GB-month, usage_store.DERIVED, knows no row's own charge period).
        WHEN 'monthly' THEN c.quantity * 24 * dayofmonth(last_day(c.billing_period))
        WHEN 'hourly' THEN c.quantity
    END AS x_storage_gib_hours,
    c.storage_media AS x_storage_media,
    c.storage_class AS x_storage_class,
    CASE WHEN c.network THEN c.quantity END AS x_network_gb,
    c.source_file AS x_source_file,
    $ingest_id AS x_ingest_id,
    c.row_fingerprint AS x_row_fingerprint,
    c.group_source_key
FROM classified c
-- Data rules (METHODOLOGY.md, "Data rules"): dates beyond the window are typos or test data, and no report
-- could show them; the ingest stops naming the line and the column.
WHERE CASE
    WHEN NOT c.billing_period BETWEEN earliest_date() AND latest_date()
        OR c.usage_start < earliest_date() OR c.usage_start >= latest_date() + INTERVAL 1 DAY
        OR NOT c.usage_end BETWEEN earliest_date() AND latest_date() + INTERVAL 1 DAY THEN error(printf(
        'cloudcarbon data rule: %s: the line of %s starting %s: %s is outside %s..%s, the dates cloudcarbon '
        || 'accepts; fix or re-export the file', c.source_file, coalesce(c.resource_id, c.service_name),
        strftime(c.usage_start, '%Y-%m-%dT%H:%M:%SZ'),
        CASE WHEN NOT c.billing_period BETWEEN earliest_date() AND latest_date()
                 THEN 'BillingPeriodStart ' || strftime(c.billing_period, '%Y-%m-%d')
             WHEN c.usage_start < earliest_date() OR c.usage_start >= latest_date() + INTERVAL 1 DAY
                 THEN 'ChargePeriodStart ' || strftime(c.usage_start, '%Y-%m-%dT%H:%M:%SZ')
             ELSE 'ChargePeriodEnd ' || strftime(c.usage_end, '%Y-%m-%dT%H:%M:%SZ') END,
        strftime(earliest_date(), '%Y-%m-%d'), strftime(latest_date(), '%Y-%m-%d')))
    ELSE true END
