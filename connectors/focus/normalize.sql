-- FOCUS 1.0–1.4 rows (any provider) -> canonical usage rows.
-- Reads `focus_src` (FOCUS columns renamed to snake case by connectors/focus/formats.py; a CTE the
-- connector wraps around this query) and the coefficient tables coef_providers, coef_instances and
-- coef_region_aliases.
-- Parameters: $ingest_id. Macros earliest_date(), latest_date(): the dates an ingest accepts (cloudcarbon/ingest.py).
-- Only ChargeCategory 'Usage' rows carry usage (Purchase, Tax, Credit, Adjustment would double-count or
-- are not usage). Quantities come from ConsumedQuantity/ConsumedUnit, never from cost.
WITH provider_aliases AS (
    SELECT provider, display_name, unnest(string_split(focus_aliases, ';')) AS alias
    FROM coef_providers WHERE focus_aliases IS NOT NULL
),
typed AS (
    SELECT
        CAST(CAST(charge_period_start AS TIMESTAMPTZ) AS TIMESTAMP) AS usage_start,
        CAST(CAST(charge_period_end AS TIMESTAMPTZ) AS TIMESTAMP) AS usage_end,
        CAST(date_trunc('month', CAST(CAST(billing_period_start AS TIMESTAMPTZ) AS TIMESTAMP)) AS DATE)
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
        coalesce(CAST(service_category AS VARCHAR), '') AS service_category,
        nullif(CAST(resource_id AS VARCHAR), '') AS resource_id,
        CAST(pricing_category AS VARCHAR) AS pricing_category,
        CAST(consumed_quantity AS DOUBLE) AS quantity,
        CAST(consumed_unit AS VARCHAR) AS unit,
        lower(trim(CAST(consumed_unit AS VARCHAR))) AS unit_key,
        CAST(billed_cost AS DOUBLE) AS billed_cost,
        CAST(effective_cost AS DOUBLE) AS effective_cost,
        CAST(billing_currency AS VARCHAR) AS billing_currency,
        coalesce(CAST(charge_description AS VARCHAR), '') AS description,
        CAST(sku_meter AS VARCHAR) AS sku_meter,
        nullif(CAST(x_usage_type AS VARCHAR), '') AS x_usage_type,
        CAST(x_operation AS VARCHAR) AS x_operation,
        coalesce(CAST(x_service_code AS VARCHAR), CAST(service_name AS VARCHAR), '') AS service_code,
        regexp_replace(coalesce(CAST(x_usage_type AS VARCHAR), ''), '^[A-Z]{2,4}[0-9]?-', '') AS bare_usage_type,
        CAST(sku_price_details AS JSON) AS spd,
        CAST(x_sku_details AS JSON) AS sku_details,
        tags,
        -- FOCUS 1.3 split cost allocation: allocated rows replace their origin charge (a node-hour) and add up to
        -- it; the target's tags and identity become the row's tags, the unallocated rest is 'unallocated'.
        nullif(trim(CAST(allocated_method_id AS VARCHAR)), '') AS allocated_method_id,
        nullif(trim(CAST(allocated_resource_id AS VARCHAR)), '') AS allocated_resource_id,
        nullif(trim(CAST(allocated_resource_name AS VARCHAR)), '') AS allocated_resource_name,
        allocated_tags,
        row_fingerprint,
        source_file
    FROM focus_src
    LEFT JOIN provider_aliases sp ON sp.alias = lower(trim(provider_name))
    LEFT JOIN provider_aliases hp ON hp.alias = lower(trim(CAST(host_provider_name AS VARCHAR)))
    WHERE lower(charge_category) = 'usage'
),
facts AS (
    SELECT
        t.*,
        -- FOCUS 1.2 SkuPriceDetails keys, then Azure's (1.2-preview x_ keys and x_SkuDetails), then GCP labels.
        -- Managed-service types (db.r5.large, cache.m5.large, ml.p3.2xlarge, x.search) are the EC2 type.
        regexp_replace(regexp_replace(coalesce(
            nullif(json_extract_string(spd, '$.InstanceType'), ''),
            nullif(json_extract_string(spd, '$.x_ServiceType'), ''),
            nullif(json_extract_string(sku_details, '$.ServiceType'), ''),
            nullif(tags['compute.googleapis.com/machine_spec'], ''),
            CASE WHEN regexp_matches(bare_usage_type,
                    '^(BoxUsage|SpotUsage|DedicatedUsage|InstanceUsage|Multi-AZUsage|NodeUsage|ESInstance)')
                 THEN regexp_replace(regexp_replace(nullif(regexp_extract(bare_usage_type, ':([^:]+)$', 1), ''),
                      '^(db|cache|ml)\.', ''), '\.(search|elasticsearch)$', '') END,
            -- Last resort, the price text: `$0.34 per On Demand Linux c5.2xlarge Instance Hour`.
            nullif(regexp_extract(description,
                'per (On Demand|Spot|Reserved|Dedicated|Unused Reservation)?[ A-Za-z/()-]*? ([a-z][a-z0-9-]*\.[0-9]*[a-z0-9-]+) Instance Hour',
                2), '')
        ), '^(db|cache|ml)\.', ''), '\.(search|elasticsearch)$', '') AS type_given,
        coalesce(TRY_CAST(json_extract_string(spd, '$.CoreCount') AS DOUBLE),
                 TRY_CAST(json_extract_string(spd, '$.x_VCPUs') AS DOUBLE),
                 TRY_CAST(json_extract_string(sku_details, '$.VCPUs') AS DOUBLE),
                 TRY_CAST(tags['compute.googleapis.com/cores'] AS DOUBLE)) AS vcpus_given,
        TRY_CAST(json_extract_string(spd, '$.GpuCount') AS DOUBLE) AS gpus_given,
        regexp_matches(unit_key, '^([0-9]+ )?(hours?|hrs?)$') AS hourly,
        regexp_matches(unit_key, '^(gb|gib)[- /]?(mo|month|months)$') AS per_month_storage,
        regexp_matches(unit_key, '^(gb|gib)[- /]?(hours?|hrs?)$') AS gb_hours,
        -- GCP bills an instance as core and RAM SKUs, each in its own unit-hours.
        provider = 'gcp' AND regexp_matches(description, '\bRam\b') AS gcp_ram,
        provider = 'gcp' AND regexp_matches(description, '\bCore\b') AS gcp_core,
        regexp_matches(bare_usage_type, 'Fargate.*vCPU-Hours') OR regexp_matches(description, '^AWS Fargate - (ARM - )?vCPU')
            AS fargate_vcpu,
        regexp_matches(bare_usage_type, 'Fargate.*GB-Hours') OR regexp_matches(description, '^AWS Fargate - (ARM - )?Memory')
            AS fargate_memory
    FROM typed t
),
classified AS (
    SELECT
        f.*,
        -- An unknown provider is never guessed: no instance type, kind 'other', reported by `unknowns`.
        CASE WHEN f.provider IS NOT NULL AND f.hourly AND NOT f.gcp_ram
                  -- EMR's BoxUsage lines are a fee on instances billed again under EC2.
                  AND NOT regexp_matches(f.service_code, '^(ElasticMapReduce|Amazon EMR|Amazon Elastic MapReduce)$')
                  AND NOT regexp_matches(f.bare_usage_type, '^(EBSOptimized|HeavyUsage|UnusedBox|UnusedDed|CPUCredits|HostUsage|Reservation)')
             THEN f.type_given END AS instance_type,
        coalesce(a.region, f.region_given) AS region
    FROM facts f
    LEFT JOIN coef_region_aliases a ON a.provider = f.provider AND a.alias = lower(f.region_given)
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
    CASE
        WHEN c.provider IS NULL THEN 'other'
        WHEN c.instance_type IS NOT NULL THEN
            CASE WHEN coalesce(c.gpus_given, i.gpu_count, 0) > 0 THEN 'gpu' ELSE 'compute' END
        WHEN c.fargate_vcpu THEN 'compute'
        WHEN c.fargate_memory OR c.gcp_ram THEN 'memory'
        WHEN c.per_month_storage OR (c.gb_hours AND c.service_category = 'Storage') THEN 'storage'
        WHEN c.unit_key = 'gb' AND regexp_matches(lower(c.bare_usage_type || ' ' || c.description),
                'bytes|data transfer|bandwidth|egress|transfer (in|out)') THEN 'network'
        ELSE 'other'
    END AS x_usage_kind,
    c.instance_type AS x_instance_type,
    CASE WHEN c.instance_type IS NOT NULL THEN
        CASE WHEN c.gcp_core THEN c.quantity / nullif(coalesce(c.vcpus_given, i.vcpus), 0) ELSE c.quantity END
        -- A Multi-AZ database runs a standby (a cluster, two readers) beside the writer, as in the CUR path.
        * CASE WHEN c.bare_usage_type LIKE 'Multi-AZCluster%' THEN 3 WHEN c.bare_usage_type LIKE 'Multi-AZ%' THEN 2
               ELSE 1 END
    END AS x_instance_hours,
    CASE
        WHEN c.instance_type IS NOT NULL THEN
            CASE WHEN c.gcp_core THEN c.quantity ELSE x_instance_hours * coalesce(c.vcpus_given, i.vcpus) END
        WHEN c.fargate_vcpu THEN c.quantity
    END AS x_vcpu_hours,
    CASE WHEN c.instance_type IS NOT NULL THEN x_instance_hours * coalesce(c.gpus_given, i.gpu_count, 0) END
        AS x_gpu_hours,
    -- A RAM row of a known machine type is covered by its core row's instance model (memory included).
    CASE WHEN c.fargate_memory OR (c.gcp_ram AND c.type_given IS NULL) THEN c.quantity END AS x_memory_gib_hours,
    CASE
        WHEN c.provider IS NULL OR c.instance_type IS NOT NULL THEN NULL
        -- GB-month is GB held over the whole month: spread over the hours of the usage month.
        WHEN c.per_month_storage THEN c.quantity * 24 * dayofmonth(last_day(c.usage_start))
        WHEN c.gb_hours AND c.service_category = 'Storage' THEN c.quantity
    END AS x_storage_gib_hours,
    CASE WHEN c.provider IS NOT NULL AND c.instance_type IS NULL
              AND (c.per_month_storage OR (c.gb_hours AND c.service_category = 'Storage')) THEN
        -- Object and archive tiers, snapshots, backups and magnetic/standard HDD disks are HDD-backed.
        CASE WHEN regexp_matches(lower(c.service_name || ' ' || c.description || ' ' || c.bare_usage_type),
                'simple storage service|\bs3\b|glacier|archive|snapshot|backup|magnetic|hdd|blob|cloud storage|'
                || 'timedstorage-byte')
             THEN 'hdd' ELSE 'ssd' END
    END AS x_storage_media,
    CASE WHEN c.provider IS NOT NULL AND c.instance_type IS NULL
              AND (c.per_month_storage OR (c.gb_hours AND c.service_category = 'Storage')) THEN
        CASE
            WHEN regexp_matches(lower(c.service_name || ' ' || c.description), 'glacier|archive') THEN 'archive'
            WHEN regexp_matches(lower(c.service_name || ' ' || c.description),
                'simple storage service|\bs3\b|blob|cloud storage|object') THEN 'object'
            WHEN regexp_matches(lower(c.service_name || ' ' || c.description || ' ' || c.bare_usage_type),
                'elastic block|\bebs\b|provisioned storage|general purpose|provisioned iops|snapshot|managed disk|persistent disk|'
                || '\bdisk|block|volume')
                THEN 'block'
            WHEN regexp_matches(lower(c.service_name), 'file|efs|fsx|filestore') THEN 'file'
            WHEN c.service_category = 'Databases' THEN 'database'
        END
    END AS x_storage_class,
    CASE WHEN c.provider IS NOT NULL AND c.instance_type IS NULL AND c.unit_key = 'gb'
              AND regexp_matches(lower(c.bare_usage_type || ' ' || c.description),
                  'bytes|data transfer|bandwidth|egress|transfer (in|out)')
         THEN c.quantity END AS x_network_gb,
    c.source_file AS x_source_file,
    $ingest_id AS x_ingest_id,
    c.row_fingerprint AS x_row_fingerprint
FROM classified c
LEFT JOIN coef_instances i ON i.provider = c.provider AND i.instance_type = c.instance_type
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
