-- Usage lines keyed, their repeated text held once. A month's lines repeat a few thousand kinds of usage
-- (account, service, usage type, region, ... of one ingest), about a hundred thousand resources and a thousand tag
-- sets: writing that text on every one of 10M lines cost six times the read of the export (issue #17), while a
-- line of numbers and three 64-bit keys costs about half of it. `usage` stays what every query reads: a view with
-- the same columns, in the same order, as the table it replaces.
--   usage_group     one row per usage group of an ingest (group_key: a hash of every column of the row; DuckDB
--                   hashes a NULL struct as a struct of NULLs, so whether x_server is NULL is hashed too)
--   usage_resource  one row per resource (resource_key: a hash of resource_id and x_resource_name)
--   usage_tags      one row per tag set (tags_key: a hash of tags and whether they are NULL)
--   usage_line      one row per line: its keys, times, quantities and costs
-- Keys are hashes so that a line is keyed without a look-up; cloudcarbon/usage_store.py refuses two different
-- rows under one key (a 64-bit collision) rather than join a line to the wrong text.
CREATE TABLE usage_group (
    group_key             UBIGINT NOT NULL,
    billing_period_start  DATE NOT NULL,
    provider_name         VARCHAR NOT NULL,
    billing_account_id    VARCHAR NOT NULL,
    sub_account_id        VARCHAR,
    sub_account_name      VARCHAR,
    region_id             VARCHAR,
    availability_zone     VARCHAR,
    service_name          VARCHAR,
    charge_category       VARCHAR,
    pricing_category      VARCHAR,
    consumed_unit         VARCHAR,
    billing_currency      VARCHAR,
    x_line_item_type      VARCHAR,
    x_usage_type          VARCHAR,
    x_operation           VARCHAR,
    x_usage_kind          VARCHAR NOT NULL,
    x_instance_type       VARCHAR,
    x_storage_media       VARCHAR,
    x_source_file         VARCHAR,
    x_ingest_id           VARCHAR NOT NULL,
    x_storage_class       VARCHAR,
    x_pue                 DOUBLE,
    x_server              STRUCT(
        cpu_model VARCHAR, microarchitecture VARCHAR, cpu_match VARCHAR, vcpus INTEGER, memory_gib DOUBLE,
        sockets INTEGER, gpu_model VARCHAR, gpu_count INTEGER, ssds INTEGER, hdds INTEGER, embodied_kgco2e DOUBLE
    )
);

CREATE TABLE usage_resource (
    resource_key     UBIGINT NOT NULL,
    resource_id      VARCHAR,
    x_resource_name  VARCHAR
);

CREATE TABLE usage_tags (
    tags_key  UBIGINT NOT NULL,
    tags      MAP(VARCHAR, VARCHAR)
);

-- billing_period_start is kept on the line as well: a query of one month then skips the other months' blocks.
CREATE TABLE usage_line (
    group_key             UBIGINT NOT NULL,
    resource_key          UBIGINT NOT NULL,
    tags_key              UBIGINT NOT NULL,
    billing_period_start  DATE NOT NULL,
    charge_period_start   TIMESTAMP NOT NULL,
    charge_period_end     TIMESTAMP,
    consumed_quantity     DOUBLE,
    billed_cost           DOUBLE,
    effective_cost        DOUBLE,
    x_instance_hours      DOUBLE,
    x_vcpu_hours          DOUBLE,
    x_gpu_hours           DOUBLE,
    x_memory_gib_hours    DOUBLE,
    x_storage_gib_hours   DOUBLE,
    x_network_gb          DOUBLE,
    x_row_fingerprint     UBIGINT
);

-- The lines of a store made before this migration move over with keys hashed the same way as new ones.
INSERT INTO usage_group
SELECT DISTINCT ON (group_key) * FROM (
    SELECT hash(billing_period_start, provider_name, billing_account_id, sub_account_id, sub_account_name, region_id,
                availability_zone, service_name, charge_category, pricing_category, consumed_unit, billing_currency,
                x_line_item_type, x_usage_type, x_operation, x_usage_kind, x_instance_type, x_storage_media,
                x_source_file, x_ingest_id, x_storage_class, x_pue, x_server, x_server IS NULL) AS group_key,
           billing_period_start, provider_name, billing_account_id, sub_account_id, sub_account_name, region_id,
           availability_zone, service_name, charge_category, pricing_category, consumed_unit, billing_currency,
           x_line_item_type, x_usage_type, x_operation, x_usage_kind, x_instance_type, x_storage_media,
           x_source_file, x_ingest_id, x_storage_class, x_pue, x_server
    FROM usage);

INSERT INTO usage_resource
SELECT DISTINCT ON (resource_key) hash(resource_id, x_resource_name) AS resource_key, resource_id, x_resource_name
FROM usage;

INSERT INTO usage_tags
SELECT DISTINCT ON (tags_key) hash(tags, tags IS NULL) AS tags_key, tags FROM usage;

INSERT INTO usage_line
SELECT hash(billing_period_start, provider_name, billing_account_id, sub_account_id, sub_account_name, region_id,
            availability_zone, service_name, charge_category, pricing_category, consumed_unit, billing_currency,
            x_line_item_type, x_usage_type, x_operation, x_usage_kind, x_instance_type, x_storage_media,
            x_source_file, x_ingest_id, x_storage_class, x_pue, x_server, x_server IS NULL),
       hash(resource_id, x_resource_name), hash(tags, tags IS NULL),
       billing_period_start, charge_period_start, charge_period_end, consumed_quantity, billed_cost, effective_cost,
       x_instance_hours, x_vcpu_hours, x_gpu_hours, x_memory_gib_hours, x_storage_gib_hours, x_network_gb,
       x_row_fingerprint
FROM usage;

-- Fewer keys than distinct rows would mean two rows under one key (a 64-bit collision): stop, changing nothing.
SELECT CASE WHEN (SELECT count(*) FROM (
                      SELECT DISTINCT billing_period_start, provider_name, billing_account_id, sub_account_id,
                             sub_account_name, region_id, availability_zone, service_name, charge_category,
                             pricing_category, consumed_unit, billing_currency, x_line_item_type, x_usage_type,
                             x_operation, x_usage_kind, x_instance_type, x_storage_media, x_source_file, x_ingest_id,
                             x_storage_class, x_pue, x_server FROM usage)) > (SELECT count(*) FROM usage_group)
              OR (SELECT count(*) FROM (SELECT DISTINCT resource_id, x_resource_name FROM usage))
                 > (SELECT count(*) FROM usage_resource)
              OR (SELECT count(DISTINCT tags) + max(CASE WHEN tags IS NULL THEN 1 ELSE 0 END) FROM usage)
                 > (SELECT count(*) FROM usage_tags)
            THEN error('two different usage rows hash to one 64-bit key: the store was not upgraded; please report '
                       'this at the cloudcarbon issue tracker') END;

DROP TABLE usage;

-- The old table's columns, in its order.
CREATE VIEW usage AS
SELECT l.charge_period_start, l.charge_period_end, l.billing_period_start, g.provider_name, g.billing_account_id,
       g.sub_account_id, g.sub_account_name, g.region_id, g.availability_zone, g.service_name, r.resource_id,
       g.charge_category, g.pricing_category, l.consumed_quantity, g.consumed_unit, l.billed_cost, l.effective_cost,
       g.billing_currency, t.tags, g.x_line_item_type, g.x_usage_type, g.x_operation, g.x_usage_kind,
       g.x_instance_type, l.x_instance_hours, l.x_vcpu_hours, l.x_gpu_hours, l.x_memory_gib_hours,
       l.x_storage_gib_hours, g.x_storage_media, l.x_network_gb, g.x_source_file, g.x_ingest_id, g.x_storage_class,
       g.x_pue, g.x_server, l.x_row_fingerprint, r.x_resource_name
FROM usage_line l
JOIN usage_group g USING (group_key)
JOIN usage_resource r USING (resource_key)
JOIN usage_tags t USING (tags_key);
