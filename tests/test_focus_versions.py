"""`ingest focus` across FOCUS 1.0 to 1.4: each version is recognised from its columns and recorded, the same usage
reads the same whatever the version, the provider comes from ServiceProviderName (1.3+) or ProviderName, a
HostProviderName other than the service provider is kept, and a 1.4 file without ProviderName is not refused.

Fixtures are built here from the specification's own examples (FOCUS_Spec, CC-BY-4.0, "FOCUS, FinOps Foundation";
../shared/reference/focus-1.3-1.4/): the column lists of each version, the entity identification scenarios
(specification/appendix/entity_identification.md), the ContractApplied, AllocatedMethodDetails, AllocatedTags and
TagDetails examples, and the hand-made split of one m5.xlarge node-hour into two pods and an unallocated row.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import fingerprint, one_line_error

# The columns each version adds to the Cost and Usage dataset that a usage row of these fixtures fills.
V10 = ["BillingAccountId", "BillingAccountName", "BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart",
       "ChargePeriodEnd", "ChargeCategory", "ChargeClass", "ChargeDescription", "InvoiceIssuerName", "ProviderName",
       "PublisherName", "ServiceName", "ServiceCategory", "SubAccountId", "SubAccountName", "RegionId", "RegionName",
       "ResourceId", "ResourceType", "PricingCategory", "ConsumedQuantity", "ConsumedUnit", "ListCost", "BilledCost",
       "EffectiveCost", "BillingCurrency", "Tags"]
V11 = [*V10, "SkuMeter", "SkuPriceDetails", "ServiceSubcategory"]
V12 = [*V11, "BillingAccountType", "InvoiceId", "PricingCurrency"]
V13 = [*V12, "ServiceProviderName", "HostProviderName"]
# 1.4 removed the deprecated ProviderName (and PublisherName).
V14 = [c for c in V13 if c not in ("ProviderName", "PublisherName")]
COLUMNS = {"1.0": V10, "1.1": V11, "1.2": V12, "1.3": V13, "1.4": V14}
# Conditional 1.3 columns (a provider that splits costs, or has contract commitments) and 1.4's TagDetails.
ALLOCATION = ["AllocatedMethodId", "AllocatedMethodDetails", "AllocatedResourceId", "AllocatedResourceName",
              "AllocatedTags"]

# ContractApplied, example 2 of its column page (a custom key beside the four datapoints).
CONTRACT_APPLIED = [
    {"ContractCommitmentID": "12346", "ContractCommitmentAppliedCost": 100.00,
     "ContractCommitmentAppliedQuantity": None, "ContractCommitmentAppliedUnit": None,
     "x_ContractCommitmentCostBalance": 499000.00},
    {"ContractCommitmentID": "23456", "ContractCommitmentAppliedCost": None,
     "ContractCommitmentAppliedQuantity": 10, "ContractCommitmentAppliedUnit": "compute_hours",
     "x_ContractCommitmentCostBalance": None},
]
# TagDetails, the object example of its column page (shortened to one scheme).
TAG_DETAILS = {"Default": {"Tags": {"team": {"TagSource": "Resource", "TagSourceId": "i-1", "TagValue": "platform",
                                             "AncestorTaggedSources": None}}, "UntaggedSources": None}}


def usage(**fields: object) -> dict[str, object]:
    """One usage row in every version's columns: an hour of an AWS m5.xlarge in us-east-1, bought directly from
    the cloud (entity scenario 1.1: service provider, host provider and invoice issuer are the cloud)."""
    line: dict[str, object] = {
        "BillingAccountId": "111122223333", "BillingAccountName": "Payer", "BillingAccountType": "Billing Account",
        "BillingPeriodStart": "2026-05-01T00:00:00Z", "BillingPeriodEnd": "2026-06-01T00:00:00Z",
        "ChargePeriodStart": "2026-05-01T10:00:00Z", "ChargePeriodEnd": "2026-05-01T11:00:00Z",
        "ChargeCategory": "Usage", "ChargeClass": None,
        "ChargeDescription": "$0.192 per On Demand Linux m5.xlarge Instance Hour",
        "InvoiceIssuerName": "Amazon Web Services, Inc.", "InvoiceId": "INV-1",
        "ProviderName": "AWS", "PublisherName": "AWS", "ServiceProviderName": "AWS", "HostProviderName": "AWS",
        "ServiceName": "Amazon Elastic Compute Cloud", "ServiceCategory": "Compute",
        "ServiceSubcategory": "Virtual Machines",
        "SubAccountId": "444455556666", "SubAccountName": "team", "RegionId": "us-east-1",
        "RegionName": "US East (N. Virginia)", "ResourceId": "i-0abc123def4567890", "ResourceType": "Virtual Machine",
        "PricingCategory": "Standard", "PricingCurrency": "USD", "SkuMeter": "Compute Usage",
        "SkuPriceDetails": {"InstanceType": "m5.xlarge", "CoreCount": 4},
        "ConsumedQuantity": 1.0, "ConsumedUnit": "Hours", "ListCost": 0.192, "BilledCost": 0.192,
        "EffectiveCost": 0.192, "BillingCurrency": "USD", "Tags": {"team": "platform"},
        "ContractApplied": None, "AllocatedMethodId": None, "AllocatedMethodDetails": None,
        "AllocatedResourceId": None, "AllocatedResourceName": None, "AllocatedTags": None, "TagDetails": None,
    }
    unknown = set(fields) - set(line)
    assert not unknown, unknown
    return {**line, **fields}


def write(path: Path, version: str, rows: list[dict[str, object]], extra: tuple[str, ...] = ()) -> Path:
    """A FOCUS `version` export of `rows` in that version's columns and `extra` ones: CSV (JSON as text) or
    Parquet (amounts as doubles, tags as maps, other JSON columns as text, as FOCUS 1.4 serialises them), after
    the file name."""
    columns = [*COLUMNS[version], *extra]
    if path.suffix == ".parquet":
        amounts, maps = {"ConsumedQuantity", "ListCost", "BilledCost", "EffectiveCost"}, {"Tags", "AllocatedTags"}
        table = {
            c: pa.array([None if r[c] is None else list(r[c].items()) for r in rows], pa.map_(pa.string(), pa.string()))
            if c in maps else pa.array([r[c] for r in rows], pa.float64()) if c in amounts
            else pa.array([None if r[c] is None else json.dumps(r[c]) if isinstance(r[c], dict | list) else r[c]
                           for r in rows], pa.string())
            for c in columns}
        pq.write_table(pa.table(table), path)
        return path
    cells = [[None if r[c] is None else json.dumps(r[c]) if isinstance(r[c], dict | list) else r[c] for c in columns]
             for r in rows]
    with open(path, "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([columns, *[["" if v is None else v for v in r] for r in cells]])
    return path


def store(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


STORED = """SELECT provider_name, billing_account_id, billing_period_start, sub_account_id, region_id, service_name,
                   resource_id, consumed_quantity, consumed_unit, effective_cost, x_usage_kind, x_instance_type,
                   x_instance_hours, x_vcpu_hours, tags FROM usage ORDER BY ALL"""


@pytest.mark.parametrize("container", ["csv", "parquet"])
@pytest.mark.parametrize("version", sorted(COLUMNS))
def test_each_version_is_recognised_recorded_and_read_alike(run, db, tmp_path, version, container):
    path = write(tmp_path / f"focus.{container}", version, [usage(), usage(ChargeCategory="Purchase")])
    result = run("ingest", "focus", str(path))
    assert f"focus-{version}-{container}" in result.stderr and "2 rows read, 1 kept" in result.stderr
    assert store(db, "SELECT source_format FROM ingests") == [(f"focus-{version}-{container}",)]
    expected = ("AWS", "111122223333", "444455556666", "us-east-1", "Amazon Elastic Compute Cloud",
                "i-0abc123def4567890", 1.0, "Hours", 0.192, "compute", "m5.xlarge", 1.0, 4.0, {"team": "platform"})
    (got,) = store(db, STORED)
    assert got[:2] + got[3:] == expected and str(got[2]) == "2026-05-01"


def test_the_same_usage_gives_the_same_footprint_in_every_version(run, tmp_path):
    totals = {}
    for version in COLUMNS:
        db = tmp_path / f"{version}.duckdb"
        run("--db", str(db), "ingest", "focus", str(write(tmp_path / f"{version}.csv", version, [usage()])))
        rows = json.loads(run("--db", str(db), "footprint", "--by", "provider", "--format", "json").stdout)["rows"]
        totals[version] = [(r["provider"], r["energy_kwh"], r["total_kgco2e"]) for r in rows]
    assert totals["1.4"][0][0] == "AWS" and totals["1.4"][0][1] > 0
    assert all(found == totals["1.0"] for found in totals.values()), totals


def test_14_without_provider_name_and_12_files_ingest_together(run, db, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    write(folder / "old.csv", "1.2", [usage(ResourceId="i-old", BillingPeriodStart="2026-04-01T00:00:00Z",
                                            ChargePeriodStart="2026-04-30T10:00:00Z",
                                            ChargePeriodEnd="2026-04-30T11:00:00Z")])
    write(folder / "new.csv", "1.4", [usage(ResourceId="i-new", ServiceProviderName="Amazon Web Services")])
    result = run("ingest", "focus", str(folder))
    assert "focus-1.2-csv+focus-1.4-csv" in result.stderr
    assert store(db, "SELECT resource_id, provider_name, x_vcpu_hours FROM usage ORDER BY 1") == [
        ("i-new", "AWS", 4.0), ("i-old", "AWS", 4.0)]


def test_service_provider_name_wins_over_the_deprecated_provider_name(run, db, tmp_path):
    # A 1.3 file carries both; where they disagree the replacement is the one 1.3 defines.
    rows = [usage(ProviderName="Microsoft", ServiceProviderName="AWS"),
            usage(ResourceId="i-2", ServiceProviderName=None)]  # left empty: the deprecated column still names it
    run("ingest", "focus", str(write(tmp_path / "f.csv", "1.3", rows)))
    assert store(db, "SELECT resource_id, provider_name, x_instance_type FROM usage ORDER BY 1") == [
        ("i-0abc123def4567890", "AWS", "m5.xlarge"), ("i-2", "AWS", "m5.xlarge")]


# Entity identification examples (appendix): who sells the service, whose infrastructure runs it.
SCENARIOS = [
    # 1.1 bought directly from the cloud, the host spelled as its legal name: the same provider, no tag.
    ("direct", {"ServiceProviderName": "AWS", "HostProviderName": "Amazon Web Services"}, "AWS", None),
    # 2.1 through a managed service provider that shows the host.
    ("msp", {"ServiceProviderName": "Contoso Managed Services", "HostProviderName": "Microsoft",
             "InvoiceIssuerName": "Contoso Managed Services"}, "Contoso Managed Services", "Azure"),
    # 3.1 a marketplace offering running on the cloud: the seller is the service provider.
    ("marketplace", {"ServiceProviderName": "Fabrikam Analytics", "HostProviderName": "AWS"}, "Fabrikam Analytics",
     "AWS"),
    # 4.1 SaaS bought directly: no infrastructure of the customer's.
    ("saas", {"ServiceProviderName": "Fabrikam Analytics", "HostProviderName": "Not Applicable"}, "Fabrikam Analytics",
     "Not Applicable"),
    # 5.1 an internal offering on premises, host and service provider the same (unknown) name.
    ("internal", {"ServiceProviderName": "Platform Team", "HostProviderName": "platform team"}, "Platform Team", None),
]


@pytest.mark.parametrize("version", ["1.3", "1.4"])
def test_host_provider_is_kept_where_it_is_another_entity(run, db, tmp_path, version):
    rows = [usage(ResourceId=name, **fields) for name, fields, _, _ in SCENARIOS]
    run("ingest", "focus", str(write(tmp_path / "f.csv", version, rows)))
    got = {r[0]: r[1:] for r in store(db, """SELECT resource_id, provider_name, tags['x_HostProviderName'],
                                                    tags['team'], x_usage_kind FROM usage""")}
    for name, _, provider, host in SCENARIOS:
        assert got[name][:3] == (provider, host, "platform"), name
    # Coefficients follow the service provider: a seller or MSP has none, so its rows are listed, not guessed.
    assert got["msp"][3] == got["marketplace"][3] == "other" and got["direct"][3] == "compute"
    listed = json.loads(run("unknowns", "--format", "json").stdout)["rows"]
    assert {r["provider"] for r in listed} == {"Contoso Managed Services", "Fabrikam Analytics", "Platform Team"}
    by_host = json.loads(run("footprint", "--by", "tag:x_HostProviderName", "--format", "json").stdout)["rows"]
    assert {r["tag:x_HostProviderName"] for r in by_host} == {None, "Azure", "AWS", "Not Applicable"}


def test_contract_applied_and_tag_details_leave_usage_as_it_is(run, db, tmp_path):
    rows = [usage(ContractApplied=CONTRACT_APPLIED, TagDetails=TAG_DETAILS)]
    run("ingest", "focus", str(write(tmp_path / "f.parquet", "1.4", rows, ("ContractApplied", "TagDetails"))))
    assert store(db, "SELECT consumed_quantity, effective_cost, x_instance_hours, tags FROM usage") == [
        (1.0, 0.192, 1.0, {"team": "platform"})]


@pytest.mark.parametrize(("columns", "version"), [
    # Columns a version introduced mark it even beside an older file's (a provider's partial upgrade).
    ((V12, ("TagDetails",)), "1.4"),
    ((V12, ("ContractApplied",)), "1.3"),
    ((V12, tuple(ALLOCATION)), "1.3"),
    ((V13, ("TagDetails",)), "1.4"),
])
def test_columns_a_version_introduced_mark_it(run, db, tmp_path, columns, version):
    base, extra = columns
    older = next(v for v, listed in COLUMNS.items() if listed == base)
    result = run("ingest", "focus", str(write(tmp_path / "f.csv", older, [usage()], extra)))
    assert f"focus-{version}-csv" in result.stderr


def split_node_hour() -> list[dict[str, object]]:
    """One m5.xlarge node-hour (0.192 USD) split by the provider into two pods and the unallocated rest
    (SYNTHETIC_focus-1.3_split-allocation_eks-node-hour.csv): quantities, costs and ratios add up to the node."""
    def elements(ratio: float, cpu: float | None, memory: float | None) -> dict[str, object]:
        return {"Elements": [{"AllocatedRatio": ratio, "UsageUnit": "vCPU", "UsageQuantity": cpu},
                             {"AllocatedRatio": ratio, "UsageUnit": "Memory", "UsageQuantity": memory}]}

    def pod(quantity: float, cost: float, details: dict[str, object], resource: str | None, name: str | None,
            tags: dict[str, str] | None) -> dict[str, object]:
        return usage(ConsumedQuantity=quantity, ListCost=cost, BilledCost=cost, EffectiveCost=cost,
                     AllocatedMethodId="EXAMPLE-EKS-SPLIT-CPU-MEM", AllocatedMethodDetails=details,
                     AllocatedResourceId=resource, AllocatedResourceName=name, AllocatedTags=tags)

    return [
        pod(0.5, 0.096, elements(0.25, 1, 4), "pod-uid-aaaa", "payments/api-7d9f",
            {"aws:eks:cluster-name": "prod", "aws:eks:namespace": "payments", "aws:eks:workload-name": "api"}),
        pod(0.25, 0.048, elements(0.125, 0.5, 2), "pod-uid-bbbb", "search/indexer-0",
            {"aws:eks:cluster-name": "prod", "aws:eks:namespace": "search", "aws:eks:workload-name": "indexer"}),
        pod(0.25, 0.048, elements(0.125, None, None), None, None, None),
    ]


def test_allocated_rows_add_up_to_the_node_they_split(run, tmp_path):
    """Split rows replace their origin charge, so the node's hours, cost and footprint are counted once."""
    figures = {}
    for name, rows in (("whole", [usage()]), ("split", split_node_hour())):
        db = tmp_path / f"{name}.duckdb"
        path = write(tmp_path / f"{name}.csv", "1.3", rows, tuple(ALLOCATION))
        result = run("--db", str(db), "ingest", "focus", str(path))
        assert "focus-1.3-csv" in result.stderr
        stored = store(db, "SELECT sum(x_instance_hours), sum(x_vcpu_hours), sum(effective_cost) FROM usage")
        footprint = json.loads(run("--db", str(db), "footprint", "--by", "provider", "--format", "json").stdout)
        figures[name] = (*stored[0], footprint["rows"][0]["energy_kwh"], footprint["rows"][0]["total_kgco2e"])
    assert figures["split"][:2] == figures["whole"][:2] == (1.0, 4.0)
    assert figures["split"][2:] == pytest.approx(figures["whole"][2:], rel=1e-12)


