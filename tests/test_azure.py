"""`cloudcarbon ingest azure`: every public sample, hand-written exports for what samples lack,
manifests, az:// (fsspec memory filesystem registered as `az`), the Consumption API (`responses`
at management.azure.com), bad input, footprint and idempotency."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import duckdb
import fsspec
import pandas as pd
import pytest
import responses
from azure.core.credentials import AccessToken
from azurefiles import SCHEMA_COLUMNS, SUBSCRIPTION, in_schema, mixed_rows, row, vm, write_export, write_schema
from click.testing import CliRunner
from conftest import SAMPLES, fingerprint, no_reference, one_line_error
from fsspec.implementations.memory import MemoryFileSystem

from cloudcarbon.cli import cli
from cloudcarbon.coefficients.loader import data_path
from cloudcarbon.connectors.azure.formats import SCHEMAS

AZURE = SAMPLES / "azure-cost"
needs_samples = pytest.mark.skipif(not AZURE.is_dir(), reason=no_reference(AZURE))

INGESTIBLE = [
    "ea-actual_csv_anonymized_2023-09_27rows.csv",
    "ea-actual_csv_koku_2020-09_vm-d4sv3.csv",
    "mca-actual_csv_camelCase_koku_2023-08.csv",
    "legacy-payg_csv_PascalCase_koku_2019-07.csv",
    "legacy-payg_csv_camelCase_koku_2019-07.csv",
    "header-variants/opencost_headerset_Enterprise.csv",
    "header-variants/opencost_headerset_EnterpriseCamel.csv",
    "header-variants/opencost_headerset_German.csv",
    "header-variants/opencost_headerset_PayAsYouGo.csv",
    "header-variants/opencost_headerset_YA.csv",
]
REJECTED = {
    # Its one row is empty but for the date: there is no subscription to file it under.
    "header-variants/opencost_headerset_BOM.csv": ["data row 1", "SubscriptionGuid", "is empty"],
    # Cost-only extracts: no quantity to estimate from.
    "header-variants/opencost_values_MissingBrackets.csv": ["Quantity (or UsageQuantity, ConsumedQuantity) is missing"],
    "header-variants/opencost_values_Template.csv": ["Quantity (or UsageQuantity, ConsumedQuantity) is missing"],
    "header-variants/opencost_values_VirtualMachine.csv": ["Quantity (or UsageQuantity, ConsumedQuantity) is missing"],
}


def english(column: str) -> str:
    match = re.search(r"\(([A-Za-z]+)\)\s*$", column)
    return (match.group(1) if match else column).lower()


def expected_totals(path: Path) -> tuple[int, float, float]:
    """Rows, quantity and cost of the usage rows, read independently with pandas."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [english(c) for c in frame.columns]
    usage = frame[frame["chargetype"] == "Usage"] if "chargetype" in frame else frame
    quantity = "quantity" if "quantity" in usage else "usagequantity"
    cost = next(c for c in ("costinbillingcurrency", "pretaxcost", "cost") if c in usage)
    return len(usage), pd.to_numeric(usage[quantity]).sum(), pd.to_numeric(usage[cost]).sum()


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def catalog(size: str) -> pd.Series | None:
    """The coefficient library's row for an Azure size, if it has one."""
    rows = pd.read_csv(data_path("instances"), keep_default_na=False, na_values=[""])
    found = rows[(rows.provider == "azure") & (rows.instance_type == size)]
    return found.iloc[0] if len(found) else None


@needs_samples
@pytest.mark.parametrize("name", INGESTIBLE)
def test_sample_ingests_with_reconciled_totals(run, db, name):
    run("ingest", "azure", str(AZURE / name))
    rows, quantity, cost = expected_totals(AZURE / name)
    [(kept, stored_quantity, stored_cost, providers)] = query(
        db, "SELECT count(*), sum(consumed_quantity), sum(effective_cost), list(DISTINCT provider_name) FROM usage")
    assert (kept, providers) == (rows, ["Azure"])
    assert stored_quantity == pytest.approx(quantity)
    assert stored_cost == pytest.approx(cost)
    # Every spelling of a location (`CentralUS`, `US East 2`, `usnorth`) lands on a catalog region.
    regions = pd.read_csv(data_path("regions"), keep_default_na=False)
    known = set(regions[regions.provider == "azure"].region)
    assert {r[0] for r in query(db, "SELECT DISTINCT region_id FROM usage")} <= known


