-- Where each workload may move: every region of its provider (with $cross_cloud, of every provider), plus its
-- current placement (x_candidate NULL). Reads `workloads` (x_workload, provider_name).
WITH workload_provider AS (
    SELECT x_workload, any_value(lower(provider_name)) AS provider FROM workloads GROUP BY x_workload
)
SELECT wp.x_workload, r.provider AS to_provider, r.region AS x_candidate
FROM workload_provider wp JOIN coef_regions r ON r.provider = wp.provider OR $cross_cloud
UNION ALL
SELECT x_workload, provider, NULL FROM workload_provider
