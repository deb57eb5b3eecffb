"""`cloudcarbon ingest azure-carbon`: Microsoft's Carbon Optimization emissions reports into provider_emissions, from
saved responses (JSON, request beside response or the body alone), CSV with the API's field names, and the REST API
(recorded responses in the API's shape at the HTTP edge, `responses`). No real customer report is public: the items
are written in the documented shape (Azure REST API specs, 2025-04-01 examples), with synthetic figures."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import duckdb
import pytest
import responses
from click.testing import CliRunner, Result
from conftest import REFERENCE, fingerprint, no_reference, one_line_error

from cloudcarbon.cli import cli
from cloudcarbon.connectors import get

EXAMPLE = get("azure_carbon").example_path()
AZURE_USAGE = get("azure").example_path()
SUBSCRIPTION = "5f1c2e3d-0000-4000-8000-00000000abcd"
OTHER = "7a9b0c1d-0000-4000-8000-00000000ef01"
API = "https://management.azure.com/providers/Microsoft.Carbon/carbonEmissionReports"


def invoke(db: Path, *args: str | Path) -> Result:
    return CliRunner().invoke(cli, ["--db", str(db), *map(str, args)])


def figures(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT sub_account_id, strftime(billing_period_start, '%Y-%m'), region_id, service_name, "
                           "resource_id, scope, scopes_covered, method, kgco2e FROM provider_emissions "
                           "ORDER BY ALL").fetchall()


def item(name: str, kind: str, value: float | str, location: str = "east us", subscription: str = SUBSCRIPTION,
         **extra: object) -> dict:
    return {"dataType": "ResourceItemDetailsData", "latestMonthEmissions": value, "previousMonthEmissions": 0.0,
            "monthOverMonthEmissionsChangeRatio": 0.0, "monthlyEmissionsChangeValue": 0.0, "itemName": name,
            "resourceGroup": "rg", "subscriptionId": subscription, "categoryType": "Resource", "resourceType": kind,
            "location": location,
            "resourceId": f"/subscriptions/{subscription}/resourceGroups/rg/providers/{kind}/{name}", **extra}


def body(*items: dict, skip: str | None = None) -> dict:
    return {"value": list(items), "subscriptionAccessDecisionList": [{"subscriptionId": SUBSCRIPTION,
                                                                      "decision": "Allowed"}],
            **({"skipToken": skip} if skip else {})}


def saved(path: Path, items: list[dict], scopes: list[str], month: str = "2025-10-01") -> Path:
    """A call as the REST API's examples write it: the request beside its response."""
    path.write_text(json.dumps({"parameters": {"api-version": "2025-04-01", "queryParameters": {
        "reportType": "ItemDetailsReport", "subscriptionList": [SUBSCRIPTION], "carbonScopeList": scopes,
        "dateRange": {"start": month, "end": month}, "categoryType": "Resource"}},
        "responses": {"200": {"body": body(*items)}}}, indent=2))
    return path


