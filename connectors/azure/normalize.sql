-- Azure Cost Management export rows (every documented EA and MCA cost-details schema, actual or amortized,
-- the legacy usage export and the EA Reporting API's; or Consumption API records mapped to export names)
-- -> canonical usage rows.
-- Reads `az_src` (text columns named by connectors/azure/formats.py FIELDS, plus source_file) and
-- `date_formats` (connectors/azure/date_formats.sql), CTEs the connector wraps around this query, and the
-- coefficient tables coef_instances and coef_region_aliases. Parameters: $ingest_id.
-- Macros earliest_date(), latest_date(): the dates an ingest accepts (cloudcarbon/ingest.py).
-- Only ChargeType 'Usage' rows carry usage (legacy and EA Reporting exports have no ChargeType: all rows
-- are usage); Purchase, Refund, Tax, UnusedReservation, UnusedSavingsPlan, RoundingAdjustment are not.
WITH
usage_rows AS (
    SELECT s.*, f.fmt
    FROM az_src s
    LEFT JOIN date_formats f USING (source_file)
    WHERE coalesce(nullif(trim(s.charge_type), ''), 'Usage') = 'Usage'
),
typed AS (
    SELECT
        CASE fmt
            WHEN 'iso' THEN CAST(left(trim(usage_date), 10) AS DATE)
            WHEN 'mdy' THEN CAST(strptime(trim(usage_date), '%m/%d/%Y') AS DATE)
            WHEN 'dmy' THEN CAST(strptime(trim(usage_date), '%d/%m/%Y') AS DATE)
        END AS day,
        CASE WHEN nullif(trim(billing_period_start), '') IS NOT NULL THEN
            CASE fmt
                WHEN 'iso' THEN CAST(left(trim(billing_period_start), 10) AS DATE)
                WHEN 'mdy' THEN CAST(strptime(trim(billing_period_start), '%m/%d/%Y') AS DATE)
                WHEN 'dmy' THEN CAST(strptime(trim(billing_period_start), '%d/%m/%Y') AS DATE)
            END
        END AS billing_day,
        nullif(trim(subscription_id), '') AS subscription,
        nullif(trim(subscription_name), '') AS subscription_name,
        nullif(trim(billing_account_id), '') AS billing_account,
        nullif(trim(meter_category), '') AS meter_category,
        nullif(trim(meter_subcategory), '') AS meter_subcategory,
        nullif(trim(meter_name), '') AS meter_name,
        nullif(lower(trim(meter_region)), '') AS meter_region,
        nullif(trim(unit_of_measure), '') AS unit,
        -- `10 Hours`, `100 GB/Month`: the number is the pricing block; Quantity is in the base unit.
        nullif(regexp_replace(trim(coalesce(unit_of_measure, '')), '^[0-9.,]+\s*', ''), '') AS base_unit,
        CAST(nullif(trim(quantity), '') AS DOUBLE) AS amount,
        CAST(nullif(trim(cost), '') AS DOUBLE) AS cost,
        nullif(trim(currency), '') AS currency,
        nullif(lower(trim(resource_location)), '') AS location,
        nullif(trim(consumed_service), '') AS consumed_service,
        nullif(trim(resource_id), '') AS resource_id,
        nullif(trim(charge_type), '') AS charge_type,
        nullif(trim(pricing_model), '') AS pricing_model,
        nullif(trim(reservation_id), '') AS reservation_id,
        -- EA writes JSON objects without their braces (`"a": "b","c": "d"`); MCA and legacy with them.
        CASE WHEN nullif(trim(tags), '') IS NOT NULL THEN
            TRY_CAST(TRY_CAST(CASE WHEN starts_with(ltrim(tags), '{') THEN tags ELSE '{' || tags || '}' END AS JSON)
                     AS MAP(VARCHAR, VARCHAR))
        END AS tags,
        CASE WHEN nullif(trim(additional_info), '') IS NOT NULL THEN
            TRY_CAST(CASE WHEN starts_with(ltrim(additional_info), '{') THEN additional_info
                          ELSE '{' || additional_info || '}' END AS JSON)
        END AS info,
        row_fingerprint,
        source_file
    FROM usage_rows
),
parsed AS (
    SELECT
        t.*,
        nullif(trim(json_extract_string(t.info, '$.ServiceType')), '') AS info_size,
        -- VCPUs is a number or a string; 0 means "not stated".
        nullif(TRY_CAST(json_extract_string(t.info, '$.VCPUs') AS DOUBLE), 0) AS info_vcpus,
        -- Legacy exports have no UnitOfMeasure: VM meters are hours, `Data Stored` GB-months,
        -- Bandwidth GB.
        coalesce(t.base_unit, CASE
            WHEN t.unit IS NULL AND t.meter_name ILIKE '%Data Stored%' THEN 'GB/Month'
            WHEN t.unit IS NULL AND t.meter_category = 'Bandwidth' THEN 'GB'
        END) AS unit_of_use,
        (t.meter_category = 'Virtual Machines'
            OR (t.meter_category IS NULL AND json_extract_string(t.info, '$.UsageType') = 'ComputeHR'))
            AND (t.base_unit IS NULL OR t.base_unit ILIKE 'hour%') AS vm,
        -- `D4 v3/D4s v3`, `DS4 v2 Spot`, `D2 v3 Low Priority`: up to two sizes, then the pricing kind.
        regexp_replace(coalesce(t.meter_name, ''), '\s+(Spot|Low Priority)$', '') AS meter_sizes,
        -- Managed disks billed per disk-month: `P10 LRS Disk`, `S4 Disks`, `E10 ZRS Disk`.
        regexp_extract(coalesce(t.meter_name, ''), '^([PES])([0-9]+)( LRS| ZRS)? Disks?$', 1) AS disk_tier,
        TRY_CAST(nullif(regexp_extract(coalesce(t.meter_name, ''), '^([PES])([0-9]+)( LRS| ZRS)? Disks?$', 2), '')
                 AS INTEGER) AS disk_number,
        concat_ws(' ', t.meter_category, t.meter_subcategory, t.meter_name) AS meter_text
    FROM typed t
),
sized AS (
    SELECT
        p.*,
        CASE WHEN p.vm AND p.info_size IS NULL AND p.meter_sizes <> '' THEN
            'Standard_' || replace(trim(split_part(p.meter_sizes, '/', 1)), ' ', '_') END AS meter_size_1,
        CASE WHEN p.vm AND p.info_size IS NULL AND split_part(p.meter_sizes, '/', 2) <> '' THEN
            'Standard_' || replace(trim(split_part(p.meter_sizes, '/', 2)), ' ', '_') END AS meter_size_2
    FROM parsed p
),
classified AS (
    SELECT
        s.*,
        -- AdditionalInfo's ServiceType is authoritative; else the meter's first size the catalog knows.
        CASE WHEN s.vm THEN coalesce(s.info_size, m1.instance_type, m2.instance_type, s.meter_size_1) END
            AS instance_type,
        -- Disk sizes of the P/E/S tiers (GiB, Azure managed disk documentation).
        CASE s.disk_number
            WHEN 1 THEN 4 WHEN 2 THEN 8 WHEN 3 THEN 16 WHEN 4 THEN 32 WHEN 6 THEN 64 WHEN 10 THEN 128
            WHEN 15 THEN 256 WHEN 20 THEN 512 WHEN 30 THEN 1024 WHEN 40 THEN 2048 WHEN 50 THEN 4096
            WHEN 60 THEN 8192 WHEN 70 THEN 16384 WHEN 80 THEN 32767
        END AS disk_gib,
        coalesce(r1.region, r2.region, regexp_replace(s.location, '\s+', '', 'g')) AS region
    FROM sized s
    LEFT JOIN coef_instances m1 ON m1.provider = 'azure' AND m1.instance_type = s.meter_size_1
    LEFT JOIN coef_instances m2 ON m2.provider = 'azure' AND m2.instance_type = s.meter_size_2
    LEFT JOIN coef_region_aliases r1 ON r1.provider = 'azure' AND r1.alias = s.location
    LEFT JOIN coef_region_aliases r2 ON r2.provider = 'azure' AND r2.alias = s.meter_region
),
kinds AS (
    SELECT
        c.*,
        CASE
            WHEN c.instance_type IS NOT NULL THEN 'instance'
            WHEN c.disk_gib IS NOT NULL AND c.unit_of_use ILIKE '%/Month' THEN 'disk'
            WHEN c.unit_of_use IN ('GB/Month', 'GiB/Month', 'TB/Month') THEN 'stored'
            WHEN c.unit_of_use IN ('GB', 'GiB', 'TB')
                AND (c.meter_category IN ('Bandwidth', 'Networking') OR c.meter_text ILIKE '%Data Transfer%'
                     OR c.meter_text ILIKE '%Peering%') THEN 'transfer'
        END AS measure
    FROM classified c
)
SELECT
    CAST(k.day AS TIMESTAMP) AS charge_period_start,
    CAST(k.day + INTERVAL 1 DAY AS TIMESTAMP) AS charge_period_end,
    CAST(date_trunc('month', coalesce(k.billing_day, k.day)) AS DATE) AS billing_period_start,
    'Azure' AS provider_name,
    -- Legacy exports name no billing account: the subscription is the unit of billing.
    coalesce(k.billing_account, k.subscription) AS billing_account_id,
    k.subscription AS sub_account_id,
    k.subscription_name AS sub_account_name,
    k.region AS region_id,
    NULL AS availability_zone,
    k.meter_category AS service_name,
    k.resource_id,
    'Usage' AS charge_category,
    CASE
        WHEN k.pricing_model = 'Spot' OR regexp_matches(coalesce(k.meter_name, ''), '\s(Spot|Low Priority)$')
            THEN 'Dynamic'
        WHEN k.pricing_model IN ('Reservation', 'SavingsPlan') OR k.reservation_id IS NOT NULL THEN 'Committed'
        ELSE 'Standard'
    END AS pricing_category,
    k.amount AS consumed_quantity,
    CASE WHEN k.measure = 'instance' THEN coalesce(k.unit_of_use, 'Hours') ELSE k.unit_of_use END AS consumed_unit,
    -- The export's cost column: actual cost in an ActualCost export, amortized in an AmortizedCost one;
    -- `CostInBillingCurrency` (EA, MCA), else `Cost` (EA ea-cost / ea-reporting schemas) or `PreTaxCost`
    -- (legacy), as formats.py FIELDS['cost'] chooses.
    k.cost AS billed_cost,
    k.cost AS effective_cost,
    k.currency AS billing_currency,
    k.tags,
    coalesce(k.charge_type, 'Usage') AS x_line_item_type,
    k.meter_name AS x_usage_type,
    k.meter_subcategory AS x_operation,
    CASE k.measure
        WHEN 'instance' THEN CASE WHEN coalesce(i.gpu_count, 0) > 0 THEN 'gpu' ELSE 'compute' END
        WHEN 'disk' THEN 'storage'
        WHEN 'stored' THEN 'storage'
        WHEN 'transfer' THEN 'network'
        ELSE 'other'
    END AS x_usage_kind,
    k.instance_type AS x_instance_type,
    -- VM Quantity is hours even when UnitOfMeasure is `10 Hours` (the pricing block).
    CASE WHEN k.measure = 'instance' THEN k.amount END AS x_instance_hours,
    CASE WHEN k.measure = 'instance' THEN k.amount * coalesce(k.info_vcpus, i.vcpus) END AS x_vcpu_hours,
    CASE WHEN k.measure = 'instance' THEN k.amount * coalesce(i.gpu_count, 0) END AS x_gpu_hours,
    NULL::DOUBLE AS x_memory_gib_hours,
    -- GB-months (and disk-months x disk size) spread over the hours of the usage month.
    k.amount * 24 * dayofmonth(last_day(k.day)) * CASE k.measure
        WHEN 'disk' THEN k.disk_gib
        WHEN 'stored' THEN CASE k.unit_of_use WHEN 'TB/Month' THEN 1024 ELSE 1 END
    END AS x_storage_gib_hours,
    CASE
        WHEN k.measure = 'disk' THEN CASE k.disk_tier WHEN 'S' THEN 'hdd' ELSE 'ssd' END
        WHEN k.measure = 'stored' THEN
            -- Premium and SSD tiers are flash; Standard HDD, blob cool/cold/archive, snapshots and
            -- standard storage accounts are disk-backed; databases and the rest SSD.
            CASE
                WHEN regexp_matches(k.meter_text, '(Premium|SSD|Ultra)') THEN 'ssd'
                WHEN regexp_matches(k.meter_text, '(HDD|Cool|Cold|Archive|Snapshot)')
                    OR k.meter_category = 'Storage' THEN 'hdd'
                ELSE 'ssd'
            END
    END AS x_storage_media,
    CASE
        WHEN k.measure = 'disk' OR (k.measure = 'stored' AND regexp_matches(k.meter_text, '(Managed Disks|Snapshot)'))
            THEN 'block'
        WHEN k.measure = 'stored' AND regexp_matches(k.meter_text, 'Archive') THEN 'archive'
        WHEN k.measure = 'stored' AND regexp_matches(k.meter_text, 'Files') THEN 'file'
        WHEN k.measure = 'stored' AND k.meter_category = 'Storage' THEN 'object'
        WHEN k.measure = 'stored' AND regexp_matches(k.meter_text, '(Database|SQL|Cosmos)') THEN 'database'
    END AS x_storage_class,
    CASE WHEN k.measure = 'transfer' THEN k.amount * CASE k.unit_of_use WHEN 'TB' THEN 1024 ELSE 1 END END
        AS x_network_gb,
    k.source_file AS x_source_file,
    $ingest_id AS x_ingest_id,
    k.row_fingerprint AS x_row_fingerprint
FROM kinds k
LEFT JOIN coef_instances i ON i.provider = 'azure' AND i.instance_type = k.instance_type
-- Data rules (METHODOLOGY.md, "Data rules"): dates beyond the window are typos or test data, and no report
-- could show them; the ingest stops naming the line and the column.
WHERE CASE
    WHEN NOT date_trunc('month', coalesce(k.billing_day, k.day)) BETWEEN earliest_date() AND latest_date()
        OR NOT k.day BETWEEN earliest_date() AND latest_date() THEN error(printf(
        'cloudcarbon data rule: %s: the line of %s on %s: %s is outside %s..%s, the dates cloudcarbon accepts; '
        || 'fix or re-export the file', k.source_file, coalesce(k.resource_id, k.meter_name, k.meter_category),
        strftime(k.day, '%Y-%m-%d'),
        CASE WHEN NOT k.billing_day BETWEEN earliest_date() AND latest_date()
             THEN 'BillingPeriodStartDate ' || strftime(k.billing_day, '%Y-%m-%d')
             ELSE 'Date ' || strftime(k.day, '%Y-%m-%d') END,
        strftime(earliest_date(), '%Y-%m-%d'), strftime(latest_date(), '%Y-%m-%d')))
    ELSE true END
