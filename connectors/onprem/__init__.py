"""On-premises server inventories (`cloudcarbon ingest onprem`)."""
