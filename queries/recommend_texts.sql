-- The text columns of the candidates shown (recommend_rank.sql ranks on figures alone): reads `fp`
-- (footprint_rows.sql over the moves of the shown workload x candidate pairs), one row per pair.
SELECT
    x_workload, x_candidate, x_candidate_provider,
    joined_distinct(list(region_id), ', ') AS region,
    joined_distinct(list(x_instance_type), ', ') AS instance_type,
    joined_distinct(list(water_stress), '; ') AS water_stress,
    joined_distinct(list(x_cost_note), '; ') AS cost_note,
    joined_distinct(list(x_migration_note), '; ') AS migration_note,
    joined_distinct(list(x_available_note), '; ') AS availability_note,
    joined_distinct(list(CAST(grid_year AS VARCHAR)), ', ') AS intensity_year,
    joined_distinct(list(grid_signal), '; ') AS intensity_signal,
    joined_distinct(list(grid_source), '; ') AS intensity_source,
    joined_distinct(list(pue_source), '; ') AS pue_source
FROM fp
GROUP BY x_workload, x_candidate, x_candidate_provider