def test_the_example_lands_per_resource_in_kg_market_based_and_reingest_replaces(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    result = invoke(db, "ingest", "azure-carbon", EXAMPLE)
    assert result.exit_code == 0, result.output
    assert "7 rows read, 7 kept, 7 provider figure(s) stored" in result.stderr, result.stderr
    assert f"Azure {SUBSCRIPTION} 2025-10 (new)" in result.stderr
    held = figures(db)
    vm = [f for f in held if f[4].endswith("/gpu-train-01")]
    # Display name 'east us' -> region id; Microsoft's total over scopes 1+2+3 is market-based, in kg as reported.
    assert vm == [(SUBSCRIPTION, "2025-10", "eastus", "microsoft.compute/virtualmachines", vm[0][4], "total",
                   "1+2+3", "market", 5.12)]
    assert {f[2] for f in held} == {"eastus", "westeurope"}
    document = json.loads(EXAMPLE.read_text())
    assert sum(f[8] for f in held) == pytest.approx(
        sum(i["latestMonthEmissions"] for i in document["responses"]["200"]["body"]["value"]))
    again = invoke(db, "ingest", "azure-carbon", EXAMPLE)
    assert f"Azure {SUBSCRIPTION} 2025-10 (replaced)" in again.stderr and figures(db) == held


def test_single_scopes_are_stored_as_scopes_and_copies_once(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    vm = item("vm1", "microsoft.compute/virtualmachines", 2.5)
    files = [saved(tmp_path / "s1.json", [item("vm1", "microsoft.compute/virtualmachines", 0.1)], ["Scope1"]),
             saved(tmp_path / "s2.json", [vm], ["scope2"]),
             saved(tmp_path / "s2-copy.json", [vm], ["Scope2"]),
             saved(tmp_path / "s13.json", [item("vm1", "microsoft.compute/virtualmachines", 4.0)],
                   ["Scope3", "Scope1"])]
    result = invoke(db, "ingest", "azure-carbon", *files)
    assert result.exit_code == 0, result.output
    assert "1 duplicate line(s) dropped" in result.stderr, result.stderr
    assert [(f[5], f[6], f[7], f[8]) for f in figures(db)] == [
        ("scope 1", "1", None, 0.1), ("scope 2", "2", "market", 2.5), ("total", "1+3", "market", 4.0)]


def test_a_body_alone_needs_the_month_and_scopes_it_was_asked_for(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    path = tmp_path / "body.json"
    path.write_text(json.dumps(body(item("vm1", "microsoft.compute/virtualmachines", 1.5))))
    one_line_error(invoke(db, "ingest", "azure-carbon", path), "body.json", "item 1", "--month")
    one_line_error(invoke(db, "ingest", "azure-carbon", path, "--month", "2025-10"), "body.json", "--carbon-scopes")
    assert fingerprint(db) in ("absent", fingerprint(db))
    result = invoke(db, "ingest", "azure-carbon", path, "--month", "2025-10", "--carbon-scopes", "Scope1,Scope2,Scope3")
    assert result.exit_code == 0, result.output
    assert [(f[1], f[5], f[6], f[8]) for f in figures(db)] == [("2025-10", "total", "1+2+3", 1.5)]
    assert invoke(db, "ingest", "azure-carbon", path, "--carbon-scopes", "Scope4").exit_code == 2


def test_csv_with_the_api_field_names(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    path = tmp_path / "report.csv"
    rows = [item("vm1", "microsoft.compute/virtualmachines", 3.25, date="2025-10-01"),
            item("st1", "microsoft.storage/storageaccounts", "", date="2025-10-01")]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = invoke(db, "ingest", "azure-carbon", path, "--carbon-scopes", "Scope1,Scope2,Scope3")
    assert result.exit_code == 0, result.output
    assert "1 left out: 1 item(s) without latestMonthEmissions (first: data row 2)" in result.stderr, result.stderr
    assert [(f[1], f[3], f[8]) for f in figures(db)] == [("2025-10", "microsoft.compute/virtualmachines", 3.25)]


@pytest.mark.parametrize(("content", "names"), [
    ("{not json", ["bad.json", "not a whole JSON document"]),
    (json.dumps({"rows": []}), ["bad.json", "no `value` list"]),
    (json.dumps({"value": [{"dataType": "MonthlySummaryData", "latestMonthEmissions": 1, "date": "2025-10-01"}]}),
     ["bad.json", "MonthlySummaryData", "categoryType Resource"]),
])
def test_foreign_and_summary_files_are_refused(content: str, names: list[str], tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    assert invoke(db, "ingest", "azure-carbon", EXAMPLE).exit_code == 0
    before = fingerprint(db)
    (tmp_path / "bad.json").write_text(content)
    one_line_error(invoke(db, "ingest", "azure-carbon", tmp_path / "bad.json"), *names)
    assert fingerprint(db) == before


@pytest.mark.parametrize(("value", "names"), [("lots", ["bad.json", "data row 2", "latestMonthEmissions"]),
                                              (-2.0, ["bad.json", "item 2", "negative"])])
def test_bad_values_are_named_and_change_nothing(value: object, names: list[str], tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    assert invoke(db, "ingest", "azure-carbon", EXAMPLE).exit_code == 0
    before = fingerprint(db)
    bad = saved(tmp_path / "bad.json", [item("vm1", "microsoft.compute/virtualmachines", 1.0),
                                        item("vm2", "microsoft.compute/virtualmachines", value)], ["Scope1"])
    one_line_error(invoke(db, "ingest", "azure-carbon", bad), *names)
    assert fingerprint(db) == before


def test_the_api_authors_examples_land(tmp_path: Path) -> None:
    folder = REFERENCE / "provider-carbon" / "azure"
    if not folder.is_dir():
        pytest.skip(no_reference(folder))
    db = tmp_path / "s.duckdb"
    result = invoke(db, "ingest", "azure-carbon",
                    folder / "queryCarbonEmissionsResourceItemDetailsReport_2025-04-01.json")
    assert result.exit_code == 0, result.output
    held = figures(db)
    assert len(held) == 5 and {(f[1], f[5], f[6], f[7]) for f in held} == {("2024-05", "total", "1+3", "market")}
    one_line_error(invoke(db, "ingest", "azure-carbon",
                          folder / "queryCarbonEmissionsMonthlySummaryReport_2025-04-01.json"), "MonthlySummaryData")


def test_reconcile_meets_azure_usage_and_microsofts_figures_by_service_category(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    assert invoke(db, "ingest", "azure", AZURE_USAGE).exit_code == 0
    assert invoke(db, "ingest", "azure-carbon", EXAMPLE).exit_code == 0
    result = invoke(db, "reconcile", "--month", "2025-10", "--by", "account,service", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {(r["account"], r["service"]): r for r in json.loads(result.stdout)["rows"]}
    # Our 'Virtual Machines' meters and their microsoft.compute/virtualmachines meet as Compute; disks and storage
    # accounts (MeterCategory Storage) as Storage.
    compute = rows[(SUBSCRIPTION, "Compute")]
    assert compute["ours_total_kgco2e"] > 0 and compute["theirs_market_kgco2e"] == pytest.approx(5.12 + 19.4)
    assert compute["theirs_location_kgco2e"] is None and compute["their_method_compared"] == "market"
    assert compute["ratio"] == pytest.approx(compute["ours_total_kgco2e"] / compute["theirs_market_kgco2e"])
    assert "market-based" in compute["explanation"] and "renewable energy purchases" in compute["explanation"]
    assert rows[(SUBSCRIPTION, "Storage")]["theirs_market_kgco2e"] == pytest.approx(0.22 + 0.61)
    parts = [k for k in compute if k.startswith("part_")]
    assert sum(compute[k] for k in parts) == pytest.approx(compute["difference_kgco2e"])
    assert rows[(OTHER, "Databases")]["part_only_theirs_kgco2e"] == pytest.approx(-9.03)


class FakeCredential:
    def get_token(self, *scopes: str, **kwargs: object) -> object:
        from azure.core.credentials import AccessToken

        assert scopes == ("https://management.azure.com/.default",)
        return AccessToken("fake-token-for-tests", int(time.time()) + 3600)


def _api_ingest(db: Path, scope: str, month: str = "2025-10") -> object:
    from cloudcarbon.connectors.azure_carbon.api import ingest_api
    from cloudcarbon.periods import window
    from cloudcarbon.staging import ingest_staged

    return ingest_staged(str(db), lambda con: ingest_api(con, window=window(month), scope=scope,
                                                         credential=FakeCredential()))


@responses.activate
def test_the_api_reads_four_reports_pages_retries_and_names_refused_subscriptions(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    vm, disk = (item("vm1", "microsoft.compute/virtualmachines", 3.0),
                item("d1", "microsoft.compute/disks", 0.25))
    refused = body(vm) | {"subscriptionAccessDecisionList": [
        {"subscriptionId": SUBSCRIPTION, "decision": "Allowed"},
        {"subscriptionId": OTHER, "decision": "Denied",
         "denialReason": "Carbon Optimization Reader permission required"}]}
    responses.post(API, status=429, headers={"Retry-After": "1"}, json={"error": {"code": "TooManyRequests"}})
    responses.post(API, json=refused | {"skipToken": "cGFnZTI="})  # scopes 1+2+3, page 1
    responses.post(API, json=body(disk))  # scopes 1+2+3, page 2
    for value in (0.05, 1.2, 1.75):  # Scope1, Scope2, Scope3
        responses.post(API, json=body(item("vm1", "microsoft.compute/virtualmachines", value)))
    started = time.monotonic()
    summary = _api_ingest(db, f"/subscriptions/{SUBSCRIPTION},/subscriptions/{OTHER.upper()}")
    assert time.monotonic() - started >= 1  # Retry-After honoured
    posts = [json.loads(call.request.body) for call in responses.calls if call.response.status_code == 200]
    assert [p["carbonScopeList"] for p in posts] == [["Scope1", "Scope2", "Scope3"]] * 2 + [
        ["Scope1"], ["Scope2"], ["Scope3"]]
    assert posts[0]["subscriptionList"] == [SUBSCRIPTION, OTHER] and posts[0]["dateRange"] == {
        "start": "2025-10-01", "end": "2025-10-01"}
    assert "skipToken" not in posts[0] and posts[1]["skipToken"] == "cGFnZTI="
    assert all(c.request.headers["Authorization"] == "Bearer fake-token-for-tests" for c in responses.calls)
    assert "api-version=2025-04-01" in responses.calls[0].request.url
    assert [(f[3], f[5], f[7], f[8]) for f in figures(db)] == [
        ("microsoft.compute/disks", "total", "market", 0.25),
        ("microsoft.compute/virtualmachines", "scope 1", None, 0.05),
        ("microsoft.compute/virtualmachines", "scope 2", "market", 1.2),
        ("microsoft.compute/virtualmachines", "scope 3", None, 1.75),
        ("microsoft.compute/virtualmachines", "total", "market", 3.0)]
    line = summary.line()
    assert f"warning: Microsoft refused subscription {OTHER}" in line and "Carbon Optimization Reader" in line
    with duckdb.connect(str(db), read_only=True) as con:
        sources = {s for (s,) in con.execute("SELECT DISTINCT x_source_file FROM provider_emissions").fetchall()}
    assert all(s.startswith("Carbon Optimization API 2025-10-") for s in sources) and "/tmp" not in str(sources)


@responses.activate
def test_api_refusals_are_one_line_and_leave_the_store(tmp_path: Path, run, db) -> None:
    from cloudcarbon.errors import InputError

    assert run("ingest", "azure-carbon", str(EXAMPLE)).exit_code == 0
    before = fingerprint(db)
    responses.post(API, status=403, json={"error": {"code": "AuthorizationFailed",
                                                    "message": "The client does not have authorization"}})
    with pytest.raises(InputError, match=r"HTTP 403: AuthorizationFailed.*Carbon Optimization Reader"):
        _api_ingest(db, f"/subscriptions/{SUBSCRIPTION}")
    responses.replace(responses.POST, API, json=body())
    with pytest.raises(InputError, match="no emissions for 2025-10"):
        _api_ingest(db, f"/subscriptions/{SUBSCRIPTION}")
    assert fingerprint(db) == before


def test_usage_errors(run) -> None:
    run("ingest", "azure-carbon", expect=2)
    run("ingest", "azure-carbon", "x.json", "--scope", f"/subscriptions/{SUBSCRIPTION}", expect=2)
    run("ingest", "azure-carbon", "--scope", f"/subscriptions/{SUBSCRIPTION}", expect=2)
    run("ingest", "azure-carbon", "--scope", "/providers/Microsoft.Billing/billingAccounts/1", "--month", "2025-10",
        expect=2)
    run("ingest", "azure-carbon", "--scope", f"/subscriptions/{SUBSCRIPTION}", "--month", "2025-10",
        "--carbon-scopes", "Scope1", expect=2)
    run("ingest", "azure-carbon", "x.json", "--month", "October", expect=2)
