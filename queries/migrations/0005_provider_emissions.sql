-- The providers' own reported emissions (AWS Data Exports CARBON_EMISSIONS, and next the GCP Carbon Footprint
-- export and Azure Carbon Optimization): figures they publish, never usage, so never in `usage`. One row per
-- figure: a source row of the AWS export gives two (location- and market-based totals). `cloudcarbon reconcile`
-- sets them beside our estimate; nothing blends them into it.
CREATE TABLE provider_emissions (
    provider_name         VARCHAR NOT NULL,   -- as usage.provider_name (AWS | GCP | Azure), so the two join
    billing_account_id    VARCHAR,            -- payer / management account, billing account
    sub_account_id        VARCHAR NOT NULL,   -- the account the emissions belong to (AWS usage_account_id)
    billing_period_start  DATE NOT NULL,      -- the month reported
    charge_period_start   TIMESTAMP,          -- the period as the provider states it
    charge_period_end     TIMESTAMP,
    region_id             VARCHAR,            -- us-east-1; NULL for global services
    region_name           VARCHAR,            -- the provider's label: 'US East (N. Virginia)', 'Global'
    service_name          VARCHAR,            -- as the provider names it (AWS product code: AmazonEC2)
    scope                 VARCHAR NOT NULL,   -- total | scope 1 | scope 2 | scope 3
    scopes_covered        VARCHAR NOT NULL,   -- what the figure includes: '1+2', '1+2+3', '1', '2', '3'
    method                VARCHAR,            -- location | market (NULL where the method does not apply: scope 1)
    kgco2e                DOUBLE NOT NULL,    -- the figure in kg CO2e
    reported_value        DOUBLE NOT NULL,    -- the figure as reported, in reported_unit
    reported_unit         VARCHAR NOT NULL,   -- MTCO2e, kgCO2e, lbCO2e ...
    model_version         VARCHAR,            -- the provider's methodology version (restated history changes it)
    x_refreshed_at        TIMESTAMP,          -- when the provider generated the figure (last_refresh_timestamp)
    x_source_format       VARCHAR NOT NULL,   -- aws-carbon-csv | aws-carbon-parquet ...
    x_source_file         VARCHAR,
    x_ingest_id           VARCHAR NOT NULL
);

-- One row per ingest of provider emissions (as `ingests` is for usage).
CREATE TABLE provider_ingests (
    ingest_id             VARCHAR PRIMARY KEY,
    provider_name         VARCHAR NOT NULL,
    started_at            TIMESTAMPTZ NOT NULL,
    finished_at           TIMESTAMPTZ,
    source_format         VARCHAR NOT NULL,
    source_files          VARCHAR[] NOT NULL,
    rows_read             BIGINT NOT NULL,
    rows_kept             BIGINT NOT NULL,     -- figures stored
    tool_version          VARCHAR NOT NULL
);

-- The (provider, account, month) an ingest replaced: the unit of atomic, idempotent reload of provider figures.
CREATE TABLE provider_ingest_periods (
    ingest_id             VARCHAR NOT NULL,
    provider_name         VARCHAR NOT NULL,
    sub_account_id        VARCHAR NOT NULL,
    billing_period_start  DATE NOT NULL,
    rows_kept             BIGINT NOT NULL,
    rows_replaced         BIGINT NOT NULL
);
