"""cloudcarbon: the carbon footprint of cloud bills, estimated from usage and traceable to sources."""

# The one place the version is written (pyproject.toml reads it): no metadata lookup at start-up.
__version__ = "0.1.0"
