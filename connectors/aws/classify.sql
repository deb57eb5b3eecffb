-- What each usage type of a CUR is: instance type, storage media and class, usage kind and the rules that turn
-- its amount into vCPU, memory, storage and network quantities. normalize.sql joins it back to every line.
-- A month of millions of lines holds a few thousand kinds of line, and every answer depends on the kind alone,
-- so the regular expressions run once per kind instead of once per line.
-- Reads `cur_src` (as normalize.sql) and the coefficient tables coef_regions and coef_instances.
-- Keys: usage_type, unit, product_code, product_instance_type, as normalize.sql's `typed` casts them, and their hash.
WITH kinds AS (
    SELECT DISTINCT
        CAST(line_item_usage_type AS VARCHAR) AS usage_type,
        CAST(pricing_unit AS VARCHAR) AS unit,
        CAST(line_item_product_code AS VARCHAR) AS product_code,
        nullif(CAST(product_instance_type AS VARCHAR), '') AS product_instance_type
    FROM cur_src
    WHERE line_item_line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
),
parsed AS (
    SELECT
        *,
        -- `USW2-BoxUsage:c5.large`: region prefix, usage kind, detail (us-east-1 has no prefix).
        regexp_extract(usage_type, '^([A-Z]{2,4}[0-9]?)-', 1) AS usage_prefix,
        regexp_replace(usage_type, '^[A-Z]{2,4}[0-9]?-', '') AS bare_type,
        -- Some trimmed exports lack pricing_unit: then the usage-type kind decides.
        lower(unit) IN ('hrs', 'hours', 'hour')
            OR (unit IS NULL AND regexp_matches(usage_type,
                '(^|-)(BoxUsage|SpotUsage|DedicatedUsage|InstanceUsage|Multi-AZUsage|NodeUsage|ESInstance)')) AS hourly
    FROM kinds
),
classified AS (
    SELECT
        p.*,
        split_part(p.bare_type, ':', 1) AS usage_word,
        CASE
            WHEN p.hourly
                AND coalesce(p.product_code, '') <> 'ElasticMapReduce'      -- EMR fee, the EC2 line counts
                AND NOT regexp_matches(p.bare_type, '^(EBSOptimized|HeavyUsage|UnusedBox|UnusedDed|CPUCredits|HostUsage|Reservation)')
                AND (p.product_instance_type IS NOT NULL
                     OR regexp_matches(p.bare_type, ':((db|cache|ml)\.)?[a-z][a-z0-9-]*\.[a-z0-9-]+(\.search|\.elasticsearch)?$'))
            THEN regexp_replace(
                regexp_replace(
                    coalesce(p.product_instance_type, regexp_extract(p.bare_type, ':([^:]+)$', 1)),
                    '^(db|cache|ml)\.', ''),
                '\.(search|elasticsearch)$', '')
        END AS instance_type,
        -- Bytes held over time: media and class from the service and the usage type (region prefix
        -- stripped), so legacy exports without pricing/unit are read too (METHODOLOGY.md §1, AWS storage).
        CASE WHEN instance_type IS NULL AND (p.unit IS NULL OR lower(p.unit) IN ('gb-mo', 'gb-month', 'gb-months')) THEN
            coalesce(CASE
                WHEN regexp_matches(p.bare_type, '^EBS:VolumeUsage\.(gp2|gp3|io1|io2|piops)$')
                    THEN {'media': 'ssd', 'class': 'block'}
                WHEN regexp_matches(p.bare_type, '^EBS:VolumeUsage(\.(st1|sc1|standard))?$')   -- HDD, magnetic
                    THEN {'media': 'hdd', 'class': 'block'}
                WHEN regexp_matches(p.bare_type, '^EBS:SnapshotArchive') THEN {'media': 'hdd', 'class': 'archive'}
                WHEN regexp_matches(p.bare_type, '^EBS:SnapshotUsage') THEN {'media': 'hdd', 'class': 'block'}
                -- S3 Glacier tiers (Flexible `GlacierByteHrs`/`EarlyDelete-ByteHrs`, Deep Archive `GDA`, Instant
                -- Retrieval `GIR`), Intelligent-Tiering's archive tiers, Glacier vaults.
                WHEN p.product_code = 'AmazonS3' AND regexp_matches(p.bare_type,
                        '^(TimedStorage|EarlyDelete)-(Glacier|GDA|GIR|INT-(AIA|AA|DAA)-)|^EarlyDelete-ByteHrs$')
                    OR p.product_code = 'AmazonGlacier' AND regexp_matches(p.bare_type, '(TimedStorage|EarlyDelete)')
                    THEN {'media': 'hdd', 'class': 'archive'}
                WHEN p.product_code = 'AmazonS3' AND regexp_matches(p.bare_type, '^TimedStorage-XZ-')  -- Express
                    THEN {'media': 'ssd', 'class': 'object'}
                WHEN p.product_code = 'AmazonS3' AND regexp_matches(p.bare_type, '^(TimedStorage|EarlyDelete)-')
                    THEN {'media': 'hdd', 'class': 'object'}
                WHEN p.product_code = 'AmazonEFS' AND regexp_matches(p.bare_type, '^(IA|Archive)TimedStorage')
                    THEN {'media': 'hdd', 'class': 'file'}
                WHEN p.product_code = 'AmazonEFS' AND regexp_matches(p.bare_type, '^TimedStorage')
                    THEN {'media': 'ssd', 'class': 'file'}
                -- Backups and snapshots of managed services are kept in S3; AWS Backup's cold tier archives.
                WHEN regexp_matches(p.bare_type, '^ColdStorage') THEN {'media': 'hdd', 'class': 'archive'}
                WHEN regexp_matches(p.bare_type,
                        '(BackupUsage|TimedBackupStorage|TimedPITRStorage|PaidSnapshots|^WarmStorage)')
                    THEN {'media': 'hdd', 'class': 'object'}
                WHEN p.product_code = 'AmazonFSx' AND regexp_matches(p.bare_type, '^Storage.*(HDD|CapacityPool)')
                    THEN {'media': 'hdd', 'class': 'file'}
                WHEN p.product_code = 'AmazonFSx' AND regexp_matches(p.bare_type, '^Storage')
                    THEN {'media': 'ssd', 'class': 'file'}
                WHEN regexp_matches(p.bare_type, '^RDS:(Multi-AZ-)?StorageUsage$')              -- magnetic
                    THEN {'media': 'hdd', 'class': 'database'}
                WHEN regexp_matches(p.bare_type, '^(RDS|Aurora):.*Storage')
                    OR p.product_code IN ('AmazonDocDB', 'AmazonNeptune', 'AmazonDynamoDB', 'AmazonTimestream',
                                          'AmazonKeyspaces') AND regexp_matches(p.bare_type, 'Storage')
                    THEN {'media': 'ssd', 'class': 'database'}
                -- Redshift managed storage (RA3, Serverless) is held in S3, cached on the nodes' SSDs.
                WHEN p.product_code = 'AmazonRedshift' AND regexp_matches(p.bare_type, '^RMS:|ManagedStorage')
                    THEN {'media': 'hdd', 'class': 'object'}
                WHEN p.product_code = 'AmazonES' AND regexp_matches(p.bare_type, 'ManagedStorage')  -- UltraWarm
                    THEN {'media': 'hdd', 'class': 'object'}
                WHEN regexp_matches(p.bare_type, '^ES:Magnetic-Storage') THEN {'media': 'hdd', 'class': 'block'}
                WHEN regexp_matches(p.bare_type, '^(ES:.*-Storage|Kafka\.Storage)') THEN {'media': 'ssd', 'class': 'block'}
                -- Any other service's TimedStorage (CloudWatch Logs, ECR, ...) is object storage.
                WHEN regexp_matches(p.bare_type, 'TimedStorage') THEN {'media': 'hdd', 'class': 'object'}
            END,
            -- Other GB-months: still storage, media by name, no class (replication 1).
            CASE WHEN p.unit IS NOT NULL THEN {'media': CASE WHEN regexp_matches(p.bare_type,
                '(Snapshot|Glacier|Backup|Archive|Magnetic|HDD|Cold)') THEN 'hdd' ELSE 'ssd' END, 'class': NULL} END)
        END AS storage,
        r.region AS prefix_region,
        regexp_matches(p.bare_type, 'Fargate.*EphemeralStorage') AS ephemeral,
        regexp_matches(p.bare_type, 'Fargate.*vCPU-Hours') AS fargate_vcpu,
        regexp_matches(p.bare_type, 'Fargate.*GB-Hours') AS fargate_memory,
        regexp_matches(p.bare_type, '^Lambda-GB-Second') AS lambda,
        regexp_matches(p.bare_type, '^CPUCredits:') AS cpu_credits,
        p.unit = 'GB' AND regexp_matches(p.bare_type, 'Bytes') AS bytes
    FROM parsed p
    LEFT JOIN coef_regions r ON r.provider = 'aws' AND r.billing_prefix = p.usage_prefix
)
SELECT
    c.usage_type, c.unit, c.product_code, c.product_instance_type,
    -- The four as one key, what normalize.sql joins each line on (kinds.py refuses two kinds with one key).
    hash(c.usage_type, c.unit, c.product_code, c.product_instance_type) AS kind_key,
    c.instance_type,
    c.storage,
    c.usage_word = 'SpotUsage' AS spot,
    -- The region a usage type names: its prefix, or, without one, us-east-1 for regional usage (instances, storage).
    coalesce(c.prefix_region, CASE WHEN c.usage_prefix = '' AND (c.instance_type IS NOT NULL OR c.storage IS NOT NULL)
                                   THEN 'us-east-1' END) AS type_region,
    CASE
        WHEN c.instance_type IS NOT NULL THEN
            CASE WHEN coalesce(i.gpu_count, 0) > 0 THEN 'gpu' ELSE 'compute' END
        WHEN c.ephemeral THEN 'storage'
        WHEN c.fargate_vcpu THEN 'compute'
        WHEN c.fargate_memory THEN 'memory'
        WHEN c.lambda THEN 'compute'
        WHEN c.cpu_credits THEN 'compute'
        WHEN c.storage IS NOT NULL THEN 'storage'
        WHEN c.bytes THEN 'network'
        ELSE 'other'
    END AS usage_kind,
    -- A Multi-AZ database runs a standby (a cluster, two readers) beside the writer.
    CASE WHEN c.instance_type IS NOT NULL THEN
        CASE WHEN c.usage_word LIKE 'Multi-AZCluster%' THEN 3 WHEN c.usage_word LIKE 'Multi-AZ%' THEN 2 ELSE 1 END
    END AS instances_per_hour,
    i.vcpus AS instance_vcpus,
    i.memory_gib AS instance_memory_gib,
    CASE WHEN c.instance_type IS NOT NULL THEN coalesce(i.gpu_count, 0) END AS instance_gpus,
    -- How a line's amount becomes vCPU-hours and GiB-hours where it names no instance type.
    CASE
        WHEN c.instance_type IS NOT NULL THEN NULL
        WHEN c.fargate_vcpu OR c.cpu_credits THEN 'amount'
        -- Lambda allocates one vCPU per 1,769 MB of configured memory (AWS Lambda documentation).
        WHEN c.lambda THEN 'lambda'
    END AS vcpu_rule,
    CASE
        WHEN c.ephemeral THEN NULL
        WHEN c.fargate_memory THEN 'amount'
        WHEN c.lambda THEN 'lambda'
    END AS memory_rule,
    CASE WHEN c.ephemeral THEN 'amount' WHEN c.storage IS NOT NULL THEN 'monthly' END AS storage_rule,
    CASE WHEN c.ephemeral THEN 'ssd' ELSE c.storage.media END AS storage_media,
    CASE WHEN c.ephemeral THEN 'ephemeral' ELSE c.storage.class END AS storage_class,
    c.bytes AND c.instance_type IS NULL AS network
FROM classified c
LEFT JOIN coef_instances i ON i.provider = 'aws' AND i.instance_type = c.instance_type
