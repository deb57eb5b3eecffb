-- GCP Cloud Billing export rows -> canonical usage rows. Method: METHODOLOGY.md §1 "GCP".
-- Reads `gcp_src` (a CTE the connector wraps around this query: exported files flattened by
-- connectors/gcp/formats.py, or the BigQuery aggregate queries/gcp_billing_aggregate.sql), the
-- coefficient tables coef_instances and coef_accelerators, and `gcp_sku_groups` (sku_id ->
-- Cloud Catalog resource group; empty unless the Catalog API was asked).
-- Parameters: $ingest_id. Macros earliest_date(), latest_date(): the dates an ingest accepts (cloudcarbon/ingest.py).
-- cost_type tax / adjustment / rounding_error rows are not usage: counted as read, not stored.
WITH typed AS (
    SELECT
        utc_time(regexp_replace(CAST(usage_start_time AS VARCHAR), ' UTC$', '+00'))
            AS usage_start,
        utc_time(regexp_replace(CAST(usage_end_time AS VARCHAR), ' UTC$', '+00'))
            AS usage_end,
        CAST(nullif(CAST(invoice_month AS VARCHAR), '') AS VARCHAR) AS invoice_month,
        CAST(billing_account_id AS VARCHAR) AS billing_account,
        nullif(CAST(project_id AS VARCHAR), '') AS project_id,
        nullif(CAST(project_name AS VARCHAR), '') AS project_name,
        nullif(CAST(service_description AS VARCHAR), '') AS service,
        nullif(CAST(sku_id AS VARCHAR), '') AS sku_id,
        CAST(sku_description AS VARCHAR) AS sku,
        lower(CAST(usage_unit AS VARCHAR)) AS unit,
        lower(CAST(usage_pricing_unit AS VARCHAR)) AS pricing_unit,
        CAST(usage_amount AS DOUBLE) AS amount,
        CAST(cost AS DOUBLE) AS cost,
        coalesce(CAST(credits AS DOUBLE), 0) AS credits,
        coalesce(nullif(CAST(currency AS VARCHAR), ''), 'USD') AS currency,
        coalesce(nullif(lower(CAST(cost_type AS VARCHAR)), ''), 'regular') AS cost_type,
        -- Region: location.region, else the zone's region (`us-central1-a`), else the location itself
        -- (multi-regions `us`, `eu`, `asia` stay as ids so the grid table's mean of their regions applies).
        lower(coalesce(
            nullif(CAST(location_region AS VARCHAR), ''),
            nullif(regexp_extract(CAST(location_zone AS VARCHAR), '^(.+)-[a-z]$', 1), ''),
            nullif(CAST(location_location AS VARCHAR), '')
        )) AS region,
        nullif(CAST(location_zone AS VARCHAR), '') AS zone,
        lower(nullif(CAST(machine_spec AS VARCHAR), '')) AS machine_spec,
        TRY_CAST(nullif(CAST(cores AS VARCHAR), '') AS DOUBLE) AS label_cores,
        nullif(CAST(resource_id AS VARCHAR), '') AS resource_id,
        nullif(CAST(resource_name AS VARCHAR), '') AS resource_name,
        tags,
        row_fingerprint,
        source_file
    FROM gcp_src
),
usage_rows AS (
    SELECT
        t.*,
        -- Billing period from invoice.month (YYYYMM); exports without it use the usage month.
        coalesce(
            make_date(CAST(substr(t.invoice_month, 1, 4) AS INTEGER), CAST(substr(t.invoice_month, 5, 2) AS INTEGER), 1),
            CAST(date_trunc('month', t.usage_start) AS DATE)
        ) AS billing_period,
        g.resource_group,
        -- Custom machine types name their size: [family-]custom-<vCPUs>-<MiB>[-ext].
        TRY_CAST(nullif(regexp_extract(t.machine_spec, '(^|-)custom-([0-9]+)-([0-9]+)', 2), '') AS DOUBLE)
            AS custom_vcpus,
        lower(t.sku) AS s
    FROM typed t
    LEFT JOIN gcp_sku_groups g ON g.sku_id = t.sku_id
    WHERE t.cost_type = 'regular'
),
-- Shared-core types bill a fraction of their vCPUs (Google Compute Engine pricing: e2-micro 0.25,
-- e2-small 0.5, e2-medium 1 vCPU; f1-micro 0.2, g1-small 0.5). Their hours count the machine's vCPUs,
-- and the footprint runs them at the coefficient table's burstable baseline.
shared_core(machine_type, vcpus, billed_vcpus) AS (
    VALUES ('e2-micro', 2, 0.25), ('e2-small', 2, 0.5), ('e2-medium', 2, 1.0), ('f1-micro', 1, 0.2),
           ('g1-small', 1, 0.5)
),
-- GPU models, matched on whole tokens of the SKU description (never on prefixes); first match wins.
gpu_models(priority, pattern, model) AS (
    VALUES (1, '\ba100 80gb\b', 'NVIDIA A100 80GB'), (2, '\ba100\b', 'NVIDIA A100 40GB'),
           (3, '\bh100\b', 'NVIDIA H100'), (4, '\bh200\b', 'NVIDIA H200'), (5, '\bgb200\b', 'NVIDIA GB200'),
           (6, '\bb200\b', 'NVIDIA B200'), (7, '\bl4\b', 'NVIDIA L4'), (8, '\bt4\b', 'NVIDIA T4'),
           (9, '\bv100\b', 'NVIDIA V100'), (10, '\bp100\b', 'NVIDIA P100'), (11, '\bp4\b', 'NVIDIA P4'),
           (12, '\bk80\b', 'NVIDIA K80'), (13, '\brtx pro 6000\b', 'NVIDIA RTX PRO 6000 Blackwell')
),
classified AS (
    SELECT
        r.*,
        CASE
            WHEN regexp_matches(r.s, '^commitment') THEN 'other'            -- commitment fees, not usage
            WHEN r.unit = 'seconds' AND (regexp_matches(r.s, '\bgpu\b') OR r.resource_group = 'GPU') THEN 'gpu'
            WHEN r.unit = 'seconds' AND (regexp_matches(r.s, '\btpu\b') OR r.resource_group = 'TPU') THEN 'tpu'
            WHEN r.unit = 'seconds'
                AND regexp_matches(r.s, '(micro instance with burstable cpu|small instance with 1 vcpu)')
                THEN 'instance'
            WHEN r.unit = 'seconds' AND NOT regexp_matches(r.s, 'licen')
                AND (regexp_matches(r.s, '(\bcores?\b|\bvcpu\b|\bcpu allocation time\b|\bcpu time\b)')
                     OR r.resource_group = 'CPU') THEN 'core'
            WHEN r.unit IN ('byte-seconds', 'gibibyte hour', 'gibibyte month')
                AND (regexp_matches(r.s, '\b(ram|memory)\b') OR r.resource_group = 'RAM') THEN 'ram'
            WHEN r.unit IN ('byte-seconds', 'gibibyte hour', 'gibibyte month') THEN 'storage'
            WHEN r.unit IN ('bytes', 'gibibyte')
                AND regexp_matches(r.s, '(egress|ingress|network|data transfer|interconnect|internet|peering|cdn)')
                THEN 'network'
            ELSE 'other'
        END AS line,
        -- GiB-hours from the usage unit (byte-seconds are the export's base unit for capacity).
        CASE r.unit
            WHEN 'byte-seconds' THEN r.amount / 1073741824 / 3600
            WHEN 'gibibyte hour' THEN r.amount
            WHEN 'gibibyte month' THEN r.amount * 24 * dayofmonth(last_day(r.usage_start))
        END AS gib_hours,
        sc.vcpus AS shared_vcpus,
        sc.billed_vcpus AS shared_billed_vcpus,
        (SELECT arg_min(m.model, m.priority) FROM gpu_models m WHERE regexp_matches(r.s, m.pattern)) AS gpu_model,
        CASE
            WHEN regexp_matches(r.s, 'trillium') THEN 'v6e'
            WHEN regexp_matches(r.s, 'tpu[- ]?v5 ?(lite|e)\b') THEN 'v5e'
            ELSE nullif(regexp_extract(r.s, 'tpu[- ]?(v[0-9]+[a-z]?)\b', 1), '')
        END AS tpu_version,
        i.instance_type IS NOT NULL AS known_type,
        i.vcpus AS library_vcpus
    FROM usage_rows r
    LEFT JOIN shared_core sc ON sc.machine_type = r.machine_spec
    LEFT JOIN coef_instances i ON i.provider = 'gcp' AND i.instance_type = r.machine_spec
),
-- Data rules (METHODOLOGY.md, "Data rules"): dates beyond the window are typos or test data, and no
-- report could show them; the ingest stops naming the line and the column.
outside AS (
    SELECT
        c.*,
        CASE
            WHEN NOT c.billing_period BETWEEN earliest_date() AND latest_date() THEN coalesce(
                'invoice.month ' || c.invoice_month, 'usage_start_time ' || strftime(c.usage_start, '%Y-%m-%dT%H:%M:%SZ'))
            WHEN c.usage_start < earliest_date() OR c.usage_start >= latest_date() + INTERVAL 1 DAY
                THEN 'usage_start_time ' || strftime(c.usage_start, '%Y-%m-%dT%H:%M:%SZ')
            WHEN NOT c.usage_end BETWEEN earliest_date() AND latest_date() + INTERVAL 1 DAY
                THEN 'usage_end_time ' || strftime(c.usage_end, '%Y-%m-%dT%H:%M:%SZ')
        END AS outside_value
    FROM classified c
),
sized AS (
    SELECT
        c.*,
        coalesce(c.shared_vcpus, c.label_cores, c.custom_vcpus, c.library_vcpus) AS machine_vcpus,
        CASE c.line
            WHEN 'gpu' THEN coalesce(c.gpu_model, 'NVIDIA GPU (unspecified)')
            -- TPUs bill chip-seconds; the library's tpu-<version> rows are one chip with its host share.
            WHEN 'tpu' THEN 'tpu-' || coalesce(c.tpu_version, 'unknown')
            WHEN 'core' THEN c.machine_spec
            WHEN 'instance' THEN c.machine_spec
            WHEN 'ram' THEN c.machine_spec
        END AS instance_type
    FROM outside c
)
SELECT
    s.usage_start AS charge_period_start,
    s.usage_end AS charge_period_end,
    s.billing_period AS billing_period_start,
    'GCP' AS provider_name,
    s.billing_account AS billing_account_id,
    s.project_id AS sub_account_id,
    s.project_name AS sub_account_name,
    s.region AS region_id,
    s.zone AS availability_zone,
    s.service AS service_name,
    s.resource_id,
    'Usage' AS charge_category,
    CASE WHEN regexp_matches(s.s, '(spot|preemptible)') THEN 'Dynamic' ELSE 'Standard' END AS pricing_category,
    s.amount AS consumed_quantity,
    s.unit AS consumed_unit,
    s.cost AS billed_cost,
    -- Net of credits (sustained-use, committed-use, promotions, free tier), as GCP's own net cost.
    s.cost + s.credits AS effective_cost,
    s.currency AS billing_currency,
    s.tags,
    s.cost_type AS x_line_item_type,
    s.sku AS x_usage_type,
    s.sku_id AS x_operation,
    CASE s.line
        WHEN 'core' THEN 'compute' WHEN 'instance' THEN 'compute' WHEN 'tpu' THEN 'gpu'
        WHEN 'ram' THEN 'memory' ELSE s.line
    END AS x_usage_kind,
    s.instance_type AS x_instance_type,
    -- Instance-hours only where the machine is named: per-instance SKUs bill instance-seconds,
    -- shared-core types bill their fraction of a vCPU, the rest bill vCPU-seconds.
    CASE
        WHEN s.line IN ('instance', 'tpu') THEN s.amount / 3600
        WHEN s.line = 'core' AND s.machine_spec IS NOT NULL AND s.shared_billed_vcpus IS NOT NULL
            THEN s.amount / 3600 / s.shared_billed_vcpus
        WHEN s.line = 'core' AND s.machine_spec IS NOT NULL THEN s.amount / 3600 / s.machine_vcpus
    END AS x_instance_hours,
    CASE
        WHEN s.line = 'instance' OR (s.line = 'core' AND s.shared_billed_vcpus IS NOT NULL)
            THEN x_instance_hours * s.machine_vcpus
        WHEN s.line = 'core' THEN s.amount / 3600
        WHEN s.line = 'tpu' THEN x_instance_hours * tpu.vcpus
    END AS x_vcpu_hours,
    CASE WHEN s.line IN ('gpu', 'tpu') THEN s.amount / 3600 END AS x_gpu_hours,
    -- RAM of a machine type the library knows is already in its core rows' instance model (memory
    -- above SPECpower's reference share); counting these GiB-hours again would double it. RAM of
    -- custom and unknown types (and standalone memory such as Cloud Run) counts in full.
    CASE WHEN s.line = 'ram' AND NOT s.known_type THEN s.gib_hours END AS x_memory_gib_hours,
    CASE WHEN s.line = 'storage' THEN s.gib_hours END AS x_storage_gib_hours,
    CASE WHEN s.line = 'storage' THEN
        CASE WHEN regexp_matches(s.s, '(ssd|hyperdisk|balanced)') THEN 'ssd' ELSE 'hdd' END
    END AS x_storage_media,
    CASE WHEN s.line = 'storage' THEN
        CASE
            WHEN regexp_matches(s.s, 'local ssd') THEN 'ephemeral'
            WHEN regexp_matches(s.s, '(coldline|archive storage)') THEN 'archive'
            WHEN regexp_matches(s.s, '(\bpd\b|persistent disk|hyperdisk)') THEN 'block'
            WHEN regexp_matches(s.s, '(snapshot|image|standard storage|nearline|regional storage|durable reduced)')
                OR regexp_matches(lower(coalesce(s.service, '')), 'cloud storage') THEN 'object'
            WHEN regexp_matches(lower(coalesce(s.service, '')),
                '(cloud sql|spanner|bigtable|bigquery|firestore|datastore|memorystore|alloydb)') THEN 'database'
            WHEN regexp_matches(lower(coalesce(s.service, '')), 'filestore') THEN 'file'
        END
    END AS x_storage_class,
    CASE WHEN s.line = 'network' THEN
        CASE s.unit WHEN 'bytes' THEN s.amount / 1073741824 ELSE s.amount END
    END AS x_network_gb,
    s.source_file AS x_source_file,
    $ingest_id AS x_ingest_id,
    s.row_fingerprint AS x_row_fingerprint,
    s.resource_name AS x_resource_name  -- an instance's name beside its numeric id (GKE nodes are named after it)
FROM sized s
LEFT JOIN coef_instances tpu ON s.line = 'tpu' AND tpu.provider = 'gcp' AND tpu.instance_type = s.instance_type
WHERE CASE WHEN s.outside_value IS NULL THEN true ELSE error(printf(
    'cloudcarbon data rule: %s: the line of %s starting %s: %s is outside %s, the dates cloudcarbon accepts; '
    || 'fix or re-export the file', s.source_file, coalesce(s.resource_id, s.sku),
    strftime(s.usage_start, '%Y-%m-%dT%H:%M:%SZ'), s.outside_value,
    strftime(earliest_date(), '%Y-%m-%d') || '..' || strftime(latest_date(), '%Y-%m-%d'))) END
