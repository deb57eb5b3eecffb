-- Helpers every analysis query may use, created as TEMP macros on the connection.
-- exact_sum: DuckDB adds doubles in whatever order its threads finish, so a plain sum() can differ in
-- the last digit between two runs over the same store. Summing as DECIMAL(38, 18) is exact, so the
-- same store always prints the same figures, and keeps 1e-18 of a unit (tiny figures keep their digits).
-- Its 20 integer digits hold the sum whenever max |x| times count < 1e19; beyond that the float sum is
-- taken, up to 1e20: DuckDB computes the decimal sum whatever the CASE picks, so a sum of 1e20 or more (no
-- real bill comes near) stops the query (the stored footprint says so: stored_footprint.SUM_OVERFLOW).
CREATE OR REPLACE TEMP MACRO exact_sum(x) AS
    CASE WHEN max(abs(x)) * count(x) < 1e19 THEN CAST(sum(TRY_CAST(x AS DECIMAL(38, 18))) AS DOUBLE)
         ELSE sum(x) END;
-- decimal_sum: the same for figures stored as DECIMAL(38, 18) (the footprint table): exact, and twice as fast.
CREATE OR REPLACE TEMP MACRO decimal_sum(x) AS CAST(sum(x) AS DOUBLE);
-- strict_sum: exact_sum in one aggregate instead of four, for queries over hundreds of thousands of groups (the
-- ranking of candidate regions), whose aggregate must spill within the memory limit: an addend of 1e20 or more (no
-- real figure comes near) stops the query with a conversion error instead of falling back to the float sum.
CREATE OR REPLACE TEMP MACRO strict_sum(x) AS CAST(sum(CAST(x AS DECIMAL(38, 18))) AS DOUBLE);
-- quantity_sum: strict_sum for a consumed quantity, in the export's own unit: a day of one GCP storage group can hold
-- 1e20 byte-seconds (a petabyte), so it keeps 26 integer digits and 1e-12 of a unit.
CREATE OR REPLACE TEMP MACRO quantity_sum(x) AS CAST(sum(CAST(x AS DECIMAL(38, 12))) AS DOUBLE);
-- joined_distinct: the distinct non-NULL values of a list, sorted and joined (NULL when none), as
-- string_agg(DISTINCT x, sep ORDER BY x) gives them; over list(x) it aggregates about twice as fast.
CREATE OR REPLACE TEMP MACRO joined_distinct(values, sep) AS
    nullif(array_to_string(list_sort(list_distinct(values)), sep), '');
-- telemetry_covers: whether a telemetry series (queries/migrations/0006_telemetry.sql) describes a usage row: the
-- same resource (the id's last path segment, so an ARN or a GCP/Azure resource path matches its instance id or
-- name), for `host` also the row's Name/hostname tag, for `tag:KEY` the row's tag KEY; and overlapping times.
CREATE OR REPLACE TEMP MACRO telemetry_covers(match_on, match_value, window_start, window_end, resource_id, tags,
                                              period_start, period_end) AS
    (CASE WHEN match_on LIKE 'tag:%' THEN tags[match_on[5:]] = match_value
          ELSE lower(regexp_extract(resource_id, '[^/]+$')) = lower(match_value)
               OR (match_on = 'host' AND lower(coalesce(tags['Name'], tags['name'], tags['hostname'], tags['host']))
                   = lower(match_value)) END)
    AND period_start <= window_end AND coalesce(period_end, period_start + INTERVAL 1 HOUR) > window_start;