@needs_samples
@pytest.mark.parametrize("name", sorted(REJECTED))
def test_sample_is_rejected_with_a_reason(tmp_path, run, db, name):
    run("ingest", "azure", str(write_export(tmp_path / "good.csv", mixed_rows())))
    before = fingerprint(db)
    line = one_line_error(run("ingest", "azure", str(AZURE / name), expect=1), name.split("/")[-1])
    for reason in REJECTED[name]:
        assert reason in line
    assert fingerprint(db) == before


@needs_samples
def test_every_sample_is_covered():
    on_disk = {str(p.relative_to(AZURE)) for p in AZURE.rglob("*.csv") if p.relative_to(AZURE).parts[0] != "reference"}
    assert on_disk == set(INGESTIBLE) | set(REJECTED)


@needs_samples
def test_koku_vm_row_hours_vcpus_disk_and_licence(run, db):
    run("ingest", "azure", str(AZURE / "ea-actual_csv_koku_2020-09_vm-d4sv3.csv"))
    rows = {r[0]: r[1:] for r in query(db, """
        SELECT x_usage_type, x_usage_kind, x_instance_type, x_instance_hours, x_vcpu_hours, consumed_unit,
               x_storage_gib_hours, x_storage_media, x_storage_class, charge_period_start, billing_period_start
        FROM usage""")}
    # `10 Hours` is the pricing block: Quantity 22 is 22 hours; VCPUs 4 from AdditionalInfo.
    vm_row = rows["D4 v3/D4s v3"]
    assert vm_row[:5] == ("compute", "Standard_D4s_v3", 22.0, 88.0, "Hours")
    assert str(vm_row[8].date()) == "2020-09-11" and str(vm_row[9]) == "2020-09-01"
    # An S4 disk (32 GiB, Standard HDD) for 0.04004 of a 30-day month.
    disk = rows["S4 Disks"]
    assert disk[0] == "storage" and disk[5] == pytest.approx(0.04004 * 32 * 24 * 30)
    assert disk[6:8] == ("hdd", "block")
    assert rows["4 vCPU"][0] == "other"  # Virtual Machines Licenses are software, not a machine


@needs_samples
def test_ea_sample_sizes_from_meter_names_spot_tags_and_us_dates(run, db):
    run("ingest", "azure", str(AZURE / "ea-actual_csv_anonymized_2023-09_27rows.csv"))
    rows = query(db, """
        SELECT x_usage_type, x_instance_type, pricing_category, tags['tagA'], strftime(charge_period_start, '%Y-%m-%d')
        FROM usage WHERE x_instance_type IS NOT NULL ORDER BY ALL""")
    by_meter = {r[0]: r[1:] for r in rows}
    assert by_meter["DS4 v2 Spot"][:2] == ("Standard_DS4_v2", "Dynamic")
    assert by_meter["L4s Spot"][:2] == ("Standard_L4s", "Dynamic")
    assert by_meter["F2/F2s"][1] == "Standard"
    assert {r[3] for r in rows} == {"valueA"}  # EA tags are written without braces
    assert all(r[4].startswith("2023-09-") for r in rows)  # `9/2/2023` is month-first


def test_hand_written_export_gpu_arm_spot_storage_network(tmp_path, run, db):
    run("ingest", "azure", str(write_export(tmp_path / "costs.csv", mixed_rows())))
    rows = {r[0]: r[1:] for r in query(db, """
        SELECT coalesce(x_instance_type, x_usage_type), x_usage_kind, x_instance_hours, x_gpu_hours, pricing_category,
               x_storage_gib_hours, x_storage_media, x_storage_class, x_network_gb, region_id, tags['team']
        FROM usage""")}
    assert len(rows) == 10  # Purchase and Tax are not usage
    for size, hours in [("Standard_NC24ads_A100_v4", 48), ("Standard_ND96isr_H100_v5", 24), ("Standard_D4ps_v5", 72)]:
        spec = catalog(size)
        gpus = 0 if spec is None or pd.isna(spec.gpu_count) else int(spec.gpu_count)
        assert rows[size][1:3] == (hours, hours * gpus)
        assert rows[size][0] == ("gpu" if gpus else "compute")
    assert rows["Standard_D4s_v3"][3] == "Dynamic"  # from the meter name `D4s v3 Spot`
    assert rows["Standard_E4s_v3"][3] == "Committed"
    assert rows["P10 LRS Disk"][4:7] == (pytest.approx(0.5 * 128 * 24 * 31), "ssd", "block")
    assert rows["Hot LRS Data Stored"][4:7] == (pytest.approx(300 * 24 * 31), "hdd", "object")
    assert rows["Archive LRS Data Stored"][4:7] == (pytest.approx(1000 * 24 * 31), "hdd", "archive")
    assert rows["Standard Data Transfer Out"][0] == "network" and rows["Standard Data Transfer Out"][7] == 42
    assert rows["Standard Data Transfer Out"][9] == "web" and rows["Standard_D4ps_v5"][9] == "ml"
    assert rows["4 vCPU"][0] == "other"
    # `US East`, `West Europe`, `eastus`: one region id each, through the region aliases.
    assert (rows["Standard_D4ps_v5"][8], rows["Standard_ND96isr_H100_v5"][8], rows["Standard_E4s_v3"][8]) == (
        "eastus", "westeurope", "eastus")


