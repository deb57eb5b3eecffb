-- What each kind of FOCUS usage row is: instance type, vCPUs and GPUs given, usage kind, storage media and class.
-- normalize.sql joins it back to every row by `kind`. A month of millions of rows holds a few thousand kinds, and
-- every answer depends on the kind alone, so the JSON look-ups and regular expressions run once per kind.
-- Reads `focus_src` (as normalize.sql) and the coefficient tables coef_providers and coef_instances.
-- A kind is the values below; `kind` hashes them exactly as normalize.sql's `typed` does (keep the two alike).
WITH kinds AS (
    SELECT DISTINCT
        lower(trim(provider_name)) AS provider_key,
        CAST(x_usage_type AS VARCHAR) AS usage_type,
        CAST(consumed_unit AS VARCHAR) AS unit,
        CAST(x_service_code AS VARCHAR) AS service_code_given,
        CAST(service_name AS VARCHAR) AS service_name,
        CAST(service_category AS VARCHAR) AS category_given,
        CAST(charge_description AS VARCHAR) AS description_given,
        CAST(sku_price_details AS VARCHAR) AS spd_text,
        CAST(x_sku_details AS VARCHAR) AS sku_details_text,
        gcp_machine_spec AS machine_spec,
        gcp_cores AS cores
    FROM focus_src
    WHERE lower(charge_category) = 'usage'
),
provider_aliases AS (
    SELECT provider, unnest(string_split(focus_aliases, ';')) AS alias
    FROM coef_providers WHERE focus_aliases IS NOT NULL
),
keyed AS (
    SELECT
        hash(provider_key, usage_type, unit, service_code_given, service_name, category_given, description_given,
             spd_text, sku_details_text, machine_spec, cores) AS kind,
        sp.provider,
        lower(trim(unit)) AS unit_key,
        coalesce(service_code_given, service_name, '') AS service_code,
        service_name,
        coalesce(category_given, '') AS service_category,
        coalesce(description_given, '') AS description,
        regexp_replace(coalesce(usage_type, ''), '^[A-Z]{2,4}[0-9]?-', '') AS bare_usage_type,
        CAST(spd_text AS JSON) AS spd,
        CAST(sku_details_text AS JSON) AS sku_details,
        machine_spec,
        cores
    FROM kinds
    LEFT JOIN provider_aliases sp ON sp.alias = provider_key
),
facts AS (
    SELECT
        k.*,
        -- FOCUS 1.2 SkuPriceDetails keys, then Azure's (1.2-preview x_ keys and x_SkuDetails), then GCP labels.
        -- Managed-service types (db.r5.large, cache.m5.large, ml.p3.2xlarge, x.search) are the EC2 type.
        regexp_replace(regexp_replace(coalesce(
            nullif(json_extract_string(spd, '$.InstanceType'), ''),
            nullif(json_extract_string(spd, '$.x_ServiceType'), ''),
            nullif(json_extract_string(sku_details, '$.ServiceType'), ''),
            nullif(machine_spec, ''),
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
                 TRY_CAST(cores AS DOUBLE)) AS vcpus_given,
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
    FROM keyed k
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
        f.provider IS NOT NULL AND (f.per_month_storage OR (f.gb_hours AND f.service_category = 'Storage')) AS stored,
        f.unit_key = 'gb' AND regexp_matches(lower(f.bare_usage_type || ' ' || f.description),
            'bytes|data transfer|bandwidth|egress|transfer (in|out)') AS transfer
    FROM facts f
)
SELECT
    c.kind,
    c.instance_type,
    CASE
        WHEN c.provider IS NULL THEN 'other'
        WHEN c.instance_type IS NOT NULL THEN
            CASE WHEN coalesce(c.gpus_given, i.gpu_count, 0) > 0 THEN 'gpu' ELSE 'compute' END
        WHEN c.fargate_vcpu THEN 'compute'
        WHEN c.fargate_memory OR c.gcp_ram THEN 'memory'
        WHEN c.per_month_storage OR (c.gb_hours AND c.service_category = 'Storage') THEN 'storage'
        WHEN c.transfer THEN 'network'
        ELSE 'other'
    END AS usage_kind,
    -- GCP's core SKUs count vCPU-hours: an instance-hour is that over the machine's vCPUs.
    CASE WHEN c.instance_type IS NOT NULL THEN
        CASE WHEN c.gcp_core THEN nullif(coalesce(c.vcpus_given, i.vcpus), 0) ELSE 1 END
    END AS quantity_per_hour,
    -- A Multi-AZ database runs a standby (a cluster, two readers) beside the writer, as in the CUR path.
    CASE WHEN c.bare_usage_type LIKE 'Multi-AZCluster%' THEN 3 WHEN c.bare_usage_type LIKE 'Multi-AZ%' THEN 2 ELSE 1 END
        AS instances_per_hour,
    c.gcp_core,
    coalesce(c.vcpus_given, i.vcpus) AS vcpus,
    coalesce(c.gpus_given, i.gpu_count, 0) AS gpus,
    c.fargate_vcpu,
    -- A RAM row of a known machine type is covered by its core row's instance model (memory included).
    c.fargate_memory OR (c.gcp_ram AND c.type_given IS NULL) AS memory,
    CASE WHEN c.provider IS NULL OR c.instance_type IS NOT NULL THEN NULL
         WHEN c.per_month_storage THEN 'monthly'
         WHEN c.gb_hours AND c.service_category = 'Storage' THEN 'hourly'
    END AS storage_rule,
    CASE WHEN c.instance_type IS NULL AND c.stored THEN
        -- Object and archive tiers, snapshots, backups and magnetic/standard HDD disks are HDD-backed.
        CASE WHEN regexp_matches(lower(c.service_name || ' ' || c.description || ' ' || c.bare_usage_type),
                'simple storage service|\bs3\b|glacier|archive|snapshot|backup|magnetic|hdd|blob|cloud storage|'
                || 'timedstorage-byte')
             THEN 'hdd' ELSE 'ssd' END
    END AS storage_media,
    CASE WHEN c.instance_type IS NULL AND c.stored THEN
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
    END AS storage_class,
    c.provider IS NOT NULL AND c.instance_type IS NULL AND c.transfer AS network
FROM classified c
LEFT JOIN coef_instances i ON i.provider = c.provider AND i.instance_type = c.instance_type
