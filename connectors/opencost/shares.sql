-- k8s_match (match.sql) -> k8s_shares rows: per node usage row, each pod's share and the unallocated rest. Reads
-- k8s_match; no parameters. A pod's share is its weight (9 x core-hours + GiB-hours, its containers summed) over the
-- row's capacity; pods allocated more than the node has share all of it; the rest is 'unallocated'. The tags are
-- the pod's labels and the k8s.* and x_Allocated* keys `footprint --by k8s:*` reads (cloudcarbon/groupings.py).
WITH pods AS (
    SELECT resource_id, charge_period_start, cluster, namespace, pod, any_value(controller) AS controller,
           any_value(labels) AS labels, sum(weight) AS weight, any_value(capacity) AS capacity
    FROM k8s_match
    WHERE NOT split_already
    GROUP BY resource_id, charge_period_start, cluster, namespace, pod
),
nodes AS (
    SELECT resource_id, charge_period_start, min(cluster) AS cluster, sum(weight) AS allocated,
           greatest(any_value(capacity), sum(weight)) AS whole
    FROM pods
    GROUP BY resource_id, charge_period_start
)
SELECT p.resource_id, p.charge_period_start,
       concat_ws('/', p.cluster, p.namespace, p.pod) AS target,
       CASE WHEN n.whole > 0 THEN p.weight / n.whole ELSE 0 END AS share,
       map_concat(p.labels, map_from_entries(list_filter([
           {'key': 'k8s.cluster.name', 'value': p.cluster},
           {'key': 'k8s.namespace.name', 'value': p.namespace},
           {'key': 'k8s.pod.name', 'value': p.pod},
           {'key': 'k8s.workload.name', 'value': p.controller},
           {'key': 'x_AllocatedMethodId', 'value': 'opencost'},
           {'key': 'x_AllocatedResourceId', 'value': concat_ws('/', p.cluster, p.namespace, p.pod)},
           {'key': 'x_AllocatedResourceName', 'value': concat_ws('/', p.namespace, p.pod)}],
           lambda e: e.value IS NOT NULL))) AS tags
FROM pods p
JOIN nodes n USING (resource_id, charge_period_start)
UNION ALL
SELECT resource_id, charge_period_start, 'unallocated',
       CASE WHEN whole > 0 THEN 1 - allocated / whole ELSE 1 END,
       MAP {'k8s.cluster.name': cluster, 'x_AllocatedMethodId': 'opencost', 'x_AllocatedResourceId': 'unallocated',
            'x_AllocatedResourceName': 'unallocated'}
FROM nodes
