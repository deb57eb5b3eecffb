"""Cloud Catalog API (google-cloud-billing): classify SKUs the description rules cannot place.

The normaliser reads `gcp_sku_groups` (sku_id -> category.resource_group: 'GPU', 'CPU', 'RAM', ...). It is
empty unless the catalog is used; it then holds only SKUs that would otherwise be kind 'other' while
billing seconds or byte-seconds, looked up in the services that bill them.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from cloudcarbon.connectors.base import connector_sql
from cloudcarbon.connectors.bigquery_runner import ADC_HELP
from cloudcarbon.errors import CloudcarbonError, InputError
from cloudcarbon.ingest import data_rule_error, define_ingest_macros


def adc_file() -> Path | None:
    """The Application Default Credentials file, if one is configured (no network, no secrets read)."""
    explicit = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
    if explicit:
        return Path(explicit) if Path(explicit).is_file() else None
    config = os.environ.get("CLOUDSDK_CONFIG") or os.path.join(os.path.expanduser("~"), ".config", "gcloud")
    well_known = Path(config) / "application_default_credentials.json"
    return well_known if well_known.is_file() else None


def catalog_client() -> object:
    try:
        from google.cloud import billing_v1
    except ImportError:
        raise CloudcarbonError("the Cloud Catalog needs the GCP extra: pip install 'cloudcarbon[gcp]'") from None
    import google.auth.exceptions

    try:
        return billing_v1.CloudCatalogClient()
    except google.auth.exceptions.DefaultCredentialsError:
        raise InputError(f"--catalog: no Google Application Default Credentials found; {ADC_HELP}") from None


def _unplaced(con: duckdb.DuckDBPyConnection, source_sql: str, params: dict) -> list[tuple[str, str]]:
    """(service_id, sku_id) of SKUs the description rules leave as 'other' though they bill time or capacity."""
    define_ingest_macros(con)
    try:
        rows = con.execute(
            f"""
            WITH gcp_src AS ({source_sql}),
            n AS ({connector_sql(__package__, 'normalize')})
            SELECT DISTINCT CAST(g.service_id AS VARCHAR), CAST(g.sku_id AS VARCHAR)
            FROM gcp_src g
            WHERE g.service_id IS NOT NULL AND g.sku_id IN (
                SELECT x_operation FROM n WHERE x_usage_kind = 'other' AND consumed_unit IN ('seconds', 'byte-seconds'))
            ORDER BY ALL
            """,
            {**params, "ingest_id": "catalog"},
        ).fetchall()
    except duckdb.InvalidInputException as error:  # a line breaking a data rule stops the ingest here already
        raise data_rule_error(error) or error from None
    return [(service, sku) for service, sku in rows]


def resource_groups(client: object, wanted: list[tuple[str, str]]) -> dict[str, str]:
    """sku_id -> resource_group for the wanted SKUs, listing each of their services' SKUs once."""
    from google.api_core import exceptions as api

    groups: dict[str, str] = {}
    for service in sorted({service for service, _ in wanted}):
        skus = {sku for svc, sku in wanted if svc == service}
        try:
            for sku in client.list_skus(parent=f"services/{service}"):
                if sku.sku_id in skus and sku.category.resource_group:
                    groups[sku.sku_id] = sku.category.resource_group
        except api.GoogleAPICallError as error:
            message = getattr(error, "message", None) or str(error).splitlines()[0]
            raise InputError(f"Cloud Catalog API, services/{service}: {message}; check access or pass --no-catalog") \
                from None
    return groups


def register_sku_groups(con: duckdb.DuckDBPyConnection, sources: list[tuple[str, dict]], *,
                        use_catalog: bool | None, client: object | None = None) -> dict[str, str]:
    """Create TEMP gcp_sku_groups for the normaliser; fill it from the Catalog API when asked (or, when
    use_catalog is None, when ADC is configured). `sources` are (gcp_src SELECT, its params)."""
    con.execute("CREATE OR REPLACE TEMP TABLE gcp_sku_groups (sku_id VARCHAR, resource_group VARCHAR)")
    if use_catalog is False or (use_catalog is None and client is None and adc_file() is None):
        return {}
    wanted = sorted({pair for sql, params in sources for pair in _unplaced(con, sql, params)})
    if not wanted:
        return {}
    groups = resource_groups(client or catalog_client(), wanted)
    if groups:
        con.execute("INSERT INTO gcp_sku_groups SELECT unnest($ids), unnest($groups)",
                    {"ids": list(groups), "groups": list(groups.values())})
    return groups
