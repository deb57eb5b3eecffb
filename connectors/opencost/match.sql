-- Each stored allocation (k8s_allocations) with the usage rows of its node that its running time overlaps ->
-- TEMP k8s_match. Reads k8s_allocations, usage and coef_instances; no parameters.
-- A node is found by the last segment of the usage row's resource id (or its x_resource_name: a GKE node's
-- instance name beside GCP's numeric id), which is one of: the node's name (GKE, self-managed), the last segment
-- of its providerID (aws:///zone/i-0abc: the EC2 instance id), or the scale set
-- of an AKS node (providerID .../virtualMachineScaleSets/NAME/virtualMachines/N; node name NAME + 6 characters),
-- whose usage rows cover every instance of the set. Capacity per usage row (resource id and start) is weighted as
-- AWS splits cost: 9 x vCPU-hours + GiB-hours (memory from the instance type where the row gives none).
-- An allocation counts in a usage row for the part of its running time inside the row's period.
WITH allocations AS (
    SELECT rowid AS allocation, *,
           list_distinct(list_filter([
               lower(node),
               lower(regexp_extract(provider_id, '[^/]+$')),
               regexp_extract(lower(provider_id), '/virtualmachinescalesets/([^/]+)', 1),
               regexp_extract(lower(node), '^(.+vmss)[0-9a-z]{6}$', 1)], lambda k: coalesce(k, '') <> '')) AS keys
    FROM k8s_allocations
),
by_key AS (SELECT allocation, unnest(keys) AS k FROM allocations),
nodes AS (
    SELECT u.resource_id, u.charge_period_start,
           max(coalesce(u.charge_period_end, u.charge_period_start + INTERVAL 1 HOUR)) AS charge_period_end,
           coalesce(lower(any_value(u.x_resource_name) FILTER (
                        WHERE lower(u.x_resource_name) IN (SELECT k FROM by_key))),
                    lower(regexp_extract(u.resource_id, '[^/]+$'))) AS k,
           -- Rows the bill already split over pods (CUR split data, FOCUS allocated rows) are not split again.
           bool_or(u.tags['x_AllocatedMethodId'] IS NOT NULL) AS split_already,
           9 * coalesce(sum(u.x_vcpu_hours), 0)
               + coalesce(sum(coalesce(u.x_memory_gib_hours, u.x_instance_hours * i.memory_gib)), 0) AS capacity
    FROM usage u
    LEFT JOIN coef_instances i ON i.provider = lower(u.provider_name) AND i.instance_type = u.x_instance_type
    WHERE u.x_usage_kind IN ('compute', 'gpu')
      AND (lower(regexp_extract(u.resource_id, '[^/]+$')) IN (SELECT k FROM by_key)
           OR lower(u.x_resource_name) IN (SELECT k FROM by_key))
    GROUP BY u.resource_id, u.charge_period_start
)
SELECT a.allocation, any_value(a.x_ingest_id) AS x_ingest_id, n.resource_id, n.charge_period_start,
       any_value(n.split_already) AS split_already, any_value(n.capacity) AS capacity,
       any_value(a.cluster) AS cluster, any_value(a.namespace) AS namespace, any_value(a.pod) AS pod,
       any_value(a.controller) AS controller, any_value(a.labels) AS labels,
       any_value((9 * a.cpu_core_hours + a.ram_gib_hours)
                 * epoch(least(a.window_end, n.charge_period_end) - greatest(a.window_start, n.charge_period_start))
                 / epoch(a.window_end - a.window_start)) AS weight
FROM by_key b
JOIN allocations a USING (allocation)
JOIN nodes n ON n.k = b.k AND n.charge_period_start < a.window_end AND n.charge_period_end > a.window_start
GROUP BY a.allocation, n.resource_id, n.charge_period_start
