-- The date format of each Azure export file, chosen once per file from all its Date and
-- BillingPeriodStartDate values (never per row):
--   'iso'  every value starts YYYY-MM-DD (`2020-09-22`, `2019-07-28 00:00:00`, `2023-05-01T00:00:00Z`);
--   'mdy'  every value is a slash date (`9/2/2023`, `08/01/2023`): US month-first, as Azure writes them;
--   'dmy'  slash dates whose first part exceeds 12 somewhere: a day-first (localized) file;
--   NULL   styles mixed within the file: no format is guessed and the connector names the odd value.
-- Reads `az_src`, a CTE the connector provides (connectors/azure/formats.py source_select).
SELECT
    source_file,
    CASE
        WHEN bool_and(regexp_matches(v, '^\d{4}-\d{2}-\d{2}')) THEN 'iso'
        WHEN bool_and(regexp_matches(v, '^\d{1,2}/\d{1,2}/\d{4}$')) THEN
            CASE WHEN max(TRY_CAST(split_part(v, '/', 1) AS INTEGER)) > 12 THEN 'dmy' ELSE 'mdy' END
    END AS fmt
FROM (
    SELECT source_file, trim(usage_date) AS v FROM az_src
    UNION ALL
    SELECT source_file, trim(billing_period_start) FROM az_src
)
WHERE v <> ''
GROUP BY source_file
