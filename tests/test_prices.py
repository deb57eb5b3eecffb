"""`prices refresh`: AWS Pricing API (botocore Stubber; moto lacks Pricing) and the GCP Cloud Billing Catalog
(`responses` at the REST edge), merged into the user snapshot that recommend-region then uses."""

from __future__ import annotations

import json

import boto3
import duckdb
import pytest
import responses
from botocore.stub import ANY, Stubber

from cloudcarbon import prices


@pytest.fixture(autouse=True)
def snapshot(tmp_path, monkeypatch):
    path = tmp_path / "prices.csv"
    monkeypatch.setenv(prices.PRICES_ENV_VAR, str(path))
    return path


def _aws_product(usd: str) -> str:
    return json.dumps({"terms": {"OnDemand": {"T1": {"priceDimensions": {"D1": {"pricePerUnit": {"USD": usd}}}}}}})


def test_aws_refresh_writes_the_snapshot_and_fills_a_missing_price(run, snapshot):
    before = json.loads(run("recommend-region", "--instance-type", "m5.large", "--region", "us-east-1", "--hours",
                            "100", "--allow", "eu-north-1", "--format", "json").stdout)["rows"]
    (derived,) = [r for r in before if r["region"] == "eu-north-1"]
    assert derived["price_basis"] == "derived" and derived["cost"] > 0

    client = boto3.client("pricing", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    with Stubber(client) as stub:
        stub.add_response("get_products", {"PriceList": [_aws_product("0.0912")], "FormatVersion": "aws_v1"},
                          {"ServiceCode": "AmazonEC2", "Filters": ANY})
        with duckdb.connect() as con:
            path, count = prices.refresh(con, provider="aws", regions=["eu-north-1"], instance_types=["m5.large"],
                                         client=client)
        stub.assert_no_pending_responses()
    assert path == snapshot and count == 1 and "eu-north-1,m5.large,0.0912" in snapshot.read_text()

    after = json.loads(run("recommend-region", "--instance-type", "m5.large", "--region", "us-east-1", "--hours",
                           "100", "--allow", "eu-north-1", "--format", "json").stdout)["rows"]
    moved = next(r for r in after if r["region"] == "eu-north-1")
    assert moved["cost"] == pytest.approx(9.12) and moved["price_date"] and moved["price_basis"] == "list"


@responses.activate
def test_gcp_refresh_prices_a_machine_from_core_and_ram_skus(snapshot):
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import billing_v1

    def sku(description: str, group: str, units: int, nanos: int) -> dict:
        return {"name": "x", "skuId": "x", "description": description,
                "category": {"resourceFamily": "Compute", "resourceGroup": group, "usageType": "OnDemand"},
                "serviceRegions": ["europe-north1"],
                "pricingInfo": [{"pricingExpression": {"usageUnit": "h", "tieredRates": [
                    {"startUsageAmount": 0, "unitPrice": {"currencyCode": "USD", "units": str(units),
                                                          "nanos": nanos}}]}}]}

    responses.get(
        "https://cloudbilling.googleapis.com/v1/services/6F81-5844-456A/skus",
        json={"skus": [sku("N2 Instance Core running in Finland", "CPU", 0, 34_500_000),
                       sku("N2 Instance Ram running in Finland", "RAM", 0, 4_600_000)]},
    )
    client = billing_v1.CloudCatalogClient(transport="rest", credentials=AnonymousCredentials())
    with duckdb.connect() as con:
        _, count = prices.refresh(con, provider="gcp", regions=["europe-north1"], instance_types=["n2-standard-8"],
                                  client=client)
    assert count == 1
    line = next(x for x in snapshot.read_text().splitlines() if "n2-standard-8" in x)
    assert f"{8 * 0.0345 + 32 * 0.0046:.4f}" in line  # 8 vCPUs x core + 32 GiB x RAM


def test_api_failures_are_one_line_and_leave_no_snapshot(run, snapshot, monkeypatch):
    from conftest import one_line_error

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLESECRET")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "very-secret-value")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens: fails offline, fast
    line = one_line_error(run("prices", "refresh", "--provider", "aws", "--region", "eu-north-1",
                              "--instance-type", "m5.large", expect=1), "aws")
    assert "very-secret-value" not in line and "AKIAEXAMPLESECRET" not in line
    assert not snapshot.exists()


def test_a_snapshot_refreshed_before_price_basis_existed_still_serves_as_list_prices(run, snapshot):
    snapshot.write_text("provider,region,instance_type,usd_per_hour,price_date,source,licence\n"
                        'aws,eu-north-1,m5.large,0.0777,2026-01-05,"AWS Pricing API get_products (on-demand, Linux, '
                        'shared)",public fact (no licence claimed)\n')
    rows = json.loads(run("recommend-region", "--instance-type", "m5.large", "--region", "us-east-1", "--hours",
                          "100", "--allow", "eu-north-1", "--format", "json").stdout)["rows"]
    moved = next(r for r in rows if r["region"] == "eu-north-1")
    assert moved["cost"] == pytest.approx(7.77) and moved["price_basis"] == "list"
    assert moved["price_date"].startswith("2026-01-05")


def test_the_shipped_snapshot_prices_every_commercial_aws_region_and_labels_derived_prices():
    from cloudcarbon.coefficients import loader

    with duckdb.connect() as con:
        loader.register(con)
        counts = dict(con.execute("SELECT price_basis, count(DISTINCT region) FROM coef_prices WHERE provider = 'aws' "
                                  "GROUP BY ALL").fetchall())
        (source,) = con.execute("SELECT source FROM coef_prices WHERE provider = 'aws' AND region = 'eu-west-1' "
                                "AND instance_type = 'm5.large'").fetchall()[0]
        offered = con.execute("SELECT count(*) FROM coef_availability a JOIN coef_prices p USING (provider, region, "
                              "instance_type) WHERE p.price_basis = 'derived'").fetchall()[0][0]
    # Every commercial region of the 2024 all-region table (28) and the six launched since (priced as their nearest
    # priced region) beside the three with a current list; the two China regions (CNY, another partition) have none.
    assert counts == {"list": 3, "derived": 34}
    assert "2026-07-20 us-east-1 list" in source and "2024-09-27" in source and "m5 ratio" in source
    assert offered == 0, "a derived price says nothing about where a type is offered"


def _azure_item(**given: object) -> dict:
    """One meter as the Azure Retail Prices API returns it (fields as its documentation lists them)."""
    item = {"currencyCode": "USD", "tierMinimumUnits": 0.0, "retailPrice": 0.101, "unitPrice": 0.101,
            "armRegionName": "swedencentral", "location": "Sweden Central",
            "effectiveStartDate": "2025-01-01T00:00:00Z",
            "meterId": "00000000-0000-0000-0000-000000000001", "meterName": "D2s v5", "productId": "DZH318Z0BQPS",
            "skuId": "DZH318Z0BQPS/00TG", "productName": "Virtual Machines Dsv5 Series", "skuName": "D2s v5",
            "serviceName": "Virtual Machines", "serviceId": "DZH313Z7MMC8", "serviceFamily": "Compute",
            "unitOfMeasure": "1 Hour", "type": "Consumption", "isPrimaryMeterRegion": True,
            "armSkuName": "Standard_D2s_v5"}
    return item | given


@responses.activate
def test_azure_refresh_follows_pages_and_keeps_linux_pay_as_you_go(run, snapshot):
    url = prices.AZURE_PRICES_URL
    second = f"{url}?$filter=x&$skip=1000"
    responses.get(url, json={"BillingCurrency": "USD", "CustomerEntityId": "Default", "CustomerEntityType": "Retail",
                             "Items": [_azure_item(productName="Virtual Machines Dsv5 Series Windows",
                                                   retailPrice=0.193),
                                       _azure_item(skuName="D2s v5 Spot", meterName="D2s v5 Spot", retailPrice=0.02)],
                             "NextPageLink": second, "Count": 2})
    responses.get(second, json={"BillingCurrency": "USD", "Items": [_azure_item(), _azure_item(type="Reservation")],
                                "NextPageLink": None, "Count": 2})
    with duckdb.connect() as con:
        path, count = prices.refresh(con, provider="azure", regions=["swedencentral"],
                                     instance_types=["Standard_D2s_v5"])
    assert count == 1 and "swedencentral,Standard_D2s_v5,0.101" in path.read_text()
    sent = responses.calls[0].request.url
    assert "armRegionName+eq+%27swedencentral%27" in sent and "priceType+eq+%27Consumption%27" in sent
    rows = json.loads(run("recommend-region", "--provider", "azure", "--instance-type", "Standard_D2s_v5", "--region",
                          "eastus", "--hours", "100", "--allow", "swedencentral", "--format", "json").stdout)["rows"]
    moved = next(r for r in rows if r["region"] == "swedencentral")
    assert moved["cost"] == pytest.approx(10.1) and moved["price_basis"] == "list"


@responses.activate
def test_azure_refresh_failure_is_one_line_and_keeps_the_snapshot(run, snapshot):
    responses.get(prices.AZURE_PRICES_URL, status=503, json={"error": "unavailable"})
    result = run("prices", "refresh", "--provider", "azure", "--region", "swedencentral", "--instance-type",
                 "Standard_D2s_v5", expect=1)
    assert result.stderr.count("\n") == 1 and "azure price API failed (HTTPError)" in result.stderr
    assert not snapshot.exists()