@pytest.mark.parametrize("container", ["csv", "parquet"])
def test_allocated_rows_are_grouped_by_pod_and_namespace_with_the_unallocated_rest(run, db, tmp_path, container):
    """A pod's footprint is its share of the node's; the unused capacity is a group of its own; they add up."""
    run("ingest", "focus", str(write(tmp_path / f"split.{container}", "1.3", split_node_hour(), tuple(ALLOCATION))))
    pods = {r["tag:x_AllocatedResourceName"]: r for r in json.loads(run(
        "footprint", "--by", "tag:x_AllocatedResourceName", "--format", "json").stdout)["rows"]}
    assert set(pods) == {"payments/api-7d9f", "search/indexer-0", "unallocated"}
    node = sum(r["energy_kwh"] for r in pods.values())
    assert [pods[p]["energy_kwh"] / node for p in ("payments/api-7d9f", "search/indexer-0", "unallocated")] == \
        pytest.approx([0.5, 0.25, 0.25], rel=1e-12)
    namespaces = {r["tag:aws:eks:namespace"]: r["total_kgco2e"] for r in json.loads(run(
        "footprint", "--by", "tag:aws:eks:namespace", "--format", "json").stdout)["rows"]}
    assert set(namespaces) == {"payments", "search", None}
    assert sum(namespaces.values()) == pytest.approx(sum(r["total_kgco2e"] for r in pods.values()), rel=1e-12)
    # The origin's tags stay on every allocated row; the target's tags join them; the rest names its method.
    tags = dict(store(db, "SELECT tags['x_AllocatedResourceId'], tags FROM usage"))
    assert tags["pod-uid-aaaa"] == {
        "team": "platform", "aws:eks:cluster-name": "prod", "aws:eks:namespace": "payments",
        "aws:eks:workload-name": "api", "x_AllocatedMethodId": "EXAMPLE-EKS-SPLIT-CPU-MEM",
        "x_AllocatedResourceId": "pod-uid-aaaa", "x_AllocatedResourceName": "payments/api-7d9f"}
    assert tags["unallocated"] == {
        "team": "platform", "x_AllocatedMethodId": "EXAMPLE-EKS-SPLIT-CPU-MEM", "x_AllocatedResourceId": "unallocated",
        "x_AllocatedResourceName": "unallocated"}


