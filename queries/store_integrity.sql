-- Integrity problems of a store, one row each (empty when healthy): see cloudcarbon/doctor.py.
-- The period an ingest replaced is the unit of atomic reload, so every (provider, billing account,
-- billing period) must hold the rows of exactly one ingest: the latest that logged it, with the
-- row count it logged. Latest by finished_at, when its rows went into the store (an ingest that started
-- first may finish last: its rows are read in a scratch store, and moves into the store are serialised).
-- No line is held twice either (METHODOLOGY.md, "Data rules"). Reads `fingerprinted_usage`, the usage
-- table with x_row_fingerprint NULL in a store written before migration 4 (cloudcarbon/doctor.py).
WITH held AS (
    SELECT provider_name, billing_account_id, billing_period_start, count(*) AS held_rows,
           count(DISTINCT x_ingest_id) AS ingest_count, min(x_ingest_id) AS ingest_id
    FROM usage GROUP BY ALL
),
latest AS (
    SELECT p.provider_name, p.billing_account_id, p.billing_period_start, p.ingest_id, p.rows_kept
    FROM ingest_periods p JOIN ingests i USING (ingest_id)
    QUALIFY row_number() OVER (PARTITION BY p.provider_name, p.billing_account_id, p.billing_period_start
                               ORDER BY coalesce(i.finished_at, i.started_at) DESC, p.ingest_id DESC) = 1
),
-- Identical copies of a line: rows sharing a fingerprint (one cheap aggregate) that also agree on every
-- stored column but the file name. Rows without one (stored before migration 4, or aggregated) are
-- compared on every stored column.
copy_candidates AS (
    SELECT x_row_fingerprint FROM fingerprinted_usage WHERE x_row_fingerprint IS NOT NULL
    GROUP BY ALL HAVING count(*) > 1
),
copy_sets AS (
    SELECT provider_name, billing_account_id, billing_period_start, copies, x_row_fingerprint IS NULL AS unfingerprinted
    FROM (SELECT COLUMNS(* EXCLUDE (x_source_file)), count(*) AS copies
          FROM fingerprinted_usage
          WHERE x_row_fingerprint IS NULL OR x_row_fingerprint IN (SELECT x_row_fingerprint FROM copy_candidates)
          GROUP BY ALL HAVING count(*) > 1)
),
problems AS (
    SELECT 'mixed period' AS "check", provider_name, billing_account_id, billing_period_start,
           printf('rows from %d ingests; re-ingest this period''s export', ingest_count) AS detail
    FROM held WHERE ingest_count > 1
    UNION ALL
    SELECT 'stale period', h.provider_name, h.billing_account_id, h.billing_period_start,
           printf('rows of ingest %s, but ingest %s replaced the period; re-ingest it', h.ingest_id, l.ingest_id)
    FROM held h JOIN latest l USING (provider_name, billing_account_id, billing_period_start)
    WHERE h.ingest_count = 1 AND h.ingest_id <> l.ingest_id
    UNION ALL
    SELECT 'row count', h.provider_name, h.billing_account_id, h.billing_period_start,
           printf('%d rows held, ingest %s logged %d; re-ingest this period''s export',
                  h.held_rows, h.ingest_id, p.rows_kept)
    FROM held h JOIN ingest_periods p USING (ingest_id, provider_name, billing_account_id, billing_period_start)
    WHERE h.ingest_count = 1 AND h.held_rows <> p.rows_kept
    UNION ALL
    SELECT 'missing rows', l.provider_name, l.billing_account_id, l.billing_period_start,
           printf('ingest %s logged %d rows, none are held; re-ingest this period''s export', l.ingest_id, l.rows_kept)
    FROM latest l ANTI JOIN held h USING (provider_name, billing_account_id, billing_period_start)
    WHERE l.rows_kept > 0
    UNION ALL
    SELECT 'orphan rows', h.provider_name, h.billing_account_id, h.billing_period_start,
           printf('%d rows of ingest %s, which is not in the ingest log; re-ingest this period''s export',
                  h.held_rows, h.ingest_id)
    FROM held h ANTI JOIN ingests i USING (ingest_id)
    UNION ALL
    SELECT 'orphan ingest', p.provider_name, p.billing_account_id, p.billing_period_start,
           printf('ingest_periods names ingest %s, which is not in the ingest log', p.ingest_id)
    FROM ingest_periods p ANTI JOIN ingests i USING (ingest_id)
    UNION ALL
    SELECT 'ingest log', i.provider_name, NULL, NULL,
           printf('ingest %s logged %d rows kept but its periods add up to %d', i.ingest_id, i.rows_kept,
                  coalesce(p.rows_kept, 0))
    FROM ingests i
    LEFT JOIN (SELECT ingest_id, sum(rows_kept) AS rows_kept FROM ingest_periods GROUP BY ALL) p USING (ingest_id)
    WHERE i.rows_kept <> coalesce(p.rows_kept, 0)
    UNION ALL
    SELECT 'duplicate lines', provider_name, billing_account_id, billing_period_start,
           printf('%d row(s) are identical copies of other rows%s; re-ingest this period''s export (an ingest keeps '
                  'one of each set of copies)', CAST(sum(copies - 1) AS BIGINT),
                  CASE WHEN bool_or(unfingerprinted) THEN ' (rows stored without a line fingerprint, e.g. by '
                       'an older cloudcarbon, compared on every stored column)' ELSE '' END)
    FROM copy_sets GROUP BY ALL
)
SELECT "check", provider_name AS provider, billing_account_id AS billing_account,
       strftime(billing_period_start, '%Y-%m') AS period, detail
FROM problems
ORDER BY ALL
