-- AWS CUR line items -> canonical usage rows.
-- Reads `cur_src` (any CUR format, already renamed to CUR 2.0 column names; a CTE the connector
-- wraps around this query), `aws_usage_kinds` (aws/classify.sql: what each kind of line is), `aws_tag_sets`
-- (aws/tag_sets.py: CUR 2.0 tags), `aws_split` and `aws_split_tag_sets` (aws/split.py: EKS/ECS split cost
-- allocation).
-- Parameters: $ingest_id. Macros earliest_date(), latest_date(): the dates an ingest accepts, utc_time(x),
-- source_number(x), tags_key(tags) (cloudcarbon/ingest.py).
-- Only Usage, DiscountedUsage and SavingsPlanCoveredUsage lines carry usage; RIFee (HeavyUsage),
-- SavingsPlanNegation, fees, credits, refunds and taxes would double-count or are not usage.
WITH typed AS (
    SELECT
        -- In UTC, as AWS writes them.
        utc_time(line_item_usage_start_date) AS usage_start,
        utc_time(line_item_usage_end_date) AS usage_end,
        CAST(date_trunc('month', utc_time(bill_billing_period_start_date)) AS DATE)
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
        source_number(reservation_effective_cost) AS ri_effective_cost,
        source_number(savings_plan_savings_plan_effective_cost) AS sp_effective_cost,
        coalesce(nullif(CAST(line_item_currency_code AS VARCHAR), ''), 'USD') AS currency,
        CAST(pricing_unit AS VARCHAR) AS unit,
        nullif(CAST(product_instance_type AS VARCHAR), '') AS product_instance_type,
        TRY_CAST(product_vcpu AS DOUBLE) AS product_vcpu,  -- a number already where formats.py reads the file
        coalesce(nullif(CAST(product_region_code AS VARCHAR), ''), nullif(CAST(product_region AS VARCHAR), ''))
            AS product_region,
        -- CUR 2.0's tags rewritten once per set (aws/tag_sets.py), older layouts' built per line (formats.py).
        coalesce(ts.tags, cur_src.tags) AS tags,
        cur_src.tags AS line_tags,
        ts.tag_set,
        -- Their key in the store, looked up with them (a set found has no tags of its own line): the tags themselves
        -- are then carried only where something reads them, not to every line of a file that keeps its lines' keys.
        CASE WHEN ts.tag_set IS NULL THEN tags_key(cur_src.tags) ELSE ts.tags_key END AS tags_key,
        -- A pod's or task's line (split cost allocation) names the instance it ran on.
        nullif(CAST(split_line_item_parent_resource_id AS VARCHAR), '') AS split_parent,
        row_fingerprint,
        source_file,
        group_source_key  -- its usage group's key (connectors/file_ingest.py, group_source)
    FROM cur_src
    LEFT JOIN aws_tag_sets ts ON ts.tag_set = CASE WHEN raw_tags IS NOT NULL THEN hash(raw_tags) END
    WHERE line_item_line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
),
-- What the line's kind is (aws/classify.sql, the TEMP table aws_usage_kinds built from the same export).
classified AS (
    SELECT t.*, k.* EXCLUDE (usage_type, unit, product_code, product_instance_type, kind_key)
    FROM typed t
    -- By the hash of the four keys (one 64-bit comparison a line; kinds.py refuses two kinds with one hash).
    LEFT JOIN aws_usage_kinds k ON k.kind_key = hash(t.usage_type, t.unit, t.product_code, t.product_instance_type)
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
            -- One resource cannot run more hours than its billing period has (no month has fewer than 672).
            WHEN c.instance_type IS NOT NULL AND c.resource_id IS NOT NULL
                AND c.amount > 672 AND c.amount > 24 * dayofmonth(last_day(c.billing_period))
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
            -- A pod's or the unallocated rest's line: the instance's tags with its own. Written out twice, not in a
            -- LATERAL: DuckDB evaluated that for every line and the lines cost eight times as much.
            CASE WHEN s.parent IS NULL THEN c.tags
                 ELSE map_concat(coalesce(pt.tags, c.line_tags), s.tags) END AS tags,
            CASE WHEN s.parent IS NULL THEN c.tags_key
                 ELSE tags_key(map_concat(coalesce(pt.tags, c.line_tags), s.tags)) END AS tags_key,
            CASE WHEN s.parent IS NULL THEN CAST(c.row_fingerprint AS UBIGINT) ELSE hash(c.row_fingerprint, s.target) END
                AS row_fingerprint)
    FROM checked c
    LEFT JOIN aws_split s
        ON c.instance_type IS NOT NULL AND s.parent = c.resource_id AND s.usage_start = c.usage_start
    -- The instance line's tags (c.tags), looked up again for the lines that pods share alone.
    LEFT JOIN aws_split_tag_sets pt ON s.parent IS NOT NULL AND pt.tag_set = c.tag_set,
    LATERAL (SELECT CASE WHEN s.parent IS NOT NULL THEN  -- only a line that pods share has a capacity to split
        greatest(9 * coalesce(s.vcpu_available, coalesce(c.product_vcpu, c.instance_vcpus) * c.amount, 0)
                 + coalesce(s.gb_available, c.instance_memory_gib * c.amount, 0), s.allocated_weight) END
             AS capacity),
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
        c.type_region
    ) AS region_id,
    c.az AS availability_zone,
    c.product_code AS service_name,
    c.resource_id,
    'Usage' AS charge_category,
    CASE
        WHEN c.line_type IN ('DiscountedUsage', 'SavingsPlanCoveredUsage') THEN 'Committed'
        WHEN c.spot THEN 'Dynamic'
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
    c.tags_key,  -- the key the store gives the tags (usage_store.write_usage)
    c.line_type AS x_line_item_type,
    c.usage_type AS x_usage_type,
    c.operation AS x_operation,
    c.usage_kind AS x_usage_kind,
    c.instance_type AS x_instance_type,
    c.amount * c.instances_per_hour AS x_instance_hours,
    CASE
        WHEN c.instance_type IS NOT NULL THEN x_instance_hours * coalesce(c.product_vcpu, c.instance_vcpus)
        WHEN c.vcpu_rule = 'amount' THEN c.amount
        WHEN c.vcpu_rule = 'lambda' THEN c.amount / 3600 / 1.769
    END AS x_vcpu_hours,
    x_instance_hours * c.instance_gpus AS x_gpu_hours,
    CASE c.memory_rule WHEN 'amount' THEN c.amount WHEN 'lambda' THEN c.amount / 3600 END AS x_memory_gib_hours,
    CASE c.storage_rule
        WHEN 'amount' THEN c.amount
        -- GB-Mo is GB held over the whole month: spread over the hours of the usage month (the billing period's,
        -- which holds every line's start: a group's figure per GB-Mo, usage_store.DERIVED, knows no line's start).
        WHEN 'monthly' THEN c.amount * 24 * dayofmonth(last_day(c.billing_period))
    END AS x_storage_gib_hours,
    c.storage_media AS x_storage_media,
    c.storage_class AS x_storage_class,
    CASE WHEN c.network THEN c.amount END AS x_network_gb,
    c.source_file AS x_source_file,
    $ingest_id AS x_ingest_id,
    c.row_fingerprint AS x_row_fingerprint,
    c.group_source_key
FROM allocated c
WHERE CASE WHEN c.violation IS NULL THEN true ELSE error(printf(
    'cloudcarbon data rule: %s: the line of %s starting %s: %s; fix or re-export the file', c.source_file,
    coalesce(c.resource_id, c.usage_type), strftime(c.usage_start, '%Y-%m-%dT%H:%M:%SZ'), c.violation)) END
