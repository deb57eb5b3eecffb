-- What-if results per workload and scenario: the footprint of each lever's rows (`fp`: footprint_rows.sql
-- over whatif_levers.sql) with facility energy scaled to the scenario's PUE, summed per workload, costed
-- (the Map move's cost delta and one-off migration cost from relation `map_choice`: x_workload, region, cost_delta,
-- migration_cost), and compared
-- with the workload's current scenario.
-- Mechanization: facility energy scales with PUE.
WITH adjusted AS (
    SELECT x_workload, x_scenario, x_machine_note, billing_currency, effective_cost,
           lower(provider_name) = 'on-premises' AS x_onprem,
           coalesce(x_pue_target / pue, 1) AS k,
           energy_kwh * k AS energy_kwh, operational_kgco2e * k AS operational_kgco2e,
           operational_kgco2e_low * k AS operational_kgco2e_low,
           operational_kgco2e_high * k AS operational_kgco2e_high,
           embodied_kgco2e, embodied_kgco2e_low, embodied_kgco2e_high
    FROM fp
),
per AS (
    SELECT x_workload AS workload, x_scenario AS scenario,
           exact_sum(operational_kgco2e) + exact_sum(embodied_kgco2e) AS kgco2e,
           exact_sum(operational_kgco2e_low) + exact_sum(embodied_kgco2e_low) AS kgco2e_low,
           exact_sum(operational_kgco2e_high) + exact_sum(embodied_kgco2e_high) AS kgco2e_high,
           exact_sum(energy_kwh) AS energy_kwh, exact_sum(operational_kgco2e) AS operational_kgco2e,
           exact_sum(embodied_kgco2e) AS embodied_kgco2e,
           CASE WHEN bool_or(effective_cost IS NULL) THEN NULL ELSE exact_sum(effective_cost) END AS cost,
           CASE WHEN count(DISTINCT billing_currency) > 1 THEN 'MIXED' ELSE any_value(billing_currency) END
               AS currency,
           string_agg(DISTINCT x_machine_note, '; ' ORDER BY x_machine_note) AS machine_note,
           bool_or(x_onprem) AS onprem
    FROM adjusted GROUP BY ALL
),
priced AS (
    -- A move with an unknown price leaves the cost unknown (NULL), never unchanged.
    -- Running on-premises servers in the cloud has a price this tool does not model.
    SELECT p.* REPLACE (CASE WHEN p.onprem AND p.scenario IN ('mechanization', 'combined') THEN NULL
                             ELSE p.cost + CASE WHEN p.scenario IN ('map', 'combined') AND mc.region IS NOT NULL
                                                THEN mc.cost_delta ELSE 0 END END AS cost),
           mc.region AS map_region,
           -- One-off: moving the data of a workload the Map lever moves (NULL where the transfer is unpriced).
           CASE WHEN p.scenario IN ('map', 'combined') AND mc.region IS NOT NULL THEN mc.migration_cost ELSE 0 END
               AS migration_cost
    FROM per p LEFT JOIN map_choice mc ON mc.x_workload = p.workload
)
SELECT p.*, c.kgco2e - p.kgco2e AS kgco2e_saved,
       100 * (c.kgco2e - p.kgco2e) / nullif(c.kgco2e, 0) AS pct_saved, p.cost - c.cost AS cost_delta
FROM priced p JOIN priced c ON c.workload = p.workload AND c.scenario = 'current'
