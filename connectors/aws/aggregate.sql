-- CUR line items -> one row per day and usage dimension: the aggregate pushed down to Athena
-- (transpiled to Trino by connectors/aws/athena.py) and run locally by `ingest aws --aggregate daily`.
-- Reads `cur_lines` (CUR 2.0 column names, as formats.source_select or the Athena table yields them).
-- Its output has the `cur_src` column names that aws_cur_normalize.sql reads, so the normalisation runs
-- unchanged over it. Resource ids and tags are not kept: that is the price of aggregating.
-- Parameters: $since, $until (billing periods starting in [since, until); NULL = unbounded).
-- Portable on purpose (DuckDB and Trino): explicit casts, ordinal GROUP BY, no DuckDB-only syntax.
SELECT
    CAST(date_trunc('day', CAST(CAST(line_item_usage_start_date AS TIMESTAMPTZ) AS TIMESTAMP)) AS TIMESTAMP)
        AS line_item_usage_start_date,
    max(CAST(CAST(line_item_usage_end_date AS TIMESTAMPTZ) AS TIMESTAMP)) AS line_item_usage_end_date,
    CAST(date_trunc('month', CAST(CAST(bill_billing_period_start_date AS TIMESTAMPTZ) AS TIMESTAMP)) AS TIMESTAMP)
        AS bill_billing_period_start_date,
    CAST(bill_payer_account_id AS VARCHAR) AS bill_payer_account_id,
    CAST(line_item_usage_account_id AS VARCHAR) AS line_item_usage_account_id,
    CAST(line_item_usage_account_name AS VARCHAR) AS line_item_usage_account_name,
    CAST(line_item_line_item_type AS VARCHAR) AS line_item_line_item_type,
    CAST(line_item_product_code AS VARCHAR) AS line_item_product_code,
    CAST(line_item_usage_type AS VARCHAR) AS line_item_usage_type,
    CAST(line_item_operation AS VARCHAR) AS line_item_operation,
    CAST(line_item_availability_zone AS VARCHAR) AS line_item_availability_zone,
    CAST(product_region_code AS VARCHAR) AS product_region_code,
    CAST(product_region AS VARCHAR) AS product_region,
    CAST(product_instance_type AS VARCHAR) AS product_instance_type,
    CAST(product_vcpu AS VARCHAR) AS product_vcpu,
    CAST(pricing_unit AS VARCHAR) AS pricing_unit,
    CAST(line_item_currency_code AS VARCHAR) AS line_item_currency_code,
    sum(CAST(line_item_usage_amount AS DOUBLE)) AS line_item_usage_amount,
    sum(CAST(line_item_unblended_cost AS DOUBLE)) AS line_item_unblended_cost,
    sum(TRY_CAST(nullif(CAST(reservation_effective_cost AS VARCHAR), '') AS DOUBLE)) AS reservation_effective_cost,
    sum(TRY_CAST(nullif(CAST(savings_plan_savings_plan_effective_cost AS VARCHAR), '') AS DOUBLE))
        AS savings_plan_savings_plan_effective_cost,
    count(*) AS line_items,
    -- Aggregated rows are unique by construction: no line fingerprint (METHODOLOGY.md, "Data rules").
    CAST(NULL AS BIGINT) AS row_fingerprint
FROM cur_lines
WHERE line_item_line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
  AND ($since IS NULL OR CAST(CAST(bill_billing_period_start_date AS TIMESTAMPTZ) AS TIMESTAMP) >= $since)
  AND ($until IS NULL OR CAST(CAST(bill_billing_period_start_date AS TIMESTAMPTZ) AS TIMESTAMP) < $until)
GROUP BY 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17
