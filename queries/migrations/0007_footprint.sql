-- Emissions stored beside the usage they come from, for BI tools and every analysis: `footprint` holds the
-- footprint per usage group and day (cloudcarbon/stored_footprint.py fills it through the one estimation query,
-- queries/footprint_rows.sql), with the field names of `cloudcarbon footprint`'s output. The grouping columns
-- (month, provider, account, region, ...) are added by the code that fills it, from footprint.GROUP_KEYS, so a
-- new grouping needs no migration; this table is created with the columns that identify what it came from.
-- `footprint_periods` says, per billing period, which ingest and which versions its rows were computed from:
-- a period whose latest ingest, row count, coefficient version or tool version differs is recomputed at the next
-- open.
CREATE TABLE footprint_periods (
    provider_name         VARCHAR NOT NULL,
    billing_account_id    VARCHAR NOT NULL,
    billing_period_start  DATE NOT NULL,
    ingest_id             VARCHAR,            -- the ingest whose rows the figures were computed from
    usage_rows            BIGINT NOT NULL,    -- how many usage rows they were computed from
    coefficients_version  VARCHAR NOT NULL,
    tool_version          VARCHAR NOT NULL,
    computed_at           TIMESTAMPTZ NOT NULL
);