@pytest.mark.parametrize("suffix", [".csv.gz", ".parquet"])
def test_gzip_and_parquet_give_the_same_rows(tmp_path, run, db, suffix):
    columns = "x_instance_type, x_usage_kind, consumed_quantity, effective_cost, x_storage_gib_hours, x_network_gb"
    run("ingest", "azure", str(write_export(tmp_path / "plain.csv", mixed_rows())))
    plain = query(db, f"SELECT {columns} FROM usage ORDER BY ALL")
    run("ingest", "azure", str(write_export(tmp_path / f"other{suffix}", mixed_rows())))
    assert query(db, f"SELECT {columns} FROM usage ORDER BY ALL") == plain  # same period: replaced, not doubled


def test_dates_are_read_with_one_format_per_file(tmp_path, run, db):
    iso = [vm("Standard_D2s_v3", 1, Date="2025-10-03 00:00:00", BillingPeriodStartDate="2025-10-01")]
    day_first = [vm("Standard_D2s_v3", 1, Date="13/10/2025", BillingPeriodStartDate="01/10/2025"),
                 vm("Standard_D2s_v3", 1, Date="03/10/2025", BillingPeriodStartDate="01/10/2025")]
    run("ingest", "azure", str(write_export(tmp_path / "a/iso.csv", iso)),
        str(write_export(tmp_path / "b/dmy.csv", day_first)))
    days = [r[0] for r in query(db, "SELECT strftime(charge_period_start, '%Y-%m-%d') FROM usage ORDER BY 1")]
    assert days == ["2025-10-03", "2025-10-03", "2025-10-13"]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([row(MeterCategory="Storage", Quantity="12,5")], ["data row 1", "column Quantity", "'12,5'", "not a number"]),
        ([row(MeterCategory="Storage"), row(MeterCategory="Storage", CostInBillingCurrency="n/a")],
         ["data row 2", "column CostInBillingCurrency", "not a number"]),
        ([row(MeterCategory="Storage"), row(MeterCategory="Storage", Date="2025-10-06")],
         ["data row 2", "column Date", "'2025-10-06'", "one style per file"]),
        ([row(MeterCategory="Storage", Date="")], ["data row 1", "column Date", "is empty"]),
    ],
)
def test_bad_values_are_named_and_change_nothing(tmp_path, run, db, rows, expected):
    run("ingest", "azure", str(write_export(tmp_path / "good.csv", mixed_rows())))
    before = fingerprint(db)
    bad = write_export(tmp_path / "bad.csv", rows)
    one_line_error(run("ingest", "azure", str(bad), expect=1), str(bad), *expected)
    assert fingerprint(db) == before


def test_foreign_truncated_and_unusable_sources_are_refused(tmp_path, run, db):
    aws = tmp_path / "cur.csv"
    aws.write_text("identity/LineItemId,lineItem/UsageType,lineItem/UsageAmount\nx,BoxUsage:m5.large,1\n")
    one_line_error(run("ingest", "azure", str(aws), expect=1), "AWS Cost and Usage Report", "ingest aws")
    focus = tmp_path / "focus.csv"
    focus.write_text("ChargePeriodStart,ProviderName,BilledCost\n2025-01-01,Microsoft,1\n")
    one_line_error(run("ingest", "azure", str(focus), expect=1), "FOCUS", "ingest focus")
    cut = write_export(tmp_path / "cut.csv", mixed_rows())
    cut.write_bytes(cut.read_bytes()[:-60])
    one_line_error(run("ingest", "azure", str(cut), expect=1), "truncated")
    one_line_error(run("ingest", "azure", "s3://bucket/x.csv", expect=1), "az:// or abfs://")
    assert run("ingest", "azure", expect=2).exit_code == 2
    assert not db.exists()  # refused before anything was stored: not even an empty store was created


