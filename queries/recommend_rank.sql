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
    -- Figures only: the text columns of the rows shown are joined afterwards (recommend_texts.sql); collecting
    -- them for every candidate (a month ranks hundreds of thousands) held gigabytes in aggregate states.
    SELECT
        x_workload, x_candidate, x_candidate_provider,
        any_value(provider_name) AS provider,
        CASE WHEN min(region_id) = max(region_id) THEN min(region_id) END AS x_single_region,
        strict_sum(vcpu_hours) AS vcpu_hours, strict_sum(gpu_hours) AS gpu_hours,
        strict_sum(energy_kwh) AS energy_kwh, strict_sum(energy_kwh_low) AS energy_kwh_low, strict_sum(energy_kwh_high) AS energy_kwh_high,
        strict_sum(operational_kgco2e) AS operational_kgco2e, strict_sum(operational_kgco2e_low) AS operational_kgco2e_low,
        strict_sum(operational_kgco2e_high) AS operational_kgco2e_high,
        strict_sum(embodied_kgco2e) AS embodied_kgco2e, strict_sum(embodied_kgco2e_low) AS embodied_kgco2e_low,
        strict_sum(embodied_kgco2e_high) AS embodied_kgco2e_high,
        strict_sum(operational_kgco2e) + strict_sum(embodied_kgco2e) AS total_kgco2e,
        strict_sum(operational_kgco2e_low) + strict_sum(embodied_kgco2e_low) AS total_kgco2e_low,
        strict_sum(operational_kgco2e_high) + strict_sum(embodied_kgco2e_high) AS total_kgco2e_high,
        strict_sum(water_onsite_l) AS water_onsite_l, strict_sum(water_grid_l) AS water_grid_l,
        strict_sum(water_l) AS water_l, strict_sum(water_l_low) AS water_l_low, strict_sum(water_l_high) AS water_l_high,
        CASE WHEN bool_or(x_cost IS NULL) OR (x_candidate IS NOT NULL AND bool_and(x_unpriced_move)) THEN NULL
             ELSE strict_sum(x_cost) END AS cost,
        CASE WHEN min(billing_currency) <> max(billing_currency) THEN 'MIXED' ELSE min(billing_currency) END AS currency,
        -- One-off: the data the workload stores, moved to the candidate (0 where it stays; NULL where unpriced).
        CASE WHEN x_candidate IS NULL THEN 0 ELSE coalesce(strict_sum(x_migration_gb), 0) END AS migration_gb,
        CASE WHEN x_candidate IS NULL THEN 0 WHEN bool_or(x_migration_note IS NOT NULL) THEN NULL
             ELSE coalesce(strict_sum(x_migration_gb * x_transfer_usd_per_gb), 0) END AS migration_cost,
        max(x_price_date) AS price_date,
        min(x_price_basis) AS price_basis,  -- 'derived' when any part of the cost is
        CASE WHEN bool_or(x_available = false) THEN false WHEN bool_or(x_available IS NULL) THEN NULL ELSE true END
            AS available,
        -- The texts a constraint names in excluded_reason: min and max, as lists of every row's text would not spill
        -- (the first and last alphabetically when more than two differ; the rows shown list them all).
        min(CASE WHEN x_available = false THEN x_available_note END) AS x_unavailable_first,
        max(CASE WHEN x_available = false THEN x_available_note END) AS x_unavailable_last,
        min(CASE WHEN $max_cost_increase IS NOT NULL THEN x_cost_note END) AS x_cost_first,
        max(CASE WHEN $max_cost_increase IS NOT NULL THEN x_cost_note END) AS x_cost_last,
        -- Energy-weighted, so a workload spread over regions shows its effective intensity and PUE.
        coalesce(strict_sum(operational_kgco2e) * 1000 / nullif(strict_sum(energy_kwh), 0), strict_sum(grid_gco2e_per_kwh) / count(grid_gco2e_per_kwh))
            AS intensity_gco2e_per_kwh,
        bool_or(grid_fallback) AS grid_fallback,
        coalesce(strict_sum(energy_kwh) / nullif(strict_sum(energy_kwh / pue), 0), strict_sum(pue) / count(pue)) AS pue
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
-- Great-circle distance (haversine, Earth radius 6,371 km) between regions, then from a workload's farthest current
-- region (regions first: a month holds thousands of workloads but only a few current regions).
region_distance AS (
    SELECT a.provider AS from_provider, a.region AS from_region, b.provider, b.region,
           2 * 6371 * asin(sqrt(
               pow(sin(radians(b.latitude - a.latitude) / 2), 2)
               + cos(radians(a.latitude)) * cos(radians(b.latitude)) * pow(sin(radians(b.longitude - a.longitude) / 2), 2)
           )) AS distance_km
    FROM (SELECT DISTINCT provider, region_id FROM current_places) cp
    JOIN coef_regions a ON a.provider = cp.provider AND a.region = cp.region_id
    CROSS JOIN coef_regions b
),
-- A workload in one region reads its distances as they are; one spread over several takes its farthest region's.
spread_distance AS (
    SELECT cp.x_workload, d.provider, d.region, max(d.distance_km) AS distance_km
    FROM current_places cp
    JOIN region_distance d ON d.from_provider = cp.provider AND d.from_region = cp.region_id
    WHERE cp.x_workload NOT IN (SELECT x_workload FROM single_place)
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
        CASE WHEN p.x_candidate IS NULL THEN 0 ELSE coalesce(sd.distance_km, md.distance_km) END AS distance_km,
        cfe.cfe_pct, cfe.cfe_year,
        CASE
            WHEN p.x_candidate IS NULL THEN NULL
            WHEN $allow IS NOT NULL AND NOT list_has_any(
                $allow, [lower(p.x_candidate), lower(pl.country), lower(ct.continent), lower(ct.continent_code)])
                THEN 'outside --allow'
            WHEN p.available = false
                THEN concat_ws('; ', p.x_unavailable_first, nullif(p.x_unavailable_last, p.x_unavailable_first))
            WHEN p.grid_fallback THEN 'no grid intensity for ' || p.x_candidate || ' in the coefficient library'
            WHEN $max_distance_km IS NOT NULL
                 AND coalesce(sd.distance_km, md.distance_km, 'infinity'::DOUBLE) > $max_distance_km
                THEN 'farther than --max-distance-km'
            WHEN $max_cost_increase IS NOT NULL AND p.cost IS NULL
                THEN 'no price to check --max-cost-increase: '
                     || coalesce(concat_ws('; ', p.x_cost_first, nullif(p.x_cost_last, p.x_cost_first)), 'current cost unknown')
            WHEN $max_cost_increase IS NOT NULL AND cur.cost IS NULL
                THEN 'current cost unknown: cannot check --max-cost-increase'
            WHEN $max_cost_increase IS NOT NULL AND p.cost - cur.cost > abs(cur.cost) * $max_cost_increase / 100
                THEN 'cost increase above --max-cost-increase'
        END AS excluded_reason
    FROM per p
    JOIN per cur ON cur.x_workload = p.x_workload AND cur.x_candidate IS NULL
    LEFT JOIN coef_regions pl ON pl.provider = p.x_candidate_provider AND pl.region = p.x_candidate
    LEFT JOIN coef_continents ct ON ct.country = pl.country
    LEFT JOIN single_place s ON s.x_workload = p.x_workload
    LEFT JOIN region_distance sd ON sd.from_provider = s.provider AND sd.from_region = s.region_id
        AND sd.provider = p.x_candidate_provider AND sd.region = p.x_candidate
    LEFT JOIN spread_distance md
        ON md.x_workload = p.x_workload AND md.provider = p.x_candidate_provider AND md.region = p.x_candidate
    LEFT JOIN cfe_by_region cfe ON cfe.provider = p.x_candidate_provider
        AND cfe.region = coalesce(p.x_candidate, p.x_single_region)
    -- The current region re-placed in itself is the current row: drop the duplicate.
    WHERE NOT coalesce(s.provider = p.x_candidate_provider AND s.region_id = p.x_candidate, false)
),
kept AS (
    SELECT j.*,
           CASE WHEN $rank_by = 'water' THEN j.water_l
                WHEN $carbon_price IS NULL THEN j.total_kgco2e ELSE j.cost + j.total_kgco2e / 1000 * $carbon_price END
               AS score
    FROM judged j WHERE j.excluded_reason IS NULL
),
-- Rank and Pareto front over the figures they compare only (sorting every column was most of their time).
-- Pareto: no other priced candidate of the workload is as low on both and lower on one. In kgCO2e order, every
-- candidate with less CO2e must cost more, and those level with it no less (min skips the unpriced).
places AS (
    SELECT x_workload, x_candidate, x_candidate_provider,
           rank() OVER (PARTITION BY x_workload ORDER BY score NULLS LAST) AS rank,
           CASE WHEN cost IS NULL THEN NULL WHEN total_kgco2e IS NULL THEN true
                ELSE coalesce(min(cost) OVER (PARTITION BY x_workload ORDER BY total_kgco2e NULLS LAST
                                              RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE GROUP)
                              > cost, true)
                     AND min(cost) OVER (PARTITION BY x_workload ORDER BY total_kgco2e NULLS LAST
                                         RANGE BETWEEN CURRENT ROW AND CURRENT ROW) >= cost
           END AS pareto
    FROM kept
),
ranked AS (
    SELECT k.*, pl.rank, pl.pareto
    FROM kept k
    JOIN places pl ON pl.x_workload = k.x_workload AND pl.x_candidate_provider = k.x_candidate_provider
        AND pl.x_candidate IS NOT DISTINCT FROM k.x_candidate
)
SELECT * FROM ranked
UNION ALL BY NAME
SELECT * FROM judged WHERE excluded_reason IS NOT NULL
