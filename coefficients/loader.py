"""Runtime access to cloudcarbon's coefficient tables (stdlib + duckdb only).

The CSVs in ``data/`` are built by ``python -m coefficients.rebuild`` (a maintainer tool, not shipped); see
``SOURCES.md`` for what each holds.
``register(con)`` loads them as TEMP tables ``coef_<name>`` with explicit column types. Empty CSV
fields load as NULL (e.g. ``gpu_model`` of a CPU-only instance, ``burstable_baseline``).
"""

from __future__ import annotations

import csv
import pathlib
from functools import cache
from importlib.resources import files

import duckdb

_DATA = pathlib.Path(str(files("cloudcarbon.coefficients") / "data"))

# Column name -> DuckDB type, in file order. Identifiers are VARCHAR.
SCHEMAS: dict[str, dict[str, str]] = {
    "instances": {
        "provider": "VARCHAR",
        "instance_type": "VARCHAR",
        "family": "VARCHAR",
        "vcpus": "INTEGER",
        "memory_gib": "DOUBLE",
        "cpu_model": "VARCHAR",
        "microarchitecture": "VARCHAR",
        "host_vcpus": "INTEGER",
        "gpu_model": "VARCHAR",
        "gpu_count": "INTEGER",
        "accelerator_kind": "VARCHAR",
        "burstable_baseline": "DOUBLE",
        "host_embodied_kgco2e": "DOUBLE",
        "embodied_method": "VARCHAR",
        "source": "VARCHAR",
        "licence": "VARCHAR",
    },
    "cpu_power": {
        "provider": "VARCHAR",
        "microarchitecture": "VARCHAR",
        "min_w_per_vcpu": "DOUBLE",
        "max_w_per_vcpu": "DOUBLE",
        "ref_memory_gib_per_vcpu": "DOUBLE",
        "source": "VARCHAR",
        "licence": "VARCHAR",
    },
    # On-premises inventories: a CPU name's normalised words -> microarchitecture (model numbers, codenames).
    "cpu_models": {
        "match": "VARCHAR",
        "microarchitecture": "VARCHAR",
        "kind": "VARCHAR",
        "source": "VARCHAR",
        "licence": "VARCHAR",
    },
    # Electricity Maps zones (an inventory's `location`: zone id or name) -> the grid rows of provider on-premises.
    "zones": {
        "zone": "VARCHAR",
        "name": "VARCHAR",
        "source": "VARCHAR",
        "licence": "VARCHAR",
    },
    # Typical hour of day (UTC) x month per grid zone, as a ratio to the zone's annual mean: intensity at an hour
    # = coef_grid's annual figure x ratio (time shifting; coefficients/rebuild/grid_hourly.py).
    "grid_hourly": {
        "zone": "VARCHAR",
        "month": "INTEGER",
        "hour_utc": "INTEGER",
        "ratio": "DOUBLE",
        "ratio_min": "DOUBLE",
        "ratio_max": "DOUBLE",
        "years": "VARCHAR",
        "signal": "VARCHAR",
        "source": "VARCHAR",
        "licence": "VARCHAR",
    },
    "accelerators": {
        "model": "VARCHAR",
        "kind": "VARCHAR",
        "idle_w": "DOUBLE",
        "max_w": "DOUBLE",
        "max_w_low": "DOUBLE",
        "max_w_high": "DOUBLE",
        "embodied_kgco2e": "DOUBLE",
        "source": "VARCHAR",
        "licence": "VARCHAR",
    },
    # Accelerator utilisation per workload class (estimate --workload), each with its source.
    "workloads": {
        "workload": "VARCHAR",
        "gpu_u": "DOUBLE",
        "gpu_u_low": "DOUBLE",
        "gpu_u_high": "DOUBLE",
        "source": "VARCHAR",
        "licence": "VARCHAR",
    },
    "constants": {
        "key": "VARCHAR",
        "value": "DOUBLE",
        "unit": "VARCHAR",
        "source": "VARCHAR",
        "licence": "VARCHAR",
    },
    "pue": {
        "provider": "VARCHAR",
        "region": "VARCHAR",
        "year": "INTEGER",
        "pue": "DOUBLE",
        "source": "VARCHAR",
        "licence": "VARCHAR",
    },
    "grid": {
        "provider": "VARCHAR",
        "region": "VARCHAR",
        "year": "INTEGER",
        "gco2e_per_kwh": "DOUBLE",
        "cfe_pct": "DOUBLE",
        "signal": "VARCHAR",
        "zone": "VARCHAR",
        "source": "VARCHAR",
        "licence": "VARCHAR",
    },
    "regions": {
        "provider": "VARCHAR",
        "region": "VARCHAR",
        "name": "VARCHAR",
        "country": "VARCHAR",
        "subdivision": "VARCHAR",
        "latitude": "DOUBLE",
        "longitude": "DOUBLE",
        "billing_prefix": "VARCHAR",
        "source": "VARCHAR",
        "licence": "VARCHAR",
    },
    # Spellings seen in exports (lower-cased) -> canonical region id of coef_regions.
    "region_aliases": {
        "provider": "VARCHAR",
        "alias": "VARCHAR",
        "region": "VARCHAR",
        "source": "VARCHAR",
        "licence": "VARCHAR",
    },
    # Water per provider and region ('*': a region the table does not know), built by coefficients/rebuild/water.py:
    # on-site WUE (L per kWh of IT energy), grid water (L consumed per kWh generated), each with a range and source.
    "water": {
        "provider": "VARCHAR",
        "region": "VARCHAR",
        "wue_l_per_kwh": "DOUBLE",
        "wue_low": "DOUBLE",
        "wue_high": "DOUBLE",
        "wue_source": "VARCHAR",
        "grid_water_l_per_kwh": "DOUBLE",
        "grid_water_low": "DOUBLE",
        "grid_water_high": "DOUBLE",
        "grid_water_source": "VARCHAR",
        "water_stress": "VARCHAR",
        "water_stress_source": "VARCHAR",
        "source": "VARCHAR",
        "licence": "VARCHAR",
    },
    # Planning tables (what-if and recommend-region), built by coefficients/rebuild/prices.py.
    "prices": {
        "provider": "VARCHAR",
        "region": "VARCHAR",
        "instance_type": "VARCHAR",
        "usd_per_hour": "DOUBLE",
        "price_date": "DATE",
        "price_basis": "VARCHAR",  # list, or derived (a current price x an older regional ratio; see source)
        "source": "VARCHAR",
        "licence": "VARCHAR",
    },
    # Storage per GB-month by price class (object | archive | block-ssd | block-hdd), built by
    # coefficients/rebuild/storage_prices.py.
    "storage_prices": {
        "provider": "VARCHAR",
        "region": "VARCHAR",
        "storage_class": "VARCHAR",
        "usd_per_gb_month": "DOUBLE",
        "price_date": "DATE",
        "price_basis": "VARCHAR",
        "source": "VARCHAR",
        "licence": "VARCHAR",
    },
    # Data transfer out of a region per GB: to_region a region id, '*' (any other region of the provider) or
    # 'internet' (the first paid tier).
    "transfer_prices": {
        "provider": "VARCHAR",
        "from_region": "VARCHAR",
        "to_region": "VARCHAR",
        "usd_per_gb": "DOUBLE",
        "price_date": "DATE",
        "price_basis": "VARCHAR",
        "source": "VARCHAR",
        "licence": "VARCHAR",
    },
    "availability": {
        "provider": "VARCHAR",
        "region": "VARCHAR",
        "instance_type": "VARCHAR",
        "source": "VARCHAR",
        "licence": "VARCHAR",
    },
    "machine_upgrades": {
        "kind": "VARCHAR",
        "from_family": "VARCHAR",
        "to_family": "VARCHAR",
        "throughput_ratio": "DOUBLE",
        "ratio_low": "DOUBLE",
        "ratio_high": "DOUBLE",
        "workload": "VARCHAR",
        "source": "VARCHAR",
        "licence": "VARCHAR",
    },
    # Provider identity: id, ProviderName as stored, FOCUS spellings (';'-separated, lower case), roles.
    "providers": {
        "provider": "VARCHAR",
        "display_name": "VARCHAR",
        "focus_aliases": "VARCHAR",
        "cloud": "BOOLEAN",
        "cloud_pue_mean": "BOOLEAN",
        "source": "VARCHAR",
        "licence": "VARCHAR",
    },
    # A service as either side of `reconcile` spells it (lower case) -> FOCUS ServiceCategory (Azure today).
    "service_categories": {
        "provider": "VARCHAR",
        "name": "VARCHAR",
        "service_category": "VARCHAR",
        "source": "VARCHAR",
        "licence": "VARCHAR",
    },
    "continents": {
        "country": "VARCHAR",
        "continent": "VARCHAR",
        "continent_code": "VARCHAR",
        "source": "VARCHAR",
        "licence": "VARCHAR",
    },
}
TABLES: tuple[str, ...] = tuple(f"coef_{name}" for name in SCHEMAS)

