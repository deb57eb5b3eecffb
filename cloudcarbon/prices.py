"""On-demand prices: the shipped snapshot (coefficients/data/prices.csv), and `prices refresh`, which writes
a newer snapshot to the user data directory from the AWS Pricing API, the GCP Cloud Billing Catalog and the Azure
Retail Prices API.

A refreshed row replaces the shipped row of the same (provider, region, instance type); nothing else
changes. Prices never reach the store: they are read at query time, like every coefficient.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import duckdb
import platformdirs

from cloudcarbon.coefficients.loader import SCHEMAS

PRICES_ENV_VAR = "CLOUDCARBON_PRICES"
COLUMNS = tuple(SCHEMAS["prices"])


def user_snapshot_path() -> Path:
    """Where `prices refresh` writes ($CLOUDCARBON_PRICES, else the user data directory)."""
    return Path(os.environ.get(PRICES_ENV_VAR) or Path(platformdirs.user_data_dir("cloudcarbon")) / "prices.csv")


def _snapshot_sql() -> str:
    """The user's snapshot ($path) in coef_prices' columns; a file written before `price_basis` existed holds list
    prices only."""
    typed = ", ".join(f"CAST({c} AS {t}) AS {c}" if c != "price_basis"
                      else "coalesce(price_basis, 'list') AS price_basis" for c, t in SCHEMAS["prices"].items())
    return (f"SELECT {typed} FROM (SELECT * FROM read_csv($path, header = true, all_varchar = true) "
            "UNION ALL BY NAME SELECT NULL::VARCHAR AS price_basis WHERE false)")


def register(con: duckdb.DuckDBPyConnection) -> None:
    """Overlay the user's refreshed prices on coef_prices (call after loader.register)."""
    path = user_snapshot_path()
    if not path.exists():
        return
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE coef_prices AS
        WITH fresh AS ({_snapshot_sql()})
        SELECT * FROM fresh
        UNION ALL BY NAME
        SELECT * FROM coef_prices p
        WHERE NOT EXISTS (SELECT 1 FROM fresh f WHERE f.provider = p.provider AND f.region = p.region
                          AND f.instance_type = p.instance_type)
        """,
        {"path": str(path)},
    )


def describe(con: duckdb.DuckDBPyConnection) -> str:
    """One line naming the price sources and dates in use."""
    rows = con.execute(
        "SELECT provider, count(DISTINCT region), min(price_date), max(price_date), "
        "count(DISTINCT region) FILTER (WHERE price_basis = 'derived') FROM coef_prices "
        "GROUP BY provider ORDER BY provider"
    ).fetchall()
    return "; ".join(f"{p}: {n} regions, {lo}..{hi}" + (f" ({d} derived: the {lo} us-east-1 list price x the region's "
                                                         "2024-09 price ratio for the family)" if d else "")
                     for p, n, lo, hi, d in rows) or "no prices"


def _aws_rows(client, regions: list[str], instance_types: list[str]) -> list[dict]:
    """On-demand Linux shared-tenancy prices from the AWS Pricing API (`get_products`)."""
    import json

    rows = []
    for region in regions:
        for instance_type in instance_types:
            filters = [{"Type": "TERM_MATCH", "Field": f, "Value": v} for f, v in (
                ("instanceType", instance_type), ("regionCode", region), ("operatingSystem", "Linux"),
                ("tenancy", "Shared"), ("preInstalledSw", "NA"), ("capacitystatus", "Used"))]
            pages = client.get_paginator("get_products").paginate(ServiceCode="AmazonEC2", Filters=filters)
            for page in pages:
                for item in page["PriceList"]:
                    product = json.loads(item)
                    for term in product.get("terms", {}).get("OnDemand", {}).values():
                        for dimension in term["priceDimensions"].values():
                            usd = float(dimension["pricePerUnit"].get("USD", "nan"))
                            if usd > 0:
                                rows.append({"provider": "aws", "region": region, "instance_type": instance_type,
                                             "usd_per_hour": usd, "price_date": date.today().isoformat(),
                                             "price_basis": "list",
                                             "source": "AWS Pricing API get_products (on-demand, Linux, shared)",
                                             "licence": "public fact (no licence claimed)"})
    return rows


def _gcp_rows(client, con: duckdb.DuckDBPyConnection, regions: list[str], machine_types: list[str]) -> list[dict]:
    """Machine prices from the Cloud Billing Catalog: vCPUs x core SKU + GiB x RAM SKU, per family and region.

    SKU descriptions name the family ("N2 Instance Core running in Americas"); on-demand SKUs have usage type
    OnDemand and a unit price per hour (units + nanos).
    """

    rates: dict[tuple[str, str, str], float] = {}
    for sku in client.list_skus(parent="services/6F81-5844-456A"):
        if sku.category.usage_type != "OnDemand" or sku.category.resource_group not in ("CPU", "RAM"):
            continue
        family = sku.description.split(" ")[0].lower()
        tiers = sku.pricing_info[0].pricing_expression.tiered_rates if sku.pricing_info else []
        if not tiers:
            continue
        price = tiers[-1].unit_price.units + tiers[-1].unit_price.nanos / 1e9
        for region in sku.service_regions:
            rates[(family, sku.category.resource_group, region)] = price
    shapes = con.execute("SELECT instance_type, family, vcpus, memory_gib FROM coef_instances "
                         "WHERE provider = 'gcp' AND list_contains($t, instance_type)", {"t": machine_types}).fetchall()
    rows = []
    for instance_type, family, vcpus, memory in shapes:
        for region in regions:
            core, ram = rates.get((family, "CPU", region)), rates.get((family, "RAM", region))
            if core is not None and ram is not None:
                rows.append({"provider": "gcp", "region": region, "instance_type": instance_type,
                             "usd_per_hour": round(vcpus * core + memory * ram, 6),
                             "price_date": date.today().isoformat(), "price_basis": "list",
                             "source": "GCP Cloud Billing Catalog list_skus (vCPU x core + GiB x RAM SKU)",
                             "licence": "public fact (no licence claimed)"})
    return rows


AZURE_PRICES_URL = "https://prices.azure.com/api/retail/prices"
AZURE_PAGES = 50  # pages of 1,000 meters: far beyond one size in a few regions


def _azure_rows(regions: list[str], instance_types: list[str]) -> list[dict]:
    """Linux pay-as-you-go prices from the Azure Retail Prices API (public, no credentials): the `Consumption`
    meters of each size in each region, following NextPageLink. Windows, Spot and Low Priority meters are left out
    (Windows meters carry the licence; the others are not on-demand)."""
    import requests

    def quoted(values: list[str]) -> str:
        return " or ".join(f"{{field}} eq '{v.replace(chr(39), chr(39) * 2)}'" for v in values)

    odata = (f"serviceName eq 'Virtual Machines' and priceType eq 'Consumption' and currencyCode eq 'USD' and "
             f"({quoted(regions).format(field='armRegionName')}) and "
             f"({quoted(instance_types).format(field='armSkuName')})")
    url, params, rows, pages = AZURE_PRICES_URL, {"$filter": odata}, {}, 0
    while url and pages < AZURE_PAGES:
        answer = requests.get(url, params=params, timeout=30)
        answer.raise_for_status()
        body = answer.json()
        for item in body.get("Items", []):
            names = f"{item.get('productName', '')} {item.get('skuName', '')} {item.get('meterName', '')}"
            if item.get("type") != "Consumption" or any(w in names for w in ("Windows", "Spot", "Low Priority")):
                continue
            if item.get("unitOfMeasure") != "1 Hour" or not item.get("retailPrice", 0) > 0:
                continue
            key = (item["armRegionName"], item["armSkuName"])
            rows[key] = {"provider": "azure", "region": key[0], "instance_type": key[1],
                         "usd_per_hour": float(item["retailPrice"]), "price_date": date.today().isoformat(),
                         "price_basis": "list", "source": "Azure Retail Prices API (Consumption, Linux, USD)",
                         "licence": "public fact (no licence claimed)"}
        url, params, pages = body.get("NextPageLink"), None, pages + 1
    return list(rows.values())


def refresh(
    con: duckdb.DuckDBPyConnection,
    *,
    provider: str,
    regions: list[str],
    instance_types: list[str],
    client=None,
) -> tuple[Path, int]:
    """Fetch current prices and merge them into the user snapshot; returns (path, rows written)."""
    from cloudcarbon.coefficients import loader
    from cloudcarbon.errors import CloudcarbonError, InputError

    loader.register(con)
    if not regions or not instance_types:
        raise InputError("prices refresh needs --region and --instance-type (each repeatable)")
    try:
        if provider == "aws":
            import boto3

            client = client or boto3.client("pricing", region_name="us-east-1")
            rows = _aws_rows(client, regions, instance_types)
        elif provider == "gcp":
            from google.cloud import billing_v1

            client = client or billing_v1.CloudCatalogClient(transport="rest")
            rows = _gcp_rows(client, con, regions, instance_types)
        elif provider == "azure":
            rows = _azure_rows(regions, instance_types)
        else:
            raise InputError(f"--provider {provider!r}: prices refresh supports aws, gcp and azure")
    except ImportError as error:
        extra = "aws" if provider == "aws" else "gcp"
        raise CloudcarbonError(f"prices refresh for {provider} needs {error.name}: pip install "
                               f"'cloudcarbon[{extra}]'") from None
    except CloudcarbonError:
        raise
    except Exception as error:  # SDK errors: name the service and the kind, never credentials
        raise CloudcarbonError(f"{provider} price API failed ({error.__class__.__name__}); check credentials "
                               "and network, or keep using the shipped snapshot") from None
    path = user_snapshot_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    con.execute("CREATE OR REPLACE TEMP TABLE fresh_prices AS SELECT * FROM (SELECT unnest($rows, recursive := true))",
                {"rows": rows or [{c: None for c in COLUMNS}]})
    old = _snapshot_sql() if path.exists() else "SELECT * FROM coef_prices WHERE false"
    con.execute(
        f"""
        COPY (
            SELECT {', '.join(COLUMNS)} FROM fresh_prices WHERE provider IS NOT NULL
            UNION ALL BY NAME
            SELECT * FROM ({old}) o WHERE NOT EXISTS (
                SELECT 1 FROM fresh_prices f WHERE f.provider = o.provider AND f.region = o.region
                AND f.instance_type = o.instance_type)
            ORDER BY provider, region, instance_type
        ) TO '{str(path).replace("'", "''")}' (HEADER, DELIMITER ',')
        """,
        {"path": str(path)} if path.exists() else {},
    )
    return path, len(rows)
