-- Every figure and text of the candidates shown (recommend_rank.sql judged and ranked them all): reads `fp`
-- (footprint_rows.sql over the moves of the shown workload x candidate pairs), `shown` (recommend_rank.sql's rows
-- of those pairs) and `cfe_by_region` (provider, region, cfe_pct, cfe_year; shown beside, never used to rank).
-- Each workload's current placement is among the pairs shown: the savings are against it.
WITH per AS (
    SELECT
        x_workload, x_candidate, x_candidate_provider,
        any_value(provider_name) AS provider,
        joined_distinct(list(region_id), ', ') AS region,
        joined_distinct(list(x_instance_type), ', ') AS instance_type,
        strict_sum(vcpu_hours) AS vcpu_hours, strict_sum(gpu_hours) AS gpu_hours,
        strict_sum(energy_kwh) AS energy_kwh, strict_sum(energy_kwh_low) AS energy_kwh_low,
        strict_sum(energy_kwh_high) AS energy_kwh_high,
        strict_sum(operational_kgco2e) AS operational_kgco2e, strict_sum(operational_kgco2e_low) AS operational_kgco2e_low,
        strict_sum(operational_kgco2e_high) AS operational_kgco2e_high,
        strict_sum(embodied_kgco2e) AS embodied_kgco2e, strict_sum(embodied_kgco2e_low) AS embodied_kgco2e_low,
        strict_sum(embodied_kgco2e_high) AS embodied_kgco2e_high,
        strict_sum(operational_kgco2e) + strict_sum(embodied_kgco2e) AS total_kgco2e,
        strict_sum(operational_kgco2e_low) + strict_sum(embodied_kgco2e_low) AS total_kgco2e_low,
        strict_sum(operational_kgco2e_high) + strict_sum(embodied_kgco2e_high) AS total_kgco2e_high,
        strict_sum(water_onsite_l) AS water_onsite_l, strict_sum(water_grid_l) AS water_grid_l,
        strict_sum(water_l) AS water_l, strict_sum(water_l_low) AS water_l_low, strict_sum(water_l_high) AS water_l_high,
        joined_distinct(list(water_stress), '; ') AS water_stress,
        CASE WHEN bool_or(x_cost IS NULL) OR (x_candidate IS NOT NULL AND bool_and(x_unpriced_move)) THEN NULL
             ELSE strict_sum(x_cost) END AS cost,
        CASE WHEN min(billing_currency) <> max(billing_currency) THEN 'MIXED' ELSE min(billing_currency) END AS currency,
        joined_distinct(list(x_cost_note), '; ') AS cost_note,
        -- One-off: the data the workload stores, moved to the candidate (0 where it stays; NULL where unpriced).
        CASE WHEN x_candidate IS NULL THEN 0 ELSE coalesce(strict_sum(x_migration_gb), 0) END AS migration_gb,
        CASE WHEN x_candidate IS NULL THEN 0 WHEN bool_or(x_migration_note IS NOT NULL) THEN NULL
             ELSE coalesce(strict_sum(x_migration_gb * x_transfer_usd_per_gb), 0) END AS migration_cost,
        joined_distinct(list(x_migration_note), '; ') AS migration_note,
        max(x_price_date) AS price_date,
        min(x_price_basis) AS price_basis,  -- 'derived' when any part of the cost is
        CASE WHEN bool_or(x_available = false) THEN false WHEN bool_or(x_available IS NULL) THEN NULL ELSE true END
            AS available,
        joined_distinct(list(x_available_note), '; ') AS availability_note,
        -- Energy-weighted, so a workload spread over regions shows its effective intensity and PUE.
        coalesce(strict_sum(operational_kgco2e) * 1000 / nullif(strict_sum(energy_kwh), 0),
                 strict_sum(grid_gco2e_per_kwh) / count(grid_gco2e_per_kwh)) AS intensity_gco2e_per_kwh,
        joined_distinct(list(CAST(grid_year AS VARCHAR)), ', ') AS intensity_year,
        joined_distinct(list(grid_signal), '; ') AS intensity_signal,
        joined_distinct(list(grid_source), '; ') AS intensity_source,
        coalesce(strict_sum(energy_kwh) / nullif(strict_sum(energy_kwh / pue), 0), strict_sum(pue) / count(pue)) AS pue,
        joined_distinct(list(pue_source), '; ') AS pue_source
    FROM fp
    GROUP BY x_workload, x_candidate, x_candidate_provider
)
SELECT
    p.*,
    s.current, s.rank, s.pareto, s.excluded_reason, s.distance_km, s.score,
    pl.country, ct.continent,
    cur.total_kgco2e - p.total_kgco2e AS kgco2e_saved,
    cur.water_l - p.water_l AS water_l_saved,
    100 * (cur.total_kgco2e - p.total_kgco2e) / nullif(cur.total_kgco2e, 0) AS pct_saved,
    p.cost - cur.cost AS cost_delta,
    100 * (p.cost - cur.cost) / nullif(cur.cost, 0) AS cost_delta_pct,
    -- Months of the saving that pay the one-off move back (only a move that saves money pays back).
    CASE WHEN p.cost < cur.cost THEN p.migration_cost / (cur.cost - p.cost) END AS payback_months,
    cfe.cfe_pct, cfe.cfe_year
FROM per p
JOIN shown s ON s.x_workload = p.x_workload AND s.x_candidate_provider = p.x_candidate_provider
    AND s.x_candidate IS NOT DISTINCT FROM p.x_candidate
JOIN per cur ON cur.x_workload = p.x_workload AND cur.x_candidate IS NULL
LEFT JOIN coef_regions pl ON pl.provider = p.x_candidate_provider AND pl.region = p.x_candidate
LEFT JOIN coef_continents ct ON ct.country = pl.country
LEFT JOIN cfe_by_region cfe ON cfe.provider = p.x_candidate_provider AND cfe.region = coalesce(p.x_candidate, p.region)