def test_reingest_is_idempotent_and_footprint_groups_by_provider_region_service(tmp_path, run, db):
    export = str(write_export(tmp_path / "costs.csv", mixed_rows()))
    run("ingest", "azure", export)
    first = query(db, "SELECT * EXCLUDE (x_ingest_id) FROM usage ORDER BY ALL")
    second = run("ingest", "azure", export)
    assert "(replaced)" in second.stderr
    assert query(db, "SELECT * EXCLUDE (x_ingest_id) FROM usage ORDER BY ALL") == first
    report = json.loads(run("footprint", "--by", "provider,region,service", "--format", "json").stdout)
    rows = report["rows"]
    assert {r["provider"] for r in rows} == {"Azure"}
    assert {r["service"] for r in rows} >= {"Virtual Machines", "Storage", "Bandwidth"}
    [(stored_cost,)] = query(db, "SELECT sum(effective_cost) FROM usage")
    assert sum(r["cost"] for r in rows) == pytest.approx(stored_cost)
    storage = [r for r in rows if r["service"] == "Storage"]
    assert all(r["energy_kwh"] > 0 for r in storage)


# --- every documented EA and MCA cost-details schema ----------------------------------------------------

# Fixture schema -> the source format the ingest records (schema and container).
SCHEMA_FORMATS = {
    "ea-2024-08-01": "azure-ea-csv",
    "ea-2021-10-01": "azure-ea-csv",
    "ea-cost": "azure-ea-cost-csv",
    "ea-reporting": "azure-ea-reporting-csv",
    "ea-2019-10-01": "azure-legacy-csv",
    "payg-2019-11-01": "azure-legacy-csv",
    "mca-2023-12-01": "azure-mca-csv",
    "mca-2019-10-01": "azure-mca-csv",
}
# Schemas whose files name no currency: their cost is stored without one.
NO_CURRENCY = {"ea-reporting", "ea-2019-10-01"}


def one_day_of_usage(schema: str) -> list[dict[str, str]]:
    """A D4s v3 for 24 hours (4.8) and half a month of a P10 disk (9.5) on 5 October 2025, in the schema's
    columns; schemas with a charge type also get a reservation purchase (500), which is not usage."""
    rows = [
        vm("Standard_D4s_v3", 24, CostInBillingCurrency="4.8"),
        row(MeterCategory="Storage", MeterSubCategory="Premium SSD Managed Disks", MeterName="P10 LRS Disk",
            UnitOfMeasure="1/Month", Quantity="0.5", CostInBillingCurrency="9.5"),
    ]
    columns = {c.lower() for c in SCHEMA_COLUMNS[schema]}
    if "chargetype" in columns:
        rows.append(row(MeterCategory="Virtual Machines", MeterName="D4s v3", ChargeType="Purchase", Quantity="1",
                        CostInBillingCurrency="500"))
    if "usagedatetime" in columns:  # the usage exports write ISO dates
        rows = [{**r, "Date": "2025-10-05", "BillingPeriodStartDate": ""} for r in rows]
    # The EA Reporting API's SubscriptionId is the enrollment's number for it; the GUID is SubscriptionGuid.
    return in_schema(schema, rows, **({"SubscriptionId": "4417203"} if schema == "ea-reporting" else {}))


