"""GCP Cloud Billing export connector: exported files (CSV, JSON lines, Parquet; local or gs://) and BigQuery."""
