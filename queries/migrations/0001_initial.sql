-- Numbered migrations applied to this store (see cloudcarbon/store.py).
CREATE TABLE schema_migrations (
    version               INTEGER PRIMARY KEY,
    name                  VARCHAR NOT NULL,
    applied_at            TIMESTAMPTZ NOT NULL
);

-- The canonical usage table: FOCUS column names in snake_case, our additions prefixed x_.
-- One row per billing line item kept from an export (usage rows only; fees, taxes and credits are
-- counted at ingest but not stored). Quantities are normalised into the x_*_hours / x_network_gb
-- columns so the footprint never has to re-read provider units.
CREATE TABLE usage (
    charge_period_start   TIMESTAMP NOT NULL,
    charge_period_end     TIMESTAMP,
    billing_period_start  DATE NOT NULL,
    provider_name         VARCHAR NOT NULL,
    billing_account_id    VARCHAR NOT NULL,
    sub_account_id        VARCHAR,
    sub_account_name      VARCHAR,
    region_id             VARCHAR,
    availability_zone     VARCHAR,
    service_name          VARCHAR,
    resource_id           VARCHAR,
    charge_category       VARCHAR,
    pricing_category      VARCHAR,
    consumed_quantity     DOUBLE,
    consumed_unit         VARCHAR,
    billed_cost           DOUBLE,
    effective_cost        DOUBLE,
    billing_currency      VARCHAR,
    tags                  MAP(VARCHAR, VARCHAR),
    x_line_item_type      VARCHAR,
    x_usage_type          VARCHAR,
    x_operation           VARCHAR,
    x_usage_kind          VARCHAR NOT NULL,   -- compute | gpu | memory | storage | network | other
    x_instance_type       VARCHAR,
    x_instance_hours      DOUBLE,
    x_vcpu_hours          DOUBLE,
    x_gpu_hours           DOUBLE,
    x_memory_gib_hours    DOUBLE,
    x_storage_gib_hours   DOUBLE,
    x_storage_media       VARCHAR,            -- ssd | hdd
    x_network_gb          DOUBLE,
    x_source_file         VARCHAR,
    x_ingest_id           VARCHAR NOT NULL
);

-- One row per ingest run: what was read, how, and with which versions.
CREATE TABLE ingests (
    ingest_id             VARCHAR PRIMARY KEY,
    provider_name         VARCHAR NOT NULL,
    started_at            TIMESTAMPTZ NOT NULL,
    finished_at           TIMESTAMPTZ,
    source_format         VARCHAR NOT NULL,
    source_files          VARCHAR[] NOT NULL,
    rows_read             BIGINT NOT NULL,
    rows_kept             BIGINT NOT NULL,
    tool_version          VARCHAR NOT NULL,
    coefficients_version  VARCHAR NOT NULL
);

-- The periods an ingest replaced: the unit of atomic, idempotent reload.
CREATE TABLE ingest_periods (
    ingest_id             VARCHAR NOT NULL,
    provider_name         VARCHAR NOT NULL,
    billing_account_id    VARCHAR NOT NULL,
    billing_period_start  DATE NOT NULL,
    rows_kept             BIGINT NOT NULL,
    rows_replaced         BIGINT NOT NULL,
    effective_cost        DOUBLE
);
