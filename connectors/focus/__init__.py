"""FOCUS 1.0–1.4 exports from any provider (AWS Data Exports, Azure FocusCost, GCP's FOCUS view)."""
