-- A line's derived quantities (instance-, vCPU-, GPU-, memory- and storage-hours, network GB) held once per usage
-- group as what each unit of the line's consumed quantity amounts to, no longer on every line: each column of
-- usage_line cost 0.15-0.30 CPU-s to write per 10M lines, and these six were a third of an ingest's write (#17).
-- Every connector derives them as its consumed quantity times what the line's group decides (instances an hour,
-- vCPUs, hours in the month, units), so the `usage` view gives them back as consumed_quantity x the group's figure.
-- Where lines of one group hold different figures (a ratio of two doubles may differ in its last bit from line to
-- line), the group is split: each line's quantity stays its own, to the last bit or two.

-- Each line's figures per unit: a zero quantity derived from any quantity is zero per unit; a quantity derived from
-- none (no consumed quantity, or a zero one) cannot be held per unit and stops the upgrade.
CREATE TEMP TABLE line_per_unit AS
SELECT l.line_id, l.group_key,
       CASE WHEN COLUMNS('^x_') IS NULL THEN NULL
            WHEN COLUMNS('^x_') = 0 AND l.consumed_quantity IS NOT NULL THEN 0
            WHEN l.consumed_quantity <> 0 THEN COLUMNS('^x_') / l.consumed_quantity
            ELSE error('a usage line holds derived quantities without a consumed quantity: the store was not '
                       'upgraded; please report this at the cloudcarbon issue tracker')
       END
FROM (SELECT rowid AS line_id, group_key, consumed_quantity, x_instance_hours, x_vcpu_hours, x_gpu_hours,
             x_memory_gib_hours, x_storage_gib_hours, x_network_gb FROM usage_line) l;

-- A group whose lines hold one set of figures keeps its key; one holding several becomes one group per set.
CREATE TEMP TABLE group_per_unit AS
SELECT *, CASE WHEN count(*) OVER (PARTITION BY group_key) = 1 THEN group_key
               ELSE hash(group_key, x_instance_hours, x_vcpu_hours, x_gpu_hours, x_memory_gib_hours,
                         x_storage_gib_hours, x_network_gb) END AS new_key
FROM (SELECT DISTINCT group_key, x_instance_hours, x_vcpu_hours, x_gpu_hours, x_memory_gib_hours,
                      x_storage_gib_hours, x_network_gb FROM line_per_unit);

SELECT CASE WHEN (SELECT count(*) - count(DISTINCT new_key) FROM group_per_unit) > 0
                 OR (SELECT count(*) FROM group_per_unit p JOIN usage_group g ON g.group_key = p.new_key
                     WHERE p.new_key <> p.group_key) > 0
            THEN error('two different usage groups hash to one 64-bit key: the store was not upgraded; please '
                       'report this at the cloudcarbon issue tracker') END;

DROP VIEW usage;

-- Per unit of each line's consumed_quantity.
ALTER TABLE usage_group ADD COLUMN x_instance_hours_per_unit DOUBLE;
ALTER TABLE usage_group ADD COLUMN x_vcpu_hours_per_unit DOUBLE;
ALTER TABLE usage_group ADD COLUMN x_gpu_hours_per_unit DOUBLE;
ALTER TABLE usage_group ADD COLUMN x_memory_gib_hours_per_unit DOUBLE;
ALTER TABLE usage_group ADD COLUMN x_storage_gib_hours_per_unit DOUBLE;
ALTER TABLE usage_group ADD COLUMN x_network_gb_per_unit DOUBLE;

-- A group split: one row per set of figures, under its new key, in place of the old row. (A group no line names, in
-- a damaged store, keeps no figures.)
INSERT INTO usage_group
SELECT p.new_key, g.* EXCLUDE (group_key, x_instance_hours_per_unit, x_vcpu_hours_per_unit, x_gpu_hours_per_unit,
                              x_memory_gib_hours_per_unit, x_storage_gib_hours_per_unit, x_network_gb_per_unit),
       p.x_instance_hours, p.x_vcpu_hours, p.x_gpu_hours, p.x_memory_gib_hours, p.x_storage_gib_hours, p.x_network_gb
