"""Google Cloud's own reported emissions: the Carbon Footprint BigQuery export, as exported files."""
