-- A daily time series per value of the `team` tag (Grafana: time column `day`), with the GHG Protocol scopes
-- from the user's point of view and the versions that computed each figure.
SELECT day, coalesce(tags['team'], '(untagged)') AS team,
       sum(total_kgco2e) AS total_kgco2e,
       sum(scope2_kgco2e) AS scope2_kgco2e,
       sum(scope3_kgco2e) AS scope3_kgco2e,
       any_value(coefficients_version) AS coefficients_version
FROM footprint
GROUP BY ALL
ORDER BY day, team