COEFFICIENTS_VERSION: str = (_DATA / "VERSION").read_text().strip()


def data_path(name: str) -> pathlib.Path:
    """Path of ``data/<name>.csv`` (name without extension, e.g. ``"instances"``)."""
    return _DATA / f"{name}.csv"


@cache
def cloud_providers() -> tuple[str, ...]:
    """Ids of the providers with instance types and regions to plan on (the planning commands' --provider
    choices). Read without DuckDB: the CLI needs them to declare its options."""
    with data_path("providers").open(newline="", encoding="utf-8") as handle:
        return tuple(row["provider"] for row in csv.DictReader(handle) if row["cloud"] == "True")


@cache
def provider_display_names() -> dict[str, str]:
    """Provider id -> the provider as the store names it (AWS, GCP, Azure), read without DuckDB."""
    with data_path("providers").open(newline="", encoding="utf-8") as handle:
        return {row["provider"]: row["display_name"] for row in csv.DictReader(handle) if row["cloud"] == "True"}


@cache
def workload_classes() -> tuple[str, ...]:
    """The workload classes of coef_workloads (estimate --workload choices), read without DuckDB."""
    with data_path("workloads").open(newline="", encoding="utf-8") as handle:
        return tuple(row["workload"] for row in csv.DictReader(handle))


def _sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def register(con: duckdb.DuckDBPyConnection) -> None:
    """Create (or replace) the TEMP tables ``coef_*`` on ``con``, one per CSV, with fixed types."""
    for name, columns in SCHEMAS.items():
        cols = "{" + ", ".join(f"{_sql_literal(c)}: {_sql_literal(t)}" for c, t in columns.items()) + "}"
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE coef_{name} AS SELECT * FROM read_csv("
            f"{_sql_literal(str(data_path(name)))}, header = true, auto_detect = false, "
            f"delim = ',', quote = '\"', columns = {cols})"
        )


def constant(con: duckdb.DuckDBPyConnection, key: str) -> float:
    """Value of ``key`` in coef_constants (call ``register(con)`` first). Raises KeyError if absent."""
    # fetchall(): DuckDB 2 streams results, so a half-read result would block the connection.
    rows = con.execute("SELECT value FROM coef_constants WHERE key = ?", [key]).fetchall()
    if not rows:
        raise KeyError(f"unknown coefficient constant {key!r} (see coefficients/data/constants.csv)")
    return float(rows[0][0])
