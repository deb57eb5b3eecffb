-- The Map lever: every workload's usage rows as they are (x_candidate NULL) and re-placed in each
-- candidate region of the same provider; with $cross_cloud also in every region of the other providers,
-- on the equivalent instance type (same accelerator model and count, or for CPU types the same vCPUs;
-- nearest memory). Output: usage_input rows for footprint_rows.sql plus what the ranking needs.
-- Input relations `workloads` (usage_input columns plus x_workload, one provider per workload) and `candidates`
-- (x_workload, to_provider, x_candidate: recommend_candidates.sql, or the pairs being described).
-- Parameters: $cross_cloud (boolean), $cost_basis ('list': candidate cost = quantity x list price there;
--   'billed': billed cost + quantity x (list price there - list price here)), $price_basis ('list', or
--   'effective': with 'billed', the price difference x the discount the bill shows for the row's price key:
--   billed cost / quantity x list price here, over the workloads' rows of that provider and key).
-- Quantities and prices: instance-hours x on-demand USD/h (coef_prices); storage GB-months (GiB-hours x 1.073741824
--   / 730) x USD per GB-month of the row's class (coef_storage_prices); network GB x internet egress USD/GB
--   (coef_transfer_prices, 'internet'). x_transfer_usd_per_gb: moving the row's stored data to the candidate
--   (the provider's inter-region rate, or internet egress to another provider).
WITH types AS (
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
avail_regions AS (SELECT DISTINCT provider, region FROM coef_availability),
-- Each row's quantity, its price key and its list price where it runs now.
priced_here AS (
    SELECT w.*, lower(w.provider_name) AS x_provider,
           CASE WHEN w.x_instance_type IS NOT NULL THEN 'instance'
                WHEN w.x_storage_class = 'block' THEN CASE WHEN w.x_storage_media = 'hdd' THEN 'block-hdd'
                                                          ELSE 'block-ssd' END
                WHEN w.x_storage_class IN ('object', 'archive') AND coalesce(w.x_storage_gib_hours, 0) > 0
                    THEN w.x_storage_class
                WHEN coalesce(w.x_network_gb, 0) > 0 THEN 'internet'
           END AS x_price_class,
           CASE WHEN w.x_instance_type IS NOT NULL THEN w.x_instance_hours
                WHEN w.x_storage_class IN ('block', 'object', 'archive') AND coalesce(w.x_storage_gib_hours, 0) > 0
                    THEN w.x_storage_gib_hours * 1.073741824 / 730
                WHEN coalesce(w.x_network_gb, 0) > 0 THEN w.x_network_gb
           END AS x_quantity,
           coalesce(ci.family, w.x_storage_class, 'transfer') AS x_price_key
    FROM workloads w
    LEFT JOIN coef_instances ci ON ci.provider = lower(w.provider_name) AND ci.instance_type = w.x_instance_type
),
list_here AS (
    SELECT h.*, CASE h.x_price_class WHEN 'instance' THEN ph.usd_per_hour WHEN 'internet' THEN eh.usd_per_gb
                                     ELSE sh.usd_per_gb_month END AS x_price_here
    FROM priced_here h
    LEFT JOIN coef_prices ph
        ON ph.provider = h.x_provider AND ph.region = h.region_id AND ph.instance_type = h.x_instance_type
    LEFT JOIN coef_storage_prices sh
        ON sh.provider = h.x_provider AND sh.region = h.region_id AND sh.storage_class = h.x_price_class
    LEFT JOIN coef_transfer_prices eh
        ON eh.provider = h.x_provider AND eh.from_region = h.region_id AND eh.to_region = 'internet'
        AND h.x_price_class = 'internet'
),
-- What the bill pays per unit of list price, per provider and price key (family, storage class, transfer).
discounts AS (
    SELECT x_provider, x_price_key, sum(effective_cost) / nullif(sum(x_quantity * x_price_here), 0) AS ratio
    FROM list_here WHERE $price_basis = 'effective' AND x_price_here > 0
    GROUP BY ALL
)
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
        WHEN c.x_candidate IS NULL OR w.x_price_class IS NULL THEN w.effective_cost
        WHEN w.x_price_class = 'instance' AND $cost_basis = 'list' THEN w.x_quantity * pn.usd_per_hour
        WHEN w.x_price_class = 'instance'
            THEN w.effective_cost + w.x_quantity * (pn.usd_per_hour - w.x_price_here) * coalesce(d.ratio, 1)
        WHEN x_price_there IS NULL OR w.x_price_here IS NULL THEN w.effective_cost  -- unpriced: kept, flagged
        ELSE w.effective_cost + w.x_quantity * (x_price_there - w.x_price_here) * coalesce(d.ratio, 1)
    END AS x_cost,
    CASE WHEN c.x_candidate IS NOT NULL AND w.x_price_class = 'instance' AND tt.to_type IS NOT NULL
              AND (pn.usd_per_hour IS NULL OR ($cost_basis = 'billed' AND w.x_price_here IS NULL))
         THEN 'no on-demand price for ' || tt.to_type || ' in ' || c.x_candidate
              || CASE WHEN pn.usd_per_hour IS NOT NULL THEN ' (or in ' || w.region_id || ')' ELSE '' END
         WHEN c.x_candidate IS NOT NULL AND w.x_price_class IS DISTINCT FROM 'instance' AND $cost_basis = 'billed'
              AND (x_price_there IS NULL OR w.x_price_here IS NULL)
         THEN coalesce(w.service_name, 'usage') || ' ' || CASE
                  WHEN w.x_price_class IS NULL THEN 'requests and other charges: no regional price'
                  WHEN w.x_price_class = 'internet' THEN 'data transfer: no internet egress price for '
                      || CASE WHEN x_price_there IS NULL THEN c.x_candidate ELSE w.region_id END
                  ELSE w.x_price_class || ' storage: no price for ' || CASE WHEN x_price_there IS NULL
                      THEN c.x_candidate ELSE w.region_id END END
    END AS x_cost_note,
    -- Billed usage re-placed elsewhere without a price there (or here): its cost there is not known. A move made of
    -- nothing else has no cost (never an asserted 0); beside priced rows it keeps its billed cost (the note says so).
    c.x_candidate IS NOT NULL AND $cost_basis = 'billed' AND w.x_price_class IS DISTINCT FROM 'instance'
        AND (x_price_there IS NULL OR w.x_price_here IS NULL) AS x_unpriced_move,
        -- Moving the data a row stores: its mean GB stored over the window ($window_hours long) x the transfer price.
    CASE WHEN c.x_candidate IS NOT NULL AND coalesce(w.x_storage_gib_hours, 0) > 0
         THEN w.x_storage_gib_hours * 1.073741824 / $window_hours END AS x_migration_gb,
    CASE WHEN c.to_provider = w.x_provider THEN coalesce(tpair.usd_per_gb, tany.usd_per_gb) ELSE ti_out.usd_per_gb
    END AS x_transfer_usd_per_gb,
    CASE WHEN c.x_candidate IS NOT NULL AND coalesce(w.x_storage_gib_hours, 0) > 0
              AND CASE WHEN c.to_provider = w.x_provider THEN coalesce(tpair.usd_per_gb, tany.usd_per_gb)
                       ELSE ti_out.usd_per_gb END IS NULL
         THEN 'moving the data: no transfer price out of ' || w.region_id END AS x_migration_note,
    CASE WHEN w.x_price_class = 'instance' THEN pn.price_date
         WHEN w.x_price_class = 'internet' THEN en.price_date ELSE sn.price_date END AS x_price_date,
    CASE WHEN w.x_price_class = 'instance' THEN pn.price_basis
         WHEN w.x_price_class = 'internet' THEN en.price_basis ELSE sn.price_basis END AS x_price_basis,
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
FROM list_here w
JOIN candidates c ON c.x_workload = w.x_workload
LEFT JOIN equivalent e
    ON e.provider = lower(w.provider_name) AND e.x_instance_type = w.x_instance_type AND e.to_provider = c.to_provider
-- Types missing from the library stay themselves within their provider (the footprint reports them).
CROSS JOIN LATERAL (
    SELECT coalesce(e.to_type, CASE WHEN c.to_provider = lower(w.provider_name) THEN w.x_instance_type END) AS to_type
) tt
LEFT JOIN coef_providers tp ON tp.provider = c.to_provider
LEFT JOIN coef_instances ti ON ti.provider = c.to_provider AND ti.instance_type = tt.to_type
LEFT JOIN coef_prices pn ON pn.provider = c.to_provider AND pn.region = c.x_candidate AND pn.instance_type = tt.to_type
LEFT JOIN coef_storage_prices sn
    ON sn.provider = c.to_provider AND sn.region = c.x_candidate AND sn.storage_class = w.x_price_class
LEFT JOIN coef_transfer_prices en
    ON en.provider = c.to_provider AND en.from_region = c.x_candidate AND en.to_region = 'internet'
    AND w.x_price_class = 'internet'
CROSS JOIN LATERAL (SELECT CASE w.x_price_class WHEN 'internet' THEN en.usd_per_gb WHEN 'instance' THEN NULL
                                ELSE sn.usd_per_gb_month END AS x_price_there) there
LEFT JOIN discounts d ON d.x_provider = w.x_provider AND d.x_price_key = w.x_price_key
LEFT JOIN coef_transfer_prices tpair
    ON tpair.provider = w.x_provider AND tpair.from_region = w.region_id AND tpair.to_region = c.x_candidate
LEFT JOIN coef_transfer_prices tany ON tany.provider = w.x_provider AND tany.from_region = w.region_id AND tany.to_region = '*'
LEFT JOIN coef_transfer_prices ti_out
    ON ti_out.provider = w.x_provider AND ti_out.from_region = w.region_id AND ti_out.to_region = 'internet' 
LEFT JOIN avail_regions ar ON ar.provider = c.to_provider AND ar.region = c.x_candidate
LEFT JOIN coef_availability av
    ON av.provider = c.to_provider AND av.region = c.x_candidate AND av.instance_type = tt.to_type
LEFT JOIN (SELECT provider, region, any_value(source) AS source FROM coef_availability GROUP BY ALL) any_source
    ON any_source.provider = c.to_provider AND any_source.region = c.x_candidate
