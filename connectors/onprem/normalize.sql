-- Canonical usage rows from a checked on-premises inventory (relation `inventory`, the output of
-- queries/onprem_inventory.sql with no problem left). One row per server and month: the server's
-- hours, its logical CPUs and GPUs, and what the inventory states about it (x_server, x_pue).
-- Parameters: $ingest_id, $inventory (the billing account the rows belong to).
SELECT
    CAST(i.month_start AS TIMESTAMP) AS charge_period_start,
    CAST(i.month_start + INTERVAL 1 MONTH AS TIMESTAMP) AS charge_period_end,
    i.month_start AS billing_period_start,
    'On-premises' AS provider_name,
    CAST($inventory AS VARCHAR) AS billing_account_id,
    i.account AS sub_account_id,
    i.account AS sub_account_name,
    i.zone AS region_id,
    i.site AS availability_zone,
    'On-premises servers' AS service_name,
    i.server AS resource_id,
    'Usage' AS charge_category,
    'Owned' AS pricing_category,
    i.n_hours AS consumed_quantity,
    'Hours' AS consumed_unit,
    i.n_cost AS billed_cost,
    i.n_cost AS effective_cost,
    upper(i.currency) AS billing_currency,
    i.tags,
    'Inventory' AS x_line_item_type,
    CASE WHEN coalesce(i.n_gpu_count, 0) > 0 THEN 'gpu' ELSE 'compute' END AS x_usage_kind,
    i.model AS x_instance_type,
    i.n_hours AS x_instance_hours,
    i.n_hours * i.n_vcpus AS x_vcpu_hours,
    CASE WHEN coalesce(i.n_gpu_count, 0) > 0 THEN i.n_hours * i.n_gpu_count END AS x_gpu_hours,
    i.x_file AS x_source_file,
    CAST($ingest_id AS VARCHAR) AS x_ingest_id,
    -- The line's identity: an inventory holds each server once a month (onprem_inventory.sql refuses more).
    hash(i.server, i.month_start) AS x_row_fingerprint,
    i.n_pue AS x_pue,
    {'cpu_model': i.cpu_model, 'microarchitecture': i.microarchitecture_resolved, 'cpu_match': i.cpu_match,
     'vcpus': CAST(i.n_vcpus AS INTEGER), 'memory_gib': i.n_memory_gib, 'sockets': CAST(i.n_sockets AS INTEGER),
     'gpu_model': i.gpu_model_resolved, 'gpu_count': CAST(i.n_gpu_count AS INTEGER), 'ssds': CAST(i.n_ssds AS INTEGER),
     'hdds': CAST(i.n_hdds AS INTEGER), 'embodied_kgco2e': i.n_embodied} AS x_server
FROM inventory i