def footprint_totals(db: Path) -> dict[str, float]:
    result = CliRunner().invoke(cli, ["--db", str(db), "footprint", "--by", "service", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)["rows"]
    keys = ("vcpu_hours", "energy_kwh", "operational_kgco2e", "embodied_kgco2e", "total_kgco2e", "cost")
    return {f"{r['service']} {k}": r[k] for r in rows for k in keys}


def test_every_schema_is_named_by_a_fixture():
    assert {f.split("-", 1)[1].rsplit("-", 1)[0] for f in SCHEMA_FORMATS.values()} == set(SCHEMAS)


@pytest.mark.parametrize("schema", sorted(SCHEMA_FORMATS))
def test_every_documented_schema_lands_like_the_current_ea_export(tmp_path, run, db, schema):
    reference = tmp_path / "reference.duckdb"
    ea = write_schema(tmp_path / "ea.csv", "ea-2024-08-01", one_day_of_usage("ea-2024-08-01"))
    assert CliRunner().invoke(cli, ["--db", str(reference), "ingest", "azure", str(ea)]).exit_code == 0
    expected = footprint_totals(reference)
    assert expected["Virtual Machines vcpu_hours"] == 96 and expected["Virtual Machines energy_kwh"] > 0

    export = write_schema(tmp_path / f"{schema}.csv", schema, one_day_of_usage(schema))
    summary = run("ingest", "azure", str(export)).stderr
    assert f"({SCHEMA_FORMATS[schema]})" in summary
    assert query(db, "SELECT source_format FROM ingests") == [(SCHEMA_FORMATS[schema],)]
    assert footprint_totals(db) == pytest.approx(expected)
    stored = query(db, """
        SELECT sub_account_id, x_instance_type, x_instance_hours, effective_cost, billing_currency,
               strftime(charge_period_start, '%Y-%m-%d'), region_id
        FROM usage ORDER BY effective_cost""")
    currency = None if schema in NO_CURRENCY else "USD"
    assert stored == [
        (SUBSCRIPTION, "Standard_D4s_v3", 24.0, 4.8, currency, "2025-10-05", "eastus"),
        (SUBSCRIPTION, None, None, 9.5, currency, "2025-10-05", "eastus"),
    ]


def test_ea_cost_export_as_parquet(tmp_path, run, db):
    rows = one_day_of_usage("ea-cost")
    path = tmp_path / "costs.parquet"
    pd.DataFrame(rows, columns=SCHEMA_COLUMNS["ea-cost"], dtype=str).to_parquet(path, index=False)
    run("ingest", "azure", str(path))
    assert query(db, "SELECT source_format FROM ingests") == [("azure-ea-cost-parquet",)]
    assert query(db, "SELECT sum(effective_cost), sum(x_vcpu_hours) FROM usage") == [(pytest.approx(14.3), 96.0)]


@pytest.mark.parametrize("schema", ["ea-2024-08-01", "ea-2021-10-01", "ea-cost", "mca-2023-12-01"])
def test_amortized_exports_carry_the_reservation_cost_and_drop_unused_reservations(tmp_path, run, db, schema):
    """An AmortizedCost export has the actual export's columns: a reserved VM's usage row carries its share of
    the reservation, and the unused part is an UnusedReservation row, which is not usage."""
    reservation = "4f18e7c9-9ae8-4251-886b-8bd942a41bdf"
    rows = [
        vm("Standard_E4s_v3", 24, PricingModel="Reservation", ReservationId=reservation, CostInBillingCurrency="3.1"),
        row(MeterCategory="Virtual Machines", MeterName="E4s v3", ChargeType="UnusedReservation", Quantity="6",
            PricingModel="Reservation", ReservationId=reservation, CostInBillingCurrency="0.7"),
    ]
    run("ingest", "azure", str(write_schema(tmp_path / "amortized.csv", schema, in_schema(schema, rows))))
    assert query(db, "SELECT x_instance_type, x_instance_hours, effective_cost, pricing_category FROM usage") == [
        ("Standard_E4s_v3", 24.0, 3.1, "Committed")]
    assert query(db, "SELECT rows_read, rows_kept FROM ingests") == [(2, 1)]


def test_ea_export_with_a_cost_column_reports_bad_values_by_row_and_changes_nothing(tmp_path, run, db):
    """The EA export whose cost column is `Cost` was refused ("required column CostInBillingCurrency (or
    PreTaxCost) is missing"); now it ingests, and its bad values are named by row and column like any other."""
    good = write_schema(tmp_path / "good.csv", "ea-cost", one_day_of_usage("ea-cost"))
    assert "is missing" not in run("ingest", "azure", str(good)).stderr
    before = fingerprint(db)
    rows = one_day_of_usage("ea-cost")
    rows[1]["Cost"] = "12,50"
    bad = write_schema(tmp_path / "bad.csv", "ea-cost", rows)
    one_line_error(run("ingest", "azure", str(bad), expect=1), str(bad), "data row 2", "column Cost", "'12,50'",
                   "not a number")
    rows = one_day_of_usage("ea-reporting")
    rows[0]["ConsumedQuantity"] = "n/a"
    bad = write_schema(tmp_path / "bad-reporting.csv", "ea-reporting", rows)
    one_line_error(run("ingest", "azure", str(bad), expect=1), str(bad), "data row 1", "column ConsumedQuantity",
                   "not a number")
    assert fingerprint(db) == before


def test_an_export_without_any_cost_column_names_every_accepted_spelling(tmp_path, run, db):
    columns = [c for c in SCHEMA_COLUMNS["ea-2024-08-01"] if c != "CostInBillingCurrency"]
    path = tmp_path / "no-cost.csv"
    path.write_text(",".join(columns) + "\n" + ",".join("1" for _ in columns) + "\n")
    one_line_error(run("ingest", "azure", str(path), expect=1), str(path),
                   "required column CostInBillingCurrency (or Cost, PreTaxCost) is missing")
    assert not db.exists()


# --- delivery: manifests and az:// -----------------------------------------------------------------


def test_old_style_manifests_read_only_the_newest_run(tmp_path, run, db):
    root = tmp_path / "cost" / "partitioned" / "20251001-20251031"
    for stamp, hours in [("202510041442", 10), ("202510051442", 20)]:
        run_dir = root / stamp / "73746dc5-5dcc-4b83-b340-bb1bd2b1ca30"
        write_export(run_dir / "000001.csv", [vm("Standard_D2s_v3", hours)])
        blob = f"cost/partitioned/20251001-20251031/{stamp}/73746dc5-5dcc-4b83-b340-bb1bd2b1ca30/000001.csv"
        (run_dir / "manifest.json").write_text(json.dumps(
            {"manifestVersion": "2021-01-01", "dataFormat": "csv", "blobCount": 1,
             "blobs": [{"blobName": blob, "byteCount": 1, "dataRowCount": 1, "headerRowCount": 1}]}))
    run("ingest", "azure", str(tmp_path / "cost"))
    assert query(db, "SELECT sum(x_instance_hours) FROM usage") == [(20.0,)]


def new_style_run(fs_root: Path, submitted: str, hours: float) -> None:
    run_dir = fs_root / "daily" / "20251001-20251031" / submitted.replace(":", "") / "a1b2c3d4"
    write_export(run_dir / "part_0_0001.parquet", [vm("Standard_D2s_v3", hours)])
    (run_dir / "manifest.json").write_text(json.dumps({
        "exportConfig": {"exportName": "daily", "resourceId": f"/subscriptions/{SUBSCRIPTION}/providers/"
                         "Microsoft.CostManagement/exports/daily", "type": "ActualCost", "dataVersion": "2021-10-01"},
        "deliveryConfig": {"partitionData": True, "fileFormat": "Parquet", "rootFolderPath": "exports"},
        "runInfo": {"executionType": "Scheduled", "submittedTime": submitted, "runId": submitted,
                    "startDate": "2025-10-01T00:00:00", "endDate": "2025-10-31T00:00:00"},
        "blobs": [{"blobName": f"exports/daily/20251001-20251031/{submitted.replace(':', '')}/a1b2c3d4/"
                   "part_0_0001.parquet", "byteCount": 1}],
    }))


def test_new_style_manifests_read_only_the_newest_run(tmp_path, run, db):
    new_style_run(tmp_path, "2025-10-06T05:00:00Z", 30)
    new_style_run(tmp_path, "2025-10-05T05:00:00Z", 10)
    run("ingest", "azure", str(tmp_path))
    assert query(db, "SELECT sum(x_instance_hours) FROM usage") == [(30.0,)]


class AzureMemoryFileSystem(MemoryFileSystem):
    """An offline stand-in for adlfs under az:// (fsspec's own memory filesystem, its own store)."""

    protocol = ("az", "abfs")
    store: dict = {}  # noqa: RUF012  (fsspec keeps memory contents on the class)
    pseudo_dirs = [""]  # noqa: RUF012

    @classmethod
    def _strip_protocol(cls, path: str) -> str:
        return super()._strip_protocol(re.sub(r"^(az|abfs)://", "", path))


@pytest.fixture
def az(tmp_path, monkeypatch):
    real = fsspec.get_filesystem_class("az")
    fsspec.register_implementation("az", AzureMemoryFileSystem, clobber=True)
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", "UseDevelopmentStorage=true")
    yield AzureMemoryFileSystem()
    AzureMemoryFileSystem.store.clear()
    # The class itself: registering its dotted name would leave the fake in fsspec's registry for later tests.
    fsspec.register_implementation("az", real, clobber=True)


def test_az_urls_follow_manifests_like_local_folders(tmp_path, az, run, db):
    new_style_run(tmp_path / "local", "2025-10-06T05:00:00Z", 30)
    new_style_run(tmp_path / "local", "2025-10-05T05:00:00Z", 10)
    az.put(str(tmp_path / "local"), "/cost-exports", recursive=True)
    run("ingest", "azure", "az://cost-exports/")
    [(hours, files)] = query(db, "SELECT sum(x_instance_hours), list(DISTINCT x_source_file) FROM usage")
    assert hours == 30.0
    newest = "20251001-20251031/2025-10-06T050000Z/a1b2c3d4/part_0_0001.parquet"
    assert [f.split("/daily/")[-1] for f in files] == [newest]
    # DuckDB names the file as the filesystem lists it; the memory fake lists from its root marker `/`.
    assert files[0].replace("az:///", "az://").startswith("az://cost-exports/")


def test_a_missing_az_object_is_named(az, run, db):
    one_line_error(run("ingest", "azure", "az://cost-exports/nothing/", expect=1), "az://cost-exports/nothing/")


# --- Consumption API -------------------------------------------------------------------------------

API = f"https://management.azure.com/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Consumption/usageDetails"
LEGACY_VM = {
    "id": f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Consumption/usageDetails/1", "name": "1",
    "type": "Microsoft.Consumption/usageDetails", "kind": "legacy", "tags": {"team": "ml"},
    "properties": {
        "billingAccountId": "8611537", "billingPeriodStartDate": "2025-10-01T00:00:00.0000000Z",
        "subscriptionId": SUBSCRIPTION, "subscriptionName": "prod", "date": "2025-10-05T00:00:00.0000000Z",
        "meterDetails": {"meterName": "D4 v3/D4s v3", "meterCategory": "Virtual Machines",
                         "meterSubCategory": "Dv3/DSv3 Series", "unitOfMeasure": "10 Hours"},
        "quantity": 24, "cost": 4.6, "billingCurrency": "USD", "resourceLocation": "EastUS",
        "consumedService": "Microsoft.Compute", "resourceId": "/subscriptions/x/vm1", "chargeType": "Usage",
        "additionalInfo": '{"UsageType":"ComputeHR","ServiceType":"Standard_D4s_v3","VCPUs":4}',
    },
}
MODERN_TRANSFER = {
    "id": f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Consumption/usageDetails/2", "name": "2",
    "type": "Microsoft.Consumption/usageDetails", "kind": "modern", "tags": {"team": "web"},
    "properties": {
        "billingAccountId": "8611537", "billingPeriodStartDate": "2025-10-01T00:00:00.0000000Z",
        "subscriptionGuid": SUBSCRIPTION, "subscriptionName": "prod", "date": "2025-10-06T00:00:00.0000000Z",
        "meterName": "Standard Data Transfer Out", "meterCategory": "Bandwidth", "meterSubCategory": "Inter-Region",
        "unitOfMeasure": "1 GB", "quantity": 42.5, "costInBillingCurrency": 3.4, "billingCurrencyCode": "USD",
        "resourceLocation": "EastUS", "consumedService": "Microsoft.Network", "instanceName": "/subscriptions/x/ip",
        "chargeType": "Usage",
    },
}
PURCHASE = {**MODERN_TRANSFER, "properties": {**MODERN_TRANSFER["properties"], "chargeType": "Purchase"}}
# The same two usage records as an EA export.
EXPORT_EQUIVALENT = [
    row(Date="10/05/2025", MeterCategory="Virtual Machines", MeterSubCategory="Dv3/DSv3 Series",
        MeterName="D4 v3/D4s v3", UnitOfMeasure="10 Hours", Quantity="24", CostInBillingCurrency="4.6",
        ResourceLocation="EastUS", ConsumedService="Microsoft.Compute", ResourceId="/subscriptions/x/vm1",
        AdditionalInfo='{"UsageType":"ComputeHR","ServiceType":"Standard_D4s_v3","VCPUs":4}', Tags='{"team": "ml"}'),
    row(Date="10/06/2025", MeterCategory="Bandwidth", MeterSubCategory="Inter-Region",
        MeterName="Standard Data Transfer Out", UnitOfMeasure="1 GB", Quantity="42.5", CostInBillingCurrency="3.4",
        ResourceLocation="EastUS", ConsumedService="Microsoft.Network", ResourceId="/subscriptions/x/ip",
        Tags='{"team": "web"}'),
]
COMPARED = """SELECT charge_period_start, billing_period_start, billing_account_id, sub_account_id, region_id,
    service_name, resource_id, pricing_category, consumed_quantity, consumed_unit, effective_cost, billing_currency,
    tags, x_usage_type, x_usage_kind, x_instance_type, x_instance_hours, x_vcpu_hours, x_network_gb
    FROM usage ORDER BY ALL"""


class FakeCredential:
    """A TokenCredential that hands out a fixed token without any sign-in."""

    def get_token(self, *scopes: str, **kwargs: object) -> AccessToken:
        return AccessToken("fake-token-for-tests", int(time.time()) + 3600)


@responses.activate
def test_consumption_api_pages_retries_and_matches_the_export(tmp_path, db, monkeypatch):
    from cloudcarbon.connectors.azure.consumption import ingest_consumption
    from cloudcarbon.periods import window
    from cloudcarbon.store import open_store

    responses.get(API, status=429, headers={"Retry-After": "1"}, json={"error": {"code": "429"}})
    responses.get(API, json={"value": [LEGACY_VM, PURCHASE], "nextLink": f"{API}?api-version=2024-08-01&$skiptoken=p2"})
    responses.get(API, json={"value": [MODERN_TRANSFER]})
    started = time.monotonic()
    with open_store(db) as con:
        summary = ingest_consumption(con, f"/subscriptions/{SUBSCRIPTION}", window("2025-10"),
                                     credential=FakeCredential())
    assert time.monotonic() - started >= 1  # Retry-After was honoured
    assert [c.response.status_code for c in responses.calls] == [429, 200, 200]
    first_url = responses.calls[1].request.url
    assert "metric=actualcost" in first_url and "usageStart" in first_url and "meterDetails" in first_url
    assert "skiptoken=p2" in responses.calls[2].request.url
    assert summary.rows_read == 3 and summary.rows_kept == 2
    api_rows = query(db, COMPARED)
    assert query(db, "SELECT DISTINCT x_source_file FROM usage")[0][0].startswith("consumption-api:/subscriptions/")

    export_db = tmp_path / "export.duckdb"
    with open_store(export_db) as con:
        from cloudcarbon.connectors.azure.ingest import ingest_azure

        ingest_azure(con, [str(write_export(tmp_path / "equivalent.csv", EXPORT_EQUIVALENT))])
    assert api_rows == query(export_db, COMPARED)
    assert {r[14] for r in api_rows} == {"compute", "network"}


@responses.activate
def test_consumption_api_splits_periods_into_months(db, run):
    responses.get(API, json={"value": [LEGACY_VM]})
    responses.get(API, json={"value": [MODERN_TRANSFER]})
    from cloudcarbon.connectors.azure.consumption import month_chunks
    from cloudcarbon.periods import window

    chunks = list(month_chunks(window(since="2025-09-15", until="2025-11-01")))
    assert [(str(a), str(b)) for a, b in chunks] == [("2025-09-15", "2025-09-30"), ("2025-10-01", "2025-10-31")]


@responses.activate
def test_consumption_api_without_credentials_says_what_was_tried(run, db, monkeypatch):
    for name in ("AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET", "AZURE_FEDERATED_TOKEN_FILE",
                 "IDENTITY_ENDPOINT", "MSI_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")  # no az / pwsh / azd to sign in with
    monkeypatch.setenv("AZURE_CONFIG_DIR", "/nonexistent")
    line = one_line_error(run("ingest", "azure", "--scope", f"/subscriptions/{SUBSCRIPTION}", "--month", "2025-10",
                              expect=1), "DefaultAzureCredential", "AZURE_CLIENT_SECRET", "az login")
    assert "token" not in line.lower().replace("federated_token_file", "")
    assert fingerprint(db) in ("absent", fingerprint(db))


def test_consumption_api_usage_errors(run):
    assert run("ingest", "azure", "--scope", f"/subscriptions/{SUBSCRIPTION}", expect=2).exit_code == 2
    run("ingest", "azure", "x.csv", "--scope", "/subscriptions/x", expect=2)
    run("ingest", "azure", "x.csv", "--month", "2025-10", expect=2)