def test_rows_outside_a_split_carry_no_allocation_tags(run, db, tmp_path):
    run("ingest", "focus", str(write(tmp_path / "f.csv", "1.3", [usage(), *split_node_hour()[:1]], tuple(ALLOCATION))))
    assert store(db, "SELECT resource_id, tags FROM usage WHERE tags['x_AllocatedMethodId'] IS NULL") == [
        ("i-0abc123def4567890", {"team": "platform"})]


# --- refused in one line, the store unchanged ------------------------------------------------------------------

def test_a_14_file_without_any_provider_column_is_refused(run, db, tmp_path):
    run("ingest", "focus", str(write(tmp_path / "ok.csv", "1.4", [usage()])))
    before = fingerprint(db)
    path = tmp_path / "noprov.csv"
    with open(path, "w", newline="") as f:
        columns = [c for c in V14 if c != "ServiceProviderName"]
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(columns)
        writer.writerow(["" if usage()[c] is None else json.dumps(usage()[c]) if isinstance(usage()[c], dict)
                         else usage()[c] for c in columns])
    one_line_error(run("ingest", "focus", str(path), expect=None), "noprov.csv",
                   "required FOCUS column ServiceProviderName (or ProviderName, before FOCUS 1.3) is missing")
    assert fingerprint(db) == before


