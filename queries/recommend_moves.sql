-- The Map lever: every workload's usage rows as they are (x_candidate NULL) and re-placed in each
-- candidate region of the same provider; with $cross_cloud also in every region of the other providers,
-- on the equivalent instance type (same accelerator model and count, or for CPU types the same vCPUs;
-- nearest memory). Output: usage_input rows for footprint_rows.sql plus what the ranking needs.
-- Input relation `workloads`: usage_input columns plus x_workload (one provider per workload).
-- Parameters: $cross_cloud (boolean), $cost_basis ('list': candidate cost = instance-hours x on-demand
--   price there; 'billed': billed cost + instance-hours x (price there - price here)).
WITH places AS (
    SELECT r.provider, r.region, r.country, c.continent, c.continent_code, r.latitude, r.longitude
    FROM coef_regions r LEFT JOIN coef_continents c ON c.country = r.country
),
workload_provider AS (
    SELECT x_workload, any_value(lower(provider_name)) AS provider FROM workloads GROUP BY x_workload
),
candidates AS (
    SELECT wp.x_workload, pl.provider AS to_provider, pl.region AS x_candidate
    FROM workload_provider wp JOIN places pl ON pl.provider = wp.provider OR $cross_cloud
    UNION ALL
    SELECT x_workload, provider, NULL FROM workload_provider
),
types AS (
    SELECT DISTINCT lower(provider_name) AS provider, x_instance_type FROM workloads
    WHERE x_instance_type IS NOT NULL
),
equivalent AS (
    SELECT t.provider, t.x_instance_type, o.provider AS to_provider,
           arg_min(o.instance_type, CAST(o.instance_type <> s.instance_type AS INTEGER) * 1e9
                   + abs(o.vcpus - s.vcpus) * 1e4 + abs(o.memory_gib - s.memory_gib)) AS to_type
    FROM types t
    JOIN coef_instances s ON s.provider = t.provider AND s.instance_type = t.x_instance_type
    JOIN coef_instances o ON o.provider = t.provider AND o.instance_type = s.instance_type
        OR ($cross_cloud AND o.provider <> t.provider AND coalesce(o.gpu_model, '') = coalesce(s.gpu_model, '')
            AND o.gpu_count = s.gpu_count AND (s.gpu_count > 0 OR o.vcpus = s.vcpus))
    GROUP BY ALL
),
avail_regions AS (SELECT DISTINCT provider, region FROM coef_availability)
SELECT
    w.* REPLACE (
        CASE WHEN c.x_candidate IS NULL OR w.region_id IS NULL THEN w.region_id ELSE c.x_candidate END AS region_id,
        coalesce(tp.display_name, w.provider_name) AS provider_name,
        coalesce(tt.to_type, w.x_instance_type) AS x_instance_type,
        CASE WHEN c.to_provider = lower(w.provider_name) THEN w.x_vcpu_hours
             ELSE w.x_instance_hours * ti.vcpus END AS x_vcpu_hours,
        CASE WHEN c.to_provider = lower(w.provider_name) THEN w.x_gpu_hours
             ELSE w.x_instance_hours * ti.gpu_count END AS x_gpu_hours
    ),
    c.x_candidate,
    c.to_provider AS x_candidate_provider,
    CASE
        WHEN c.x_candidate IS NULL OR w.x_instance_type IS NULL THEN w.effective_cost
        WHEN $cost_basis = 'list' THEN w.x_instance_hours * pn.usd_per_hour
        ELSE w.effective_cost + w.x_instance_hours * (pn.usd_per_hour - pc.usd_per_hour)
    END AS x_cost,
    CASE WHEN c.x_candidate IS NOT NULL AND w.x_instance_type IS NOT NULL AND tt.to_type IS NOT NULL
              AND (pn.usd_per_hour IS NULL OR ($cost_basis = 'billed' AND pc.usd_per_hour IS NULL))
         THEN 'no on-demand price for ' || tt.to_type || ' in ' || c.x_candidate
              || CASE WHEN pn.usd_per_hour IS NOT NULL THEN ' (or in ' || w.region_id || ')' ELSE '' END
         WHEN c.x_candidate IS NOT NULL AND w.x_instance_type IS NULL AND $cost_basis = 'billed'
         THEN coalesce(w.service_name, 'usage') || ' storage/transfer/requests: no regional price'
    END AS x_cost_note,
    -- Billed usage without an instance type re-placed elsewhere: its cost there is not known. A move made of nothing
    -- else has no cost (never an asserted 0); beside priced instance hours it keeps its billed cost (the note says so).
    c.x_candidate IS NOT NULL AND w.x_instance_type IS NULL AND $cost_basis = 'billed' AS x_unpriced_move,
    pn.price_date AS x_price_date,
    pn.price_basis AS x_price_basis,
    CASE
        WHEN c.x_candidate IS NULL OR w.x_instance_type IS NULL THEN true
        WHEN tt.to_type IS NULL THEN false
        WHEN ar.region IS NULL THEN NULL
        ELSE av.instance_type IS NOT NULL
    END AS x_available,
    CASE
        WHEN c.x_candidate IS NULL OR w.x_instance_type IS NULL THEN NULL
        WHEN tt.to_type IS NULL THEN 'no equivalent of ' || w.x_instance_type || ' on ' || c.to_provider
        WHEN ar.region IS NULL THEN 'unknown: no availability source for ' || c.to_provider || ' ' || c.x_candidate
        WHEN av.instance_type IS NULL THEN tt.to_type || ' not offered in ' || c.x_candidate || ' (' || any_source.source || ')'
        ELSE 'offered (' || av.source || ')'
    END AS x_available_note
FROM workloads w
JOIN candidates c ON c.x_workload = w.x_workload
LEFT JOIN equivalent e
    ON e.provider = lower(w.provider_name) AND e.x_instance_type = w.x_instance_type AND e.to_provider = c.to_provider
-- Types missing from the library stay themselves within their provider (the footprint reports them).
CROSS JOIN LATERAL (
    SELECT coalesce(e.to_type, CASE WHEN c.to_provider = lower(w.provider_name) THEN w.x_instance_type END) AS to_type
) tt
LEFT JOIN coef_providers tp ON tp.provider = c.to_provider
LEFT JOIN coef_instances ti ON ti.provider = c.to_provider AND ti.instance_type = tt.to_type
LEFT JOIN coef_prices pc
    ON pc.provider = lower(w.provider_name) AND pc.region = w.region_id AND pc.instance_type = w.x_instance_type
LEFT JOIN coef_prices pn ON pn.provider = c.to_provider AND pn.region = c.x_candidate AND pn.instance_type = tt.to_type
LEFT JOIN avail_regions ar ON ar.provider = c.to_provider AND ar.region = c.x_candidate
LEFT JOIN coef_availability av
    ON av.provider = c.to_provider AND av.region = c.x_candidate AND av.instance_type = tt.to_type
LEFT JOIN (SELECT provider, region, any_value(source) AS source FROM coef_availability GROUP BY ALL) any_source
    ON any_source.provider = c.to_provider AND any_source.region = c.x_candidate
