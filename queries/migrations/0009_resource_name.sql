-- The resource's name where the export gives one beside its id: GCP's resource.name (an instance's name) beside
-- resource.global_name (its numeric id), which `resource_id` holds. A Kubernetes node is named after its instance,
-- so `ingest opencost` finds a GKE node's usage by it (connectors/opencost/match.sql). NULL elsewhere.
ALTER TABLE usage ADD COLUMN x_resource_name VARCHAR;
