-- AWS CUR line items -> canonical usage rows.
-- Reads `cur_src` (any CUR format, already renamed to CUR 2.0 column names; a CTE the connector
-- wraps around this query), `aws_split` (aws/split.sql: EKS/ECS split cost allocation) and the coefficient tables
-- coef_instances and coef_regions.
-- Parameters: $ingest_id. Macros earliest_date(), latest_date(): the dates an ingest accepts (cloudcarbon/ingest.py).
-- Only Usage, DiscountedUsage and SavingsPlanCoveredUsage lines carry usage; RIFee (HeavyUsage),
-- SavingsPlanNegation, fees, credits, refunds and taxes would double-count or are not usage.
WITH typed AS (
    SELECT
        -- In UTC, as AWS writes them (a plain cast to TIMESTAMP would shift them into the machine's zone).
        timezone('UTC', CAST(line_item_usage_start_date AS TIMESTAMPTZ)) AS usage_start,
        timezone('UTC', CAST(line_item_usage_end_date AS TIMESTAMPTZ)) AS usage_end,
        CAST(date_trunc('month', timezone('UTC', CAST(bill_billing_period_start_date AS TIMESTAMPTZ))) AS DATE)
            AS billing_period,
        CAST(bill_payer_account_id AS VARCHAR) AS payer,
        CAST(line_item_usage_account_id AS VARCHAR) AS account,
        CAST(line_item_usage_account_name AS VARCHAR) AS account_name,
        CAST(line_item_line_item_type AS VARCHAR) AS line_type,
        CAST(line_item_product_code AS VARCHAR) AS product_code,
        CAST(line_item_usage_type AS VARCHAR) AS usage_type,
        CAST(line_item_operation AS VARCHAR) AS operation,
        nullif(CAST(line_item_availability_zone AS VARCHAR), '') AS az,
        nullif(CAST(line_item_resource_id AS VARCHAR), '') AS resource_id,
        CAST(line_item_usage_amount AS DOUBLE) AS amount,
        CAST(line_item_unblended_cost AS DOUBLE) AS unblended_cost,
        CAST(nullif(CAST(reservation_effective_cost AS VARCHAR), '') AS DOUBLE) AS ri_effective_cost,
        CAST(nullif(CAST(savings_plan_savings_plan_effective_cost AS VARCHAR), '') AS DOUBLE) AS sp_effective_cost,
        coalesce(nullif(CAST(line_item_currency_code AS VARCHAR), ''), 'USD') AS currency,
        CAST(pricing_unit AS VARCHAR) AS unit,
        nullif(CAST(product_instance_type AS VARCHAR), '') AS product_instance_type,
        TRY_CAST(nullif(CAST(product_vcpu AS VARCHAR), '') AS DOUBLE) AS product_vcpu,
        coalesce(nullif(CAST(product_region_code AS VARCHAR), ''), nullif(CAST(product_region AS VARCHAR), ''))
            AS product_region,
        tags,
        -- A pod's or task's line (split cost allocation) names the instance it ran on.
        nullif(CAST(split_line_item_parent_resource_id AS VARCHAR), '') AS split_parent,
        row_fingerprint,
        source_file
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
    FROM typed
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
        r.region AS prefix_region
    FROM parsed p
    LEFT JOIN coef_regions r ON r.provider = 'aws' AND r.billing_prefix = p.usage_prefix
),
-- Data rules (METHODOLOGY.md, "Data rules"): values no genuine export holds stop the ingest with a
-- message naming the line; negative amounts (corrections) and mixed currencies are kept as they are.
checked AS (
    SELECT
        c.*,
        CASE
            WHEN NOT isfinite(c.amount)
                THEN printf('line_item_usage_amount is %s, not a finite number', CAST(c.amount AS VARCHAR))
            WHEN NOT isfinite(c.unblended_cost)
                THEN printf('line_item_unblended_cost is %s, not a finite number',
                            CAST(c.unblended_cost AS VARCHAR))
            WHEN NOT isfinite(c.ri_effective_cost)
                THEN printf('reservation_effective_cost is %s, not a finite number',
                            CAST(c.ri_effective_cost AS VARCHAR))
            WHEN NOT isfinite(c.sp_effective_cost)
                THEN printf('savings_plan_savings_plan_effective_cost is %s, not a finite number',
                            CAST(c.sp_effective_cost AS VARCHAR))
            WHEN abs(c.amount) > 1e15
                THEN printf('line_item_usage_amount %s is beyond any real bill (limit 1e15)',
                            CAST(c.amount AS VARCHAR))
            WHEN greatest(abs(c.unblended_cost), abs(c.ri_effective_cost), abs(c.sp_effective_cost)) > 1e15
                THEN printf('a cost of %s is beyond any real bill (limit 1e15)', CAST(greatest(
                    abs(c.unblended_cost), abs(c.ri_effective_cost), abs(c.sp_effective_cost)) AS VARCHAR))
            -- Dates beyond the window are typos or test data, and no report could show them.
            WHEN NOT c.billing_period BETWEEN earliest_date() AND latest_date()
                THEN printf('bill_billing_period_start_date %s is outside %s..%s, the dates cloudcarbon accepts',
                            strftime(c.billing_period, '%Y-%m-%d'), strftime(earliest_date(), '%Y-%m-%d'),
                            strftime(latest_date(), '%Y-%m-%d'))
            WHEN c.usage_end < earliest_date() OR c.usage_end > latest_date() + INTERVAL 1 DAY
                THEN printf('line_item_usage_end_date %s is outside %s..%s, the dates cloudcarbon accepts',
                            strftime(c.usage_end, '%Y-%m-%dT%H:%M:%SZ'), strftime(earliest_date(), '%Y-%m-%d'),
                            strftime(latest_date(), '%Y-%m-%d'))
            WHEN c.usage_start < c.billing_period OR c.usage_start >= c.billing_period + INTERVAL 1 MONTH
                THEN printf('line_item_usage_start_date %s is outside its billing period %s',
                            strftime(c.usage_start, '%Y-%m-%dT%H:%M:%SZ'), strftime(c.billing_period, '%Y-%m'))
            -- One resource cannot run more hours than its billing period has.
            WHEN c.instance_type IS NOT NULL AND c.resource_id IS NOT NULL
                AND c.amount > 24 * dayofmonth(last_day(c.billing_period))
                THEN printf('line_item_usage_amount %s is more instance-hours than the %s hours of its billing '
                            'period', CAST(c.amount AS VARCHAR), CAST(24 * dayofmonth(last_day(c.billing_period))
                                                                     AS VARCHAR))
        END AS violation
    FROM classified c
),
-- EKS/ECS split cost allocation: an instance-hour that pods or tasks shared (aws_split) becomes one line per pod or
-- task and one for the instance's unused capacity (`unallocated`), each with its share of the line's hours and
-- costs, so that they add up to the instance. A share is the pod's 9 x vCPU + GB over the instance's (the weights
-- AWS splits cost by), the capacity from the split usage ratios, else the instance type's vCPUs and memory; pods
-- allocated more than the instance has share all of it. The pods' own lines are left out (counted as dropped):
-- their usage is the instance's. Each derived line's fingerprint adds its target to the instance line's.
allocated AS (
    SELECT
        c.* REPLACE (
            c.amount * share AS amount,
            c.unblended_cost * share AS unblended_cost,
            c.ri_effective_cost * share AS ri_effective_cost,
            c.sp_effective_cost * share AS sp_effective_cost,
            CASE WHEN s.parent IS NULL THEN c.tags ELSE map_concat(c.tags, s.tags) END AS tags,
            CASE WHEN s.parent IS NULL THEN CAST(c.row_fingerprint AS UBIGINT) ELSE hash(c.row_fingerprint, s.target) END
                AS row_fingerprint)
    FROM checked c
    LEFT JOIN aws_split s
        ON c.instance_type IS NOT NULL AND s.parent = c.resource_id AND s.usage_start = c.usage_start
    LEFT JOIN coef_instances si ON s.parent IS NOT NULL AND si.provider = 'aws' AND si.instance_type = c.instance_type,
    LATERAL (SELECT greatest(9 * coalesce(s.vcpu_available, coalesce(c.product_vcpu, si.vcpus) * c.amount, 0)
                             + coalesce(s.gb_available, si.memory_gib * c.amount, 0), s.allocated_weight) AS capacity),
    LATERAL (SELECT CASE
        WHEN s.parent IS NULL THEN 1
        WHEN capacity > 0 THEN coalesce(s.weight, capacity - s.allocated_weight) / capacity
        ELSE CASE WHEN s.weight IS NULL THEN 1 ELSE 0 END  -- nothing known of the capacity: all unallocated
    END AS share)
    WHERE c.split_parent IS NULL
)
SELECT
    c.usage_start AS charge_period_start,
    c.usage_end AS charge_period_end,
    c.billing_period AS billing_period_start,
    'AWS' AS provider_name,
    c.payer AS billing_account_id,
    c.account AS sub_account_id,
    c.account_name AS sub_account_name,
    coalesce(
        c.product_region,
        nullif(regexp_extract(c.az, '^([a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]+)', 1), ''),
        c.prefix_region,
        -- Regional usage types of us-east-1 carry no prefix.
        CASE WHEN c.usage_prefix = '' AND (c.instance_type IS NOT NULL OR c.storage IS NOT NULL) THEN 'us-east-1' END
    ) AS region_id,
    c.az AS availability_zone,
    c.product_code AS service_name,
    c.resource_id,
    'Usage' AS charge_category,
    CASE
        WHEN c.line_type IN ('DiscountedUsage', 'SavingsPlanCoveredUsage') THEN 'Committed'
        WHEN c.usage_word = 'SpotUsage' THEN 'Dynamic'
        ELSE 'Standard'
    END AS pricing_category,
    c.amount AS consumed_quantity,
    c.unit AS consumed_unit,
    c.unblended_cost AS billed_cost,
    -- Amortised cost, as FOCUS EffectiveCost: RI and Savings Plan lines at their effective rate.
    CASE c.line_type
        WHEN 'DiscountedUsage' THEN coalesce(c.ri_effective_cost, c.unblended_cost)
        WHEN 'SavingsPlanCoveredUsage' THEN coalesce(c.sp_effective_cost, c.unblended_cost)
        ELSE c.unblended_cost
    END AS effective_cost,
    c.currency AS billing_currency,
    c.tags,
    c.line_type AS x_line_item_type,
    c.usage_type AS x_usage_type,
    c.operation AS x_operation,
    CASE
        WHEN c.instance_type IS NOT NULL THEN
            CASE WHEN coalesce(i.gpu_count, 0) > 0 THEN 'gpu' ELSE 'compute' END
        WHEN regexp_matches(c.bare_type, 'Fargate.*EphemeralStorage') THEN 'storage'
        WHEN regexp_matches(c.bare_type, 'Fargate.*vCPU-Hours') THEN 'compute'
        WHEN regexp_matches(c.bare_type, 'Fargate.*GB-Hours') THEN 'memory'
        WHEN regexp_matches(c.bare_type, '^Lambda-GB-Second') THEN 'compute'
        WHEN regexp_matches(c.bare_type, '^CPUCredits:') THEN 'compute'
        WHEN c.storage IS NOT NULL THEN 'storage'
        WHEN c.unit = 'GB' AND regexp_matches(c.bare_type, 'Bytes') THEN 'network'
        ELSE 'other'
    END AS x_usage_kind,
    c.instance_type AS x_instance_type,
    -- A Multi-AZ database runs a standby (a cluster, two readers) beside the writer.
    CASE WHEN c.instance_type IS NOT NULL THEN
        c.amount * CASE
            WHEN c.usage_word LIKE 'Multi-AZCluster%' THEN 3
            WHEN c.usage_word LIKE 'Multi-AZ%' THEN 2
            ELSE 1 END
    END AS x_instance_hours,
    CASE
        WHEN c.instance_type IS NOT NULL THEN x_instance_hours * coalesce(c.product_vcpu, i.vcpus)
        WHEN regexp_matches(c.bare_type, 'Fargate.*vCPU-Hours') OR regexp_matches(c.bare_type, '^CPUCredits:')
            THEN c.amount
        -- Lambda allocates one vCPU per 1,769 MB of configured memory (AWS Lambda documentation).
        WHEN regexp_matches(c.bare_type, '^Lambda-GB-Second') THEN c.amount / 3600 / 1.769
    END AS x_vcpu_hours,
    CASE WHEN c.instance_type IS NOT NULL THEN x_instance_hours * coalesce(i.gpu_count, 0) END AS x_gpu_hours,
    CASE
        WHEN regexp_matches(c.bare_type, 'Fargate.*EphemeralStorage') THEN NULL
        WHEN regexp_matches(c.bare_type, 'Fargate.*GB-Hours') THEN c.amount
        WHEN regexp_matches(c.bare_type, '^Lambda-GB-Second') THEN c.amount / 3600
    END AS x_memory_gib_hours,
    CASE
        WHEN regexp_matches(c.bare_type, 'Fargate.*EphemeralStorage') THEN c.amount
        -- GB-Mo is GB held over the whole month: spread over the hours of the usage month.
        WHEN c.storage IS NOT NULL THEN c.amount * 24 * dayofmonth(last_day(c.usage_start))
    END AS x_storage_gib_hours,
    CASE
        WHEN regexp_matches(c.bare_type, 'Fargate.*EphemeralStorage') THEN 'ssd'
        ELSE c.storage.media
    END AS x_storage_media,
    CASE
        WHEN regexp_matches(c.bare_type, 'Fargate.*EphemeralStorage') THEN 'ephemeral'
        ELSE c.storage.class
    END AS x_storage_class,
    CASE WHEN c.unit = 'GB' AND regexp_matches(c.bare_type, 'Bytes') AND c.instance_type IS NULL
        THEN c.amount END AS x_network_gb,
    c.source_file AS x_source_file,
    $ingest_id AS x_ingest_id,
    c.row_fingerprint AS x_row_fingerprint
FROM allocated c
LEFT JOIN coef_instances i ON i.provider = 'aws' AND i.instance_type = c.instance_type
WHERE CASE WHEN c.violation IS NULL THEN true ELSE error(printf(
    'cloudcarbon data rule: %s: the line of %s starting %s: %s; fix or re-export the file', c.source_file,
    coalesce(c.resource_id, c.usage_type), strftime(c.usage_start, '%Y-%m-%dT%H:%M:%SZ'), c.violation)) END
