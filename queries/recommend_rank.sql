-- Candidate regions per workload, judged and ranked. Reads `fp` (footprint_rows.sql over the rows of
-- recommend_moves.sql), `workloads`, and `cfe_by_region` (provider, region, cfe_pct, cfe_year; shown
-- beside, never used to rank).
-- Hard constraints (a failing candidate gets excluded_reason and no rank): $allow (list of regions,
-- ISO country codes or continents/continent codes; NULL = anywhere), availability where a source exists,
-- a region without its own grid intensity, $max_distance_km from every current region (haversine),
-- $max_cost_increase (percent).
-- Order: total kgCO2e (location-based), or with $carbon_price (USD per tonne) cost + carbon price x tCO2e, or with
-- $rank_by = 'water' the litres of water consumed (on site and in generating the electricity).
-- The Pareto front of (kgCO2e, cost) among the kept candidates with a known cost is marked.
WITH per AS (
    SELECT
        x_workload, x_candidate, x_candidate_provider,
        any_value(provider_name) AS provider,
        joined_distinct(list(DISTINCT region_id), ', ') AS region,
        joined_distinct(list(DISTINCT x_instance_type), ', ') AS instance_type,
        exact_sum(vcpu_hours) AS vcpu_hours, exact_sum(gpu_hours) AS gpu_hours,
        exact_sum(energy_kwh) AS energy_kwh, exact_sum(energy_kwh_low) AS energy_kwh_low, exact_sum(energy_kwh_high) AS energy_kwh_high,
        exact_sum(operational_kgco2e) AS operational_kgco2e, exact_sum(operational_kgco2e_low) AS operational_kgco2e_low,
        exact_sum(operational_kgco2e_high) AS operational_kgco2e_high,
        exact_sum(embodied_kgco2e) AS embodied_kgco2e, exact_sum(embodied_kgco2e_low) AS embodied_kgco2e_low,
        exact_sum(embodied_kgco2e_high) AS embodied_kgco2e_high,
        exact_sum(operational_kgco2e) + exact_sum(embodied_kgco2e) AS total_kgco2e,
        exact_sum(operational_kgco2e_low) + exact_sum(embodied_kgco2e_low) AS total_kgco2e_low,
        exact_sum(operational_kgco2e_high) + exact_sum(embodied_kgco2e_high) AS total_kgco2e_high,
        exact_sum(water_onsite_l) AS water_onsite_l, exact_sum(water_grid_l) AS water_grid_l,
        exact_sum(water_l) AS water_l, exact_sum(water_l_low) AS water_l_low, exact_sum(water_l_high) AS water_l_high,
        joined_distinct(list(DISTINCT water_stress), '; ') AS water_stress,
        CASE WHEN bool_or(x_cost IS NULL) OR (x_candidate IS NOT NULL AND bool_and(x_unpriced_move)) THEN NULL
             ELSE exact_sum(x_cost) END AS cost,
        CASE WHEN count(DISTINCT billing_currency) > 1 THEN 'MIXED' ELSE any_value(billing_currency) END AS currency,
        joined_distinct(list(DISTINCT x_cost_note), '; ') AS cost_note,
        -- One-off: the data the workload stores, moved to the candidate (0 where it stays; NULL where unpriced).
        CASE WHEN x_candidate IS NULL THEN 0 ELSE coalesce(exact_sum(x_migration_gb), 0) END AS migration_gb,
        CASE WHEN x_candidate IS NULL THEN 0 WHEN bool_or(x_migration_note IS NOT NULL) THEN NULL
             ELSE coalesce(exact_sum(x_migration_gb * x_transfer_usd_per_gb), 0) END AS migration_cost,
        joined_distinct(list(DISTINCT x_migration_note), '; ') AS migration_note,
        max(x_price_date) AS price_date,
        min(x_price_basis) AS price_basis,  -- 'derived' when any part of the cost is
        CASE WHEN bool_or(x_available = false) THEN false WHEN bool_or(x_available IS NULL) THEN NULL ELSE true END
            AS available,
        joined_distinct(list(DISTINCT x_available_note), '; ') AS availability_note,
        -- Energy-weighted, so a workload spread over regions shows its effective intensity and PUE.
        coalesce(exact_sum(operational_kgco2e) * 1000 / nullif(exact_sum(energy_kwh), 0), exact_sum(grid_gco2e_per_kwh) / count(grid_gco2e_per_kwh))
            AS intensity_gco2e_per_kwh,
        joined_distinct(list(CAST(grid_year AS VARCHAR)), ', ') AS intensity_year,
        joined_distinct(list(DISTINCT grid_signal), '; ') AS intensity_signal,
        joined_distinct(list(DISTINCT grid_source), '; ') AS intensity_source,
        bool_or(grid_fallback) AS grid_fallback,
        coalesce(exact_sum(energy_kwh) / nullif(exact_sum(energy_kwh / pue), 0), exact_sum(pue) / count(pue)) AS pue,
        joined_distinct(list(DISTINCT pue_source), '; ') AS pue_source
    FROM fp
    GROUP BY x_workload, x_candidate, x_candidate_provider
),
current_places AS (
    SELECT DISTINCT w.x_workload, lower(w.provider_name) AS provider, w.region_id FROM workloads w
),
single_place AS (
    SELECT x_workload, any_value(provider) AS provider, any_value(region_id) AS region_id
    FROM current_places GROUP BY x_workload HAVING count(*) = 1
),
-- Great-circle distance (haversine, Earth radius 6,371 km) from the farthest current region.
distance AS (
    SELECT cp.x_workload, b.provider, b.region,
           max(2 * 6371 * asin(sqrt(
               pow(sin(radians(b.latitude - a.latitude) / 2), 2)
               + cos(radians(a.latitude)) * cos(radians(b.latitude)) * pow(sin(radians(b.longitude - a.longitude) / 2), 2)
           ))) AS distance_km
    FROM current_places cp
    JOIN coef_regions a ON a.provider = cp.provider AND a.region = cp.region_id
    CROSS JOIN coef_regions b
    GROUP BY ALL
),
judged AS (
    SELECT
        p.*,
        p.x_candidate IS NULL AS current,
        pl.country, ct.continent,
        cur.total_kgco2e - p.total_kgco2e AS kgco2e_saved,
        cur.water_l - p.water_l AS water_l_saved,
        100 * (cur.total_kgco2e - p.total_kgco2e) / nullif(cur.total_kgco2e, 0) AS pct_saved,
        p.cost - cur.cost AS cost_delta,
        100 * (p.cost - cur.cost) / nullif(cur.cost, 0) AS cost_delta_pct,
        -- Months of the saving that pay the one-off move back (only a move that saves money pays back).
        CASE WHEN p.cost < cur.cost THEN p.migration_cost / (cur.cost - p.cost) END AS payback_months,
        CASE WHEN p.x_candidate IS NULL THEN 0 ELSE d.distance_km END AS distance_km,
        cfe.cfe_pct, cfe.cfe_year,
        CASE
            WHEN p.x_candidate IS NULL THEN NULL
            WHEN $allow IS NOT NULL AND NOT list_has_any(
                $allow, [lower(p.x_candidate), lower(pl.country), lower(ct.continent), lower(ct.continent_code)])
                THEN 'outside --allow'
            WHEN p.available = false THEN p.availability_note
            WHEN p.grid_fallback THEN 'no grid intensity for ' || p.x_candidate || ' in the coefficient library'
            WHEN $max_distance_km IS NOT NULL AND (d.distance_km IS NULL OR d.distance_km > $max_distance_km)
                THEN 'farther than --max-distance-km'
            WHEN $max_cost_increase IS NOT NULL AND p.cost IS NULL
                THEN 'no price to check --max-cost-increase: ' || coalesce(p.cost_note, 'current cost unknown')
            WHEN $max_cost_increase IS NOT NULL AND cur.cost IS NULL
                THEN 'current cost unknown: cannot check --max-cost-increase'
            WHEN $max_cost_increase IS NOT NULL AND p.cost - cur.cost > abs(cur.cost) * $max_cost_increase / 100
                THEN 'cost increase above --max-cost-increase'
        END AS excluded_reason
    FROM per p
    JOIN per cur ON cur.x_workload = p.x_workload AND cur.x_candidate IS NULL
    LEFT JOIN coef_regions pl ON pl.provider = p.x_candidate_provider AND pl.region = p.x_candidate
    LEFT JOIN coef_continents ct ON ct.country = pl.country
    LEFT JOIN distance d
        ON d.x_workload = p.x_workload AND d.provider = p.x_candidate_provider AND d.region = p.x_candidate
    LEFT JOIN cfe_by_region cfe ON cfe.provider = p.x_candidate_provider
        AND cfe.region = coalesce(p.x_candidate, p.region)
    -- The current region re-placed in itself is the current row: drop the duplicate.
    WHERE NOT EXISTS (SELECT 1 FROM single_place s WHERE s.x_workload = p.x_workload
                      AND s.provider = p.x_candidate_provider AND s.region_id = p.x_candidate)
),
kept AS (
    SELECT j.*,
           CASE WHEN $rank_by = 'water' THEN j.water_l
                WHEN $carbon_price IS NULL THEN j.total_kgco2e ELSE j.cost + j.total_kgco2e / 1000 * $carbon_price END
               AS score
    FROM judged j WHERE j.excluded_reason IS NULL
),
ranked AS (
    SELECT k.*,
           rank() OVER (PARTITION BY k.x_workload ORDER BY k.score NULLS LAST) AS rank,
           CASE WHEN k.cost IS NULL THEN NULL ELSE NOT EXISTS (
               SELECT 1 FROM kept o
               WHERE o.x_workload = k.x_workload AND o.cost IS NOT NULL
                 AND o.total_kgco2e <= k.total_kgco2e AND o.cost <= k.cost
                 AND (o.total_kgco2e < k.total_kgco2e OR o.cost < k.cost)
           ) END AS pareto
    FROM kept k
)
SELECT * FROM ranked
UNION ALL BY NAME
SELECT * FROM judged WHERE excluded_reason IS NOT NULL
