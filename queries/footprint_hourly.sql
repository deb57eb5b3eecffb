-- `footprint --temporal hourly`: each usage group's operational CO2e at the grid intensity of its hour
-- (METHODOLOGY.md, "Hourly intensity"). Reads `fp` (footprint_rows.sql over usage summed by the --by keys g0..gN,
-- x_hour_utc, x_month_of_year and x_hourly: whether the line covers at most one hour). Intensity at an hour = the
-- annual figure x coef_grid_hourly's ratio for the region's zone, month and UTC hour; lines longer than an hour
-- (daily or monthly exports) and zones without a profile keep the annual figure (ratio 1) and are not counted in
-- hourly_energy_share. Embodied emissions do not depend on the hour.
WITH zones AS (
    SELECT provider, region, any_value(zone ORDER BY year DESC) AS zone FROM coef_grid GROUP BY ALL
),
weighed AS (
    SELECT fp.*, h.ratio IS NOT NULL AS placed,
           coalesce(h.ratio, 1) AS r, coalesce(h.ratio_min, 1) AS r_low, coalesce(h.ratio_max, 1) AS r_high
    FROM fp
    LEFT JOIN zones z ON z.provider = fp.provider AND z.region = fp.region_id
    LEFT JOIN coef_grid_hourly h ON fp.x_hourly AND h.zone = z.zone AND h.month = fp.x_month_of_year
                                  AND h.hour_utc = fp.x_hour_utc
)
SELECT COLUMNS('^g[0-9]+$'),
       exact_sum(vcpu_hours) AS vcpu_hours, exact_sum(gpu_hours) AS gpu_hours,
       exact_sum(energy_kwh) AS energy_kwh, exact_sum(energy_kwh_low) AS energy_kwh_low,
       exact_sum(energy_kwh_high) AS energy_kwh_high,
       exact_sum(operational_kgco2e * r) AS operational_kgco2e,
       exact_sum(operational_kgco2e_low * least(r_low, r)) AS operational_kgco2e_low,
       exact_sum(operational_kgco2e_high * greatest(r_high, r)) AS operational_kgco2e_high,
       exact_sum(embodied_kgco2e) AS embodied_kgco2e, exact_sum(embodied_kgco2e_low) AS embodied_kgco2e_low,
       exact_sum(embodied_kgco2e_high) AS embodied_kgco2e_high,
       exact_sum(operational_kgco2e * r) + exact_sum(embodied_kgco2e) AS total_kgco2e,
       exact_sum(operational_kgco2e_low * least(r_low, r)) + exact_sum(embodied_kgco2e_low) AS total_kgco2e_low,
       exact_sum(operational_kgco2e_high * greatest(r_high, r)) + exact_sum(embodied_kgco2e_high) AS total_kgco2e_high,
       exact_sum(operational_kgco2e) AS operational_kgco2e_annual,
       exact_sum(operational_kgco2e * r) - exact_sum(operational_kgco2e) AS temporal_change_kgco2e,
       100 * (exact_sum(operational_kgco2e * r) - exact_sum(operational_kgco2e))
           / nullif(exact_sum(operational_kgco2e), 0) AS temporal_change_pct,
       exact_sum(CASE WHEN placed THEN energy_kwh ELSE 0 END) / nullif(exact_sum(energy_kwh), 0) AS hourly_energy_share,
       exact_sum(effective_cost) AS cost,
       CASE WHEN count(DISTINCT billing_currency) > 1 THEN 'MIXED' ELSE any_value(billing_currency) END AS currency
FROM weighed
GROUP BY ALL
