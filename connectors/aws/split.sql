-- EKS/ECS split cost allocation (the CUR split_line_item_* columns) -> `aws_split`, which aws/normalize.sql joins
-- to the parent instances' lines. Reads `cur_src` (formats.source_select) and `aws_tag_sets`; no parameters.
-- Each pod (EKS) or task (ECS) has a vCPU line and a memory line per parent instance and hour: SplitUsage is the
-- vCPU or GB allocated to it, max(request, use); SplitUsageRatio that amount over what the instance has.
-- Output: one row per pod or task and parent-hour, plus one 'unallocated' row per parent-hour (the node's unused
-- capacity), with the pod's weight (9 x vCPU + GB, the weights AWS splits cost by), the weight of every pod of
-- the parent-hour and the parent's capacity where the ratios tell it (NULL: normalize.sql takes the instance
-- type's vCPUs and memory). Copies of a line (an export delivered twice) count once: max, not sum.
WITH lines AS (
    SELECT
        CAST(split_line_item_parent_resource_id AS VARCHAR) AS parent,
        utc_time(line_item_usage_start_date) AS usage_start,
        coalesce(nullif(CAST(line_item_resource_id AS VARCHAR), ''), 'unnamed') AS target,
        regexp_matches(CAST(line_item_usage_type AS VARCHAR), 'GB-Hours') AS memory,
        CAST(nullif(CAST(split_line_item_split_usage AS VARCHAR), '') AS DOUBLE) AS split_usage,
        CAST(nullif(CAST(split_line_item_split_usage_ratio AS VARCHAR), '') AS DOUBLE) AS ratio,
        coalesce(ts.tags, cur_src.tags) AS tags  -- as normalize.sql reads them
    FROM cur_src
    LEFT JOIN aws_tag_sets ts ON ts.tag_set = CASE WHEN raw_tags IS NOT NULL THEN hash(raw_tags) END
    WHERE line_item_line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
      AND nullif(CAST(split_line_item_parent_resource_id AS VARCHAR), '') IS NOT NULL
),
targets AS (
    SELECT parent, usage_start, target, any_value(tags) AS tags,
           9 * coalesce(max(split_usage) FILTER (WHERE NOT memory), 0)
               + coalesce(max(split_usage) FILTER (WHERE memory), 0) AS weight,
           max(split_usage / nullif(ratio, 0)) FILTER (WHERE NOT memory) AS vcpu_available,
           max(split_usage / nullif(ratio, 0)) FILTER (WHERE memory) AS gb_available
    FROM lines
    GROUP BY parent, usage_start, target
),
parents AS (
    SELECT parent, usage_start, sum(weight) AS allocated_weight, max(vcpu_available) AS vcpu_available,
           max(gb_available) AS gb_available
    FROM targets
    GROUP BY parent, usage_start
)
SELECT p.parent, p.usage_start, t.target, p.allocated_weight, p.vcpu_available, p.gb_available,
       CASE WHEN t.target = 'unallocated' THEN NULL ELSE t.weight END AS weight,
       -- The target's identity and name: `namespace/pod` from an EKS pod ARN (pod/CLUSTER/NAMESPACE/POD/UID), the
       -- task id from an ECS task ARN (task/CLUSTER/ID), else the id as given.
       map_concat(CASE WHEN t.target <> 'unallocated' THEN t.tags END, MAP {
           'x_AllocatedMethodId': 'aws-split-cost-allocation',
           'x_AllocatedResourceId': t.target,
           'x_AllocatedResourceName': coalesce(
               nullif(regexp_extract(t.target, ':pod/[^/]+/([^/]+/[^/]+)', 1), ''),
               nullif(regexp_extract(t.target, ':task/[^/]+/([^/]+)$', 1), ''), t.target)}) AS tags
FROM parents p
JOIN (SELECT parent, usage_start, target, tags, weight FROM targets
      UNION ALL
      SELECT parent, usage_start, 'unallocated', NULL, NULL FROM parents) t USING (parent, usage_start)
