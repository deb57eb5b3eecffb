"""cloudcarbon: the carbon footprint of cloud bills, estimated from usage and traceable to sources."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cloudcarbon")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
