-- Candidate regions per workload, judged and ranked on the figures the order and the constraints read (the rows
-- shown get every figure and text from recommend_rows.sql). Reads `fp` (footprint_rows.sql over the rows of
-- recommend_moves.sql) and `workloads`.
-- Hard constraints (a failing candidate gets excluded_reason and no rank): $allow (list of regions,
-- ISO country codes or continents/continent codes; NULL = anywhere), availability where a source exists,
-- a region without its own grid intensity, $max_distance_km from every current region (haversine),
-- $max_cost_increase (percent).
-- Order: total kgCO2e (location-based), or with $carbon_price (USD per tonne) cost + carbon price x tCO2e, or with
-- $rank_by = 'water' the litres of water consumed (on site and in generating the electricity).
-- The Pareto front of (kgCO2e, cost) among the kept candidates with a known cost is marked.
-- Output: one row per workload x candidate (x_candidate NULL: where it runs now) with current, rank, pareto,
-- excluded_reason, distance_km, score and cost (NULL: unpriced).
WITH per AS (
    -- A month ranks hundreds of thousands of candidates: only the sums the ranking needs, as exact decimals (one
    -- aggregate each, so the hash table spills within the memory limit).
    SELECT
        x_workload, x_candidate, x_candidate_provider,
        strict_sum(operational_kgco2e) + strict_sum(embodied_kgco2e) AS total_kgco2e,
        strict_sum(water_l) AS water_l,
        CASE WHEN bool_or(x_cost IS NULL) OR (x_candidate IS NOT NULL AND bool_and(x_unpriced_move)) THEN NULL
             ELSE strict_sum(x_cost) END AS cost,
        CASE WHEN bool_or(x_available = false) THEN false WHEN bool_or(x_available IS NULL) THEN NULL ELSE true END
            AS available,
        -- The texts a constraint names in excluded_reason: min and max, as lists of every row's text would not spill
        -- (the first and last alphabetically when more than two differ; availability_note lists them all).
        min(CASE WHEN x_available = false THEN x_available_note END) AS x_unavailable_first,
        max(CASE WHEN x_available = false THEN x_available_note END) AS x_unavailable_last,
        min(CASE WHEN $max_cost_increase IS NOT NULL THEN x_cost_note END) AS x_cost_first,
        max(CASE WHEN $max_cost_increase IS NOT NULL THEN x_cost_note END) AS x_cost_last,
        bool_or(grid_fallback) AS grid_fallback
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
        p.x_workload, p.x_candidate, p.x_candidate_provider, p.total_kgco2e, p.water_l, p.cost,
        p.x_candidate IS NULL AS current,
        CASE WHEN p.x_candidate IS NULL THEN 0 ELSE coalesce(sd.distance_km, md.distance_km) END AS distance_km,
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
-- Pareto: no other priced candidate of the workload is as low on both and lower on one. In kgCO2e order, every
-- candidate with less CO2e must cost more, and those level with it no less (min skips the unpriced).
ranked AS (
    SELECT *,
           rank() OVER (PARTITION BY x_workload ORDER BY score NULLS LAST) AS rank,
           CASE WHEN cost IS NULL THEN NULL WHEN total_kgco2e IS NULL THEN true
                ELSE coalesce(min(cost) OVER (PARTITION BY x_workload ORDER BY total_kgco2e NULLS LAST
                                              RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE GROUP)
                              > cost, true)
                     AND min(cost) OVER (PARTITION BY x_workload ORDER BY total_kgco2e NULLS LAST
                                         RANGE BETWEEN CURRENT ROW AND CURRENT ROW) >= cost
           END AS pareto
    FROM kept
)
SELECT * EXCLUDE (total_kgco2e, water_l) FROM ranked
UNION ALL BY NAME
SELECT * EXCLUDE (total_kgco2e, water_l) FROM judged WHERE excluded_reason IS NOT NULL
