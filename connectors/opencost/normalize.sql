-- OpenCost/Kubecost allocations -> k8s_allocations rows. Reads `opencost_src` (connectors/opencost/formats.py;
-- the allocations the ingest keeps: formats.DROPPED_AS leaves out idle, unmounted and node-less ones).
-- Parameters: $ingest_id, $source_format.
-- CPU and RAM are what OpenCost allocated: its core-hours and byte-hours (max of request and use over the time the
-- pod ran), else the averages of request and use over that time, the larger of the two.
WITH typed AS (
    SELECT
        coalesce(nullif(trim(cluster), ''), '(unnamed cluster)') AS cluster,
        nullif(trim(node), '') AS node,
        nullif(trim(provider_id), '') AS provider_id,
        nullif(namespace, '') AS namespace,
        nullif(pod, '') AS pod,
        nullif(container, '') AS container,
        nullif(controller, '') AS controller,
        nullif(controller_kind, '') AS controller_kind,
        labels,
        utc_time(start_time) AS window_start,
        utc_time(end_time) AS window_end,
        CAST(nullif(cpu_core_hours, '') AS DOUBLE) AS cpu_core_hours,
        greatest(CAST(nullif(cpu_request, '') AS DOUBLE), CAST(nullif(cpu_usage, '') AS DOUBLE)) AS cpu_cores,
        CAST(nullif(ram_byte_hours, '') AS DOUBLE) AS ram_byte_hours,
        greatest(CAST(nullif(ram_request, '') AS DOUBLE), CAST(nullif(ram_usage, '') AS DOUBLE)) AS ram_bytes,
        CAST(nullif(gpu_hours, '') AS DOUBLE) AS gpu_hours,
        source_file
    FROM opencost_src
)
SELECT
    cluster, node, provider_id, namespace, pod, container, controller, controller_kind, labels,
    window_start, window_end,
    coalesce(cpu_core_hours, cpu_cores * epoch(window_end - window_start) / 3600, 0) AS cpu_core_hours,
    coalesce(ram_byte_hours, ram_bytes * epoch(window_end - window_start) / 3600, 0) / 1073741824 AS ram_gib_hours,
    gpu_hours,
    $source_format AS x_source_format,
    source_file AS x_source_file,
    $ingest_id AS x_ingest_id
FROM typed
WHERE CASE
    WHEN cpu_core_hours < 0 OR cpu_cores < 0 OR ram_byte_hours < 0 OR ram_bytes < 0 THEN error(printf(
        'cloudcarbon data rule: %s: the allocation of %s on %s starting %s has a negative CPU or RAM amount; fix or '
        || 're-export the file', source_file, coalesce(namespace || '/' || pod, '(no pod)'), coalesce(node, provider_id),
        strftime(window_start, '%Y-%m-%dT%H:%M:%SZ')))
    ELSE true END
