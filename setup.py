"""Packaging that pyproject.toml cannot express: each folder under connectors/ is a package, shipped with its SQL
and example export, so a new connector needs no packaging edit (CONTRIBUTING.md, "Add a connector")."""

from pathlib import Path

from setuptools import setup

CONNECTORS = sorted(path.parent.name for path in Path(__file__).parent.glob("connectors/*/__init__.py"))
PACKAGE_DATA = {
    "cloudcarbon": ["py.typed"],
    "cloudcarbon.demo": ["*.parquet", "*.csv", "README.md"],
    "cloudcarbon.report": ["templates/*.j2"],
    "cloudcarbon.serve": [],
    "cloudcarbon.connectors": [],
    "cloudcarbon.coefficients": ["SOURCES.md"],
    "cloudcarbon.coefficients.data": ["*.csv", "VERSION"],
    "cloudcarbon.queries": ["*.sql"],
    "cloudcarbon.queries.migrations": ["*.sql"],
} | {f"cloudcarbon.connectors.{name}": ["*.sql", "example.*"] for name in CONNECTORS}

setup(packages=list(PACKAGE_DATA), package_data=PACKAGE_DATA)