FROM usage_group g JOIN group_per_unit p USING (group_key)
WHERE p.new_key <> p.group_key;

DELETE FROM usage_group WHERE group_key IN (SELECT group_key FROM group_per_unit WHERE new_key <> group_key);

UPDATE usage_group SET x_instance_hours_per_unit = p.x_instance_hours, x_vcpu_hours_per_unit = p.x_vcpu_hours,
       x_gpu_hours_per_unit = p.x_gpu_hours, x_memory_gib_hours_per_unit = p.x_memory_gib_hours,
       x_storage_gib_hours_per_unit = p.x_storage_gib_hours, x_network_gb_per_unit = p.x_network_gb
FROM group_per_unit p
WHERE usage_group.group_key = p.group_key AND p.new_key = p.group_key;

UPDATE usage_line SET group_key = p.new_key
FROM line_per_unit l JOIN group_per_unit p
    ON p.group_key = l.group_key
   AND p.x_instance_hours IS NOT DISTINCT FROM l.x_instance_hours
   AND p.x_vcpu_hours IS NOT DISTINCT FROM l.x_vcpu_hours
   AND p.x_gpu_hours IS NOT DISTINCT FROM l.x_gpu_hours
   AND p.x_memory_gib_hours IS NOT DISTINCT FROM l.x_memory_gib_hours
   AND p.x_storage_gib_hours IS NOT DISTINCT FROM l.x_storage_gib_hours
   AND p.x_network_gb IS NOT DISTINCT FROM l.x_network_gb
WHERE usage_line.rowid = l.line_id AND p.new_key <> p.group_key;

ALTER TABLE usage_line DROP COLUMN x_instance_hours;
ALTER TABLE usage_line DROP COLUMN x_vcpu_hours;
ALTER TABLE usage_line DROP COLUMN x_gpu_hours;
ALTER TABLE usage_line DROP COLUMN x_memory_gib_hours;
ALTER TABLE usage_line DROP COLUMN x_storage_gib_hours;
ALTER TABLE usage_line DROP COLUMN x_network_gb;
DROP TABLE line_per_unit;
DROP TABLE group_per_unit;

-- The same columns, in the same order, as before.
CREATE VIEW usage AS
SELECT l.charge_period_start, l.charge_period_end, l.billing_period_start, g.provider_name, g.billing_account_id,
       g.sub_account_id, g.sub_account_name, g.region_id, g.availability_zone, g.service_name, r.resource_id,
       g.charge_category, g.pricing_category, l.consumed_quantity, g.consumed_unit, l.billed_cost, l.effective_cost,
       g.billing_currency, t.tags, g.x_line_item_type, g.x_usage_type, g.x_operation, g.x_usage_kind,
       g.x_instance_type, l.consumed_quantity * g.x_instance_hours_per_unit AS x_instance_hours,
       l.consumed_quantity * g.x_vcpu_hours_per_unit AS x_vcpu_hours,
       l.consumed_quantity * g.x_gpu_hours_per_unit AS x_gpu_hours,
       l.consumed_quantity * g.x_memory_gib_hours_per_unit AS x_memory_gib_hours,
       l.consumed_quantity * g.x_storage_gib_hours_per_unit AS x_storage_gib_hours, g.x_storage_media,
       l.consumed_quantity * g.x_network_gb_per_unit AS x_network_gb, g.x_source_file, g.x_ingest_id,
       g.x_storage_class, g.x_pue, g.x_server, l.x_row_fingerprint, r.x_resource_name
FROM usage_line l
JOIN usage_group g USING (group_key)
JOIN usage_resource r USING (resource_key)
JOIN usage_tags t USING (tags_key);