@pytest.mark.parametrize("version", ["1.3", "1.4"])
def test_an_empty_service_provider_is_named_by_row_and_column(run, db, tmp_path, version):
    run("ingest", "focus", str(write(tmp_path / "ok.csv", version, [usage()])))
    before = fingerprint(db)
    rows = [usage(), usage(ServiceProviderName=None, ProviderName=None)]
    bad = write(tmp_path / "bad.csv", version, rows)
    one_line_error(run("ingest", "focus", str(bad), expect=None), "bad.csv", "data row 2",
                   "column ServiceProviderName: is empty, but FOCUS requires it")
    assert fingerprint(db) == before


def test_report_rows_carry_service_and_host_provider_beside_provider_name(run, db, tmp_path):
    """The monthly CSV joins onto FOCUS 1.3+ exports by ServiceProviderName and HostProviderName, and onto 1.2 and
    older by ProviderName (the service provider)."""
    rows = [usage(), usage(ResourceId="msp", ServiceProviderName="Contoso Managed Services",
                           HostProviderName="Microsoft", EffectiveCost=0.5)]
    run("ingest", "focus", str(write(tmp_path / "f.csv", "1.4", rows)))
    run("report", "--month", "2026-05", "--output", str(tmp_path / "out"))
    with open(tmp_path / "out" / "report-2026-05.csv", newline="") as f:
        got = list(csv.DictReader(f))
    assert list(got[0])[:5] == ["ChargePeriodStart", "ChargePeriodEnd", "ProviderName", "ServiceProviderName",
                                "HostProviderName"]
    assert {(r["ProviderName"], r["ServiceProviderName"], r["HostProviderName"], r["EffectiveCost"]) for r in got} == {
        ("AWS", "AWS", "AWS", "0.192"), ("Contoso Managed Services", "Contoso Managed Services", "Azure", "0.5")}


@pytest.mark.parametrize(("field", "value", "message"), [
    ("ConsumedQuantity", "half", "column ConsumedQuantity: 'half' is not a number"),
    ("ChargePeriodStart", "soon", "column ChargePeriodStart: 'soon' is not a date/time"),
])
def test_a_bad_value_in_a_split_14_file_is_named_by_row_and_column(run, db, tmp_path, field, value, message):
    run("ingest", "focus", str(write(tmp_path / "ok.csv", "1.4", split_node_hour(), tuple(ALLOCATION))))
    before = fingerprint(db)
    rows = split_node_hour()
    rows[2] = {**rows[2], field: value}
    bad = write(tmp_path / "bad.csv", "1.4", rows, tuple(ALLOCATION))
    one_line_error(run("ingest", "focus", str(bad), expect=None), "bad.csv", "data row 3", message)
    assert fingerprint(db) == before
