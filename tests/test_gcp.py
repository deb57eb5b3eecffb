"""`cloudcarbon ingest gcp`: exported files (CSV, JSON lines, Parquet; local and gs://), BigQuery pushdown,
the Cloud Catalog, classification of GCP SKUs, and one-line errors that leave the store unchanged."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import responses
from conftest import SAMPLES, fingerprint, no_reference, one_line_error, usage_error
from gcpfiles import GIB, machine_labels, mixed_rows, row, sku, usage, write_csv, write_jsonl, write_parquet

from cloudcarbon.coefficients import loader
from cloudcarbon.connectors.base import connector_sql
from cloudcarbon.connectors.gcp import sources
from cloudcarbon.connectors.gcp.bigquery import aggregate_sql, ingest_gcp_bigquery
from cloudcarbon.connectors.gcp.ingest import ingest_gcp
from cloudcarbon.periods import window
from cloudcarbon.store import open_store

GCP_SAMPLES = SAMPLES / "gcp-billing"
WRITERS = {"csv": write_csv, "jsonl": write_jsonl, "parquet": write_parquet}
CANONICAL = (
    "charge_period_start, billing_period_start, provider_name, billing_account_id, sub_account_id, region_id, "
    "service_name, resource_id, consumed_quantity, consumed_unit, billed_cost, effective_cost, "
    "CAST(tags AS VARCHAR) AS tags, x_usage_type, x_usage_kind, x_instance_type, x_instance_hours, x_vcpu_hours, "
    "x_gpu_hours, x_memory_gib_hours, x_storage_gib_hours, x_storage_media, x_storage_class, x_network_gb"
)


def rows_of(db: Path, where: str = "true") -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f"SELECT {CANONICAL} FROM usage WHERE {where} ORDER BY ALL").df()


def by_sku(db: Path) -> dict[str, dict]:
    frame = rows_of(db)
    assert frame.x_usage_type.is_unique
    return {r["x_usage_type"]: r for r in frame.to_dict("records")}


def library_gcp_types() -> set[str]:
    with duckdb.connect() as con:
        loader.register(con)
        return {t for (t,) in con.execute("SELECT instance_type FROM coef_instances WHERE provider = 'gcp'").fetchall()}


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "billing.jsonl", mixed_rows())


# --- the public samples ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["gcp-standard-export_csv_koku_2020-11.csv",
                                  "gcp-detailed-export_csv_koku_2022-08.csv"])
def test_samples_ingest_with_reconciled_totals(run, db, name):
    path = GCP_SAMPLES / name
    if not path.exists():
        pytest.skip(no_reference(path))
    result = run("ingest", "gcp", str(path))
    assert "gcp-billing-csv" in result.stderr
    # Independent read: pandas, the regular (usage) rows, credits summed from the Python-repr lists.
    raw = pd.read_csv(path, dtype=str)
    regular = raw[raw["cost_type"] == "regular"]
    credits = regular["credits"].map(lambda text: sum(float(a) for a in re.findall(r"'amount': ([-0-9.e]+)", text)))
    with duckdb.connect(str(db), read_only=True) as con:
        count, quantity, billed, effective, accounts = con.execute(
            "SELECT count(*), sum(consumed_quantity), sum(billed_cost), sum(effective_cost), "
            "list(DISTINCT billing_account_id) FROM usage").fetchall()[0]
    assert count == len(regular) > 0
    assert quantity == pytest.approx(regular["usage.amount"].astype(float).sum())
    assert billed == pytest.approx(regular["cost"].astype(float).sum())
    assert effective == pytest.approx(regular["cost"].astype(float).sum() + credits.sum(), abs=1e-12)
    assert accounts == list(regular["billing_account_id"].unique())


def test_sample_egress_is_network_in_gib(run, db):
    path = GCP_SAMPLES / "gcp-detailed-export_csv_koku_2022-08.csv"
    if not path.exists():
        pytest.skip(no_reference(path))
    run("ingest", "gcp", str(path))
    frame = rows_of(db)
    assert set(frame.x_usage_kind) == {"network"}
    assert frame.x_network_gb.sum() == pytest.approx(frame.consumed_quantity.sum() / GIB)
    assert set(frame.region_id) == {"us-central1"} and set(frame.resource_id) == {"//example"}


# --- classification ---------------------------------------------------------------------------------

def test_three_formats_give_the_same_rows(tmp_path, run):
    frames = []
    for container, write in WRITERS.items():
        path = write(tmp_path / f"billing.{container}", mixed_rows())
        store = tmp_path / f"{container}.duckdb"
        result = run("--db", str(store), "ingest", "gcp", str(path))
        assert f"gcp-billing-{container}" in result.stderr
        frames.append(rows_of(store))
    assert len(frames[0]) == len(mixed_rows()) - 1  # the tax row is read, not stored
    pd.testing.assert_frame_equal(frames[0], frames[1])
    pd.testing.assert_frame_equal(frames[0], frames[2])


def test_compute_rows_from_machine_spec_labels(run, db, mixed):
    run("ingest", "gcp", str(mixed))
    rows = by_sku(db)
    n2d = rows["N2D AMD Instance Core running in Americas"]
    assert (n2d["x_usage_kind"], n2d["x_instance_type"]) == ("compute", "n2d-standard-4")
    assert n2d["x_vcpu_hours"] == pytest.approx(4.0) and n2d["x_instance_hours"] == pytest.approx(1.0)
    # n2 and n2d are different families: matched on the whole machine type, never a prefix.
    assert rows["N2 Instance Core running in Americas"]["x_instance_type"] == "n2-standard-2"
    custom = rows["Custom Instance Core running in Americas"]
    assert (custom["x_instance_type"], custom["x_vcpu_hours"], custom["x_instance_hours"]) == ("custom-8-32768", 8, 1)
    # Shared core: e2-micro bills 0.25 vCPU; an hour of it is one instance-hour of its 2 vCPUs, which the
    # footprint runs at the library's burstable baseline.
    e2 = rows["E2 Instance Core running in Americas"]
    assert (e2["x_instance_type"], e2["x_instance_hours"], e2["x_vcpu_hours"]) == ("e2-micro", 1.0, 2.0)


def test_accelerators_map_to_library_models(run, db, mixed):
    run("ingest", "gcp", str(mixed))
    rows = by_sku(db)
    with duckdb.connect() as con:
        loader.register(con)
        models = {m for (m,) in con.execute("SELECT model FROM coef_accelerators").fetchall()}
    for description, model, hours in [
        ("Nvidia Tesla T4 GPU running in Americas", "NVIDIA T4", 2.0),
        ("Nvidia L4 GPU running in Americas", "NVIDIA L4", 1.0),
        ("Nvidia Tesla A100 80GB GPU running in Americas", "NVIDIA A100 80GB", 1.0),
    ]:
        gpu = rows[description]
        assert (gpu["x_usage_kind"], gpu["x_instance_type"], gpu["x_gpu_hours"]) == ("gpu", model, hours)
        assert model in models
    tpu = rows["TPU v5 Lite PodSlice chip running in Americas"]
    assert (tpu["x_usage_kind"], tpu["x_instance_type"], tpu["x_gpu_hours"]) == ("gpu", "tpu-v5e", 4.0)


def test_gpu_rows_get_gpu_energy_from_the_accelerator_table(run, db, tmp_path):
    path = write_jsonl(tmp_path / "gpu.jsonl", [row(sku=sku("Nvidia Tesla T4 GPU running in Americas"),
                                                    system_labels=[], usage=usage(7200, "seconds"))])
    run("ingest", "gcp", str(path))
    result = run("footprint", "--trace", "--format", "json")
    traced = json.loads(result.stdout)
    record = traced["rows"][0]
    with duckdb.connect() as con:
        loader.register(con)
        idle, peak = con.execute("SELECT idle_w, max_w FROM coef_accelerators WHERE model = 'NVIDIA T4'").fetchall()[0]
    assert record["gpu_kwh"] == pytest.approx(2 * (idle + 0.5 * (peak - idle)) / 1000)


def test_storage_network_credit_tax_and_multi_region(run, db, mixed):
    result = run("ingest", "gcp", str(mixed))
    assert f"{len(mixed_rows())} rows read, {len(mixed_rows()) - 1} kept" in result.stderr
    rows = by_sku(db)
    pd_ssd = rows["SSD backed PD Capacity"]
    assert (pd_ssd["x_usage_kind"], pd_ssd["x_storage_media"], pd_ssd["x_storage_class"]) == ("storage", "ssd", "block")
    assert pd_ssd["x_storage_gib_hours"] == pytest.approx(100.0)
    gcs = rows["Standard Storage US Multi-region"]
    assert (gcs["x_storage_class"], gcs["x_storage_media"], gcs["region_id"]) == ("object", "hdd", "us")
    assert gcs["x_storage_gib_hours"] == pytest.approx(500.0)
    egress = rows["Network Internet Egress from Americas to EMEA"]
    assert (egress["x_usage_kind"], egress["x_network_gb"]) == ("network", pytest.approx(5.0))
    core = rows["N2D AMD Instance Core running in Americas"]
    assert core["billed_cost"] == pytest.approx(0.1352)
    assert core["effective_cost"] == pytest.approx(0.1352 - 0.0271)
    assert core["tags"] == "{team=checkout}" and core["sub_account_id"] == "shop-prod"
    assert "Tax" not in rows


def test_ram_is_never_counted_twice(run, db, mixed):
    """RAM rows of a type the library knows carry no GiB-hours (its core rows' instance model holds the
    memory); RAM of custom and unknown types carries its GiB-hours (and their core rows add none)."""
    run("ingest", "gcp", str(mixed))
    known = library_gcp_types()
    frame = rows_of(db, "x_usage_kind = 'memory'")
    assert len(frame) == 3
    for record in frame.to_dict("records"):
        if record["x_instance_type"] in known:
            assert pd.isna(record["x_memory_gib_hours"]), record
        else:
            assert record["x_memory_gib_hours"] == pytest.approx(record["consumed_quantity"] / GIB / 3600), record
    assert "custom-8-32768" not in known
    with open_store(db) as con:
        from cloudcarbon.footprint import trace

        traced = trace(con, window=window())
    # Core rows of types the library does not know add no memory of their own.
    unknown_core = traced[(traced.x_usage_kind == "compute") & ~traced.x_instance_type.isin(known)]
    assert (unknown_core.memory_kwh.fillna(0) == 0).all()


def test_known_machine_type_memory_once(run, tmp_path):
    """Footprint of core + RAM rows equals that of the core row alone for a machine type in the library."""
    known = sorted(t for t in library_gcp_types() if re.fullmatch(r"n2d-standard-\d+", t))
    assert known, "the coefficient library lost its GCP n2d-standard types"
    spec = known[0]
    cores = int(spec.rsplit("-", 1)[1])
    core = row(system_labels=machine_labels(spec, cores, cores * 4096), usage=usage(cores * 3600, "seconds"))
    ram = row(sku=sku("N2D AMD Instance Ram running in Americas", "RAM-1"), system_labels=core["system_labels"],
              usage=usage(cores * 4 * GIB * 3600, "byte-seconds"))
    energies = []
    for name, rows in {"core": [core], "both": [core, ram]}.items():
        store = tmp_path / f"{name}.duckdb"
        run("--db", str(store), "ingest", "gcp", str(write_jsonl(tmp_path / f"{name}.jsonl", rows)))
        result = json.loads(run("--db", str(store), "footprint", "--by", "provider", "--format", "json").stdout)
        energies.append(result["rows"][0]["energy_kwh"])
    assert energies[0] == pytest.approx(energies[1]) and energies[0] > 0


def test_footprint_by_provider_region_service_shows_gcp(run, db, mixed):
    run("ingest", "gcp", str(mixed))
    result = run("footprint", "--by", "provider,region,service", "--format", "csv")
    frame = pd.read_csv(io.StringIO(result.stdout))
    assert set(frame.provider) == {"GCP"}
    assert {"us-central1", "us"} <= set(frame.region)
    assert {"Compute Engine", "Cloud Storage", "Cloud TPU"} <= set(frame.service)
    assert frame.cost.sum() == pytest.approx(sum(r["cost"] for r in mixed_rows() if r["cost_type"] == "regular")
                                             - 0.0271)


def test_reingest_replaces_the_period(run, db, mixed):
    run("ingest", "gcp", str(mixed))
    first = rows_of(db)
    result = run("ingest", "gcp", str(mixed))
    assert "(replaced)" in result.stderr
    pd.testing.assert_frame_equal(rows_of(db), first)


# --- object storage -----------------------------------------------------------------------------------

def test_gs_urls_through_fsspec(run, db, monkeypatch, tmp_path):
    """gs:// goes through fsspec exactly as with gcsfs; no GCS emulator installs offline, so an in-memory
    filesystem registered under the gs protocol stands in for the bucket."""
    from fsspec.implementations.memory import MemoryFileSystem

    class MemoryGCS(MemoryFileSystem):
        protocol = ("gs", "gcs")
        root_marker = ""

        @classmethod
        def _strip_protocol(cls, path: str) -> str:
            return path.split("://", 1)[-1].rstrip("/")

    fs = MemoryGCS()
    fs.pipe("gs://billing/exports/2025-01/part-0.jsonl", write_jsonl(tmp_path / "a.jsonl", mixed_rows()).read_bytes())
    fs.pipe("gs://billing/exports/2025-01/_SUCCESS", b"")
    monkeypatch.setattr(sources, "gcs_filesystem", lambda project=None: fs)
    try:
        run("ingest", "gcp", "gs://billing/exports/")
        assert len(rows_of(db)) == len(mixed_rows()) - 1
        assert set(rows_of(db).x_usage_type) >= {"Nvidia L4 GPU running in Americas"}
        with duckdb.connect(str(db), read_only=True) as con:
            assert con.execute("SELECT DISTINCT x_source_file FROM usage").fetchall() == [
                ("gs://billing/exports/2025-01/part-0.jsonl",)]
    finally:
        fs.rm("gs://billing", recursive=True)


# --- BigQuery pushdown ------------------------------------------------------------------------------

BQ_QUERIES = "https://bigquery.googleapis.com/bigquery/v2/projects/billing-proj/queries"
BQ_TYPES = {"VARCHAR": "STRING", "DOUBLE": "FLOAT", "TIMESTAMP WITH TIME ZONE": "TIMESTAMP"}


def _bigquery_response(nested_rows: list[dict], tmp_path: Path) -> dict:
    """What BigQuery returns for the aggregate: computed by running the same aggregate SQL in DuckDB over
    the nested rows (Parquet, as the table holds them), encoded as the REST API encodes rows."""
    parquet = write_parquet(tmp_path / "table.parquet", nested_rows)
    with duckdb.connect() as con:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("CREATE TABLE billing_export AS SELECT *, usage_start_time AS _PARTITIONTIME "
                    "FROM read_parquet($p)", {"p": str(parquet)})
        params = {"scan_start": "2024-12-29 00:00:00+00", "first_month": "202501", "last_month": "202501"}
        cursor = con.execute(connector_sql("cloudcarbon.connectors.gcp", "aggregate"), params)
        columns = [(d[0], str(d[1])) for d in cursor.description]
        # REST encodes every value as text, timestamps as epoch microseconds.
        encoded = ", ".join(
            f"CAST(epoch_us({n}) AS VARCHAR)" if t.startswith("TIMESTAMP") else f"CAST({n} AS VARCHAR)"
            for n, t in columns
        )
        aggregate = connector_sql("cloudcarbon.connectors.gcp", "aggregate")
        data = con.execute(f"SELECT {encoded} FROM ({aggregate})", params).fetchall()
    fields = [{"name": n, "type": BQ_TYPES.get(t, "STRING"), "mode": "NULLABLE"} for n, t in columns]
    return {
        "kind": "bigquery#queryResponse",
        "jobReference": {"projectId": "billing-proj", "jobId": "job_1", "location": "US"},
        "schema": {"fields": fields},
        "rows": [{"f": [{"v": v} for v in record]} for record in data],
        "totalRows": str(len(data)),
        "jobComplete": True,
    }


def _bigquery_client():
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import bigquery

    return bigquery.Client(project="billing-proj", credentials=AnonymousCredentials())


@responses.activate
def test_bigquery_pushdown_matches_the_file_path(run, tmp_path, mixed):
    responses.add(responses.POST, BQ_QUERIES, json=_bigquery_response(mixed_rows(), tmp_path))
    file_store, bq_store = tmp_path / "files.duckdb", tmp_path / "bq.duckdb"
    run("--db", str(file_store), "ingest", "gcp", str(mixed))
    table = "shop-prod.billing.gcp_billing_export_resource_v1_01ABCD_234567_89EF01"
    with open_store(bq_store) as con:
        summary = ingest_gcp_bigquery(con, table, window=window("2025-01"), client=_bigquery_client())
    assert summary.source_format == "gcp-bigquery-aggregate" and summary.periods[0].billing_account_id

    sent = json.loads(responses.calls[0].request.body)
    parameters = {p["name"]: p["parameterValue"]["value"] for p in sent["queryParameters"]}
    assert parameters["first_month"] == parameters["last_month"] == "202501"
    assert parameters["scan_start"].startswith("2024-12-29")
    assert sent["useLegacySql"] is False and sent.get("parameterMode") == "NAMED"
    assert f"`{table}`" in sent["query"] and "@scan_start" in sent["query"] and "_PARTITIONTIME" in sent["query"]
    assert not re.search(r"20\d\d-?\d\d", sent["query"]), "dates must travel as parameters"

    totals = ("provider_name, region_id, service_name, x_usage_kind, x_instance_type, sum(x_instance_hours), "
              "sum(x_vcpu_hours), sum(x_gpu_hours), sum(x_memory_gib_hours), sum(x_storage_gib_hours), "
              "sum(x_network_gb), sum(billed_cost), sum(effective_cost), sum(consumed_quantity)")
    results = []
    for store in (file_store, bq_store):
        with duckdb.connect(str(store), read_only=True) as con:
            results.append(con.execute(f"SELECT {totals} FROM usage GROUP BY ALL ORDER BY ALL").df())
    pd.testing.assert_frame_equal(results[0], results[1], check_exact=False, rtol=1e-9)


def test_bigquery_sql_is_parameterised_and_transpiled():
    text = aggregate_sql("my-proj.billing.gcp_billing_export_v1_01ABCD_234567_89EF01")
    assert "$" not in text and "@first_month" in text and "TIMESTAMP_TRUNC" in text
    assert "UNNEST(system_labels)" in text


@pytest.mark.parametrize("table", ["nodots", "proj.ds.t; DROP TABLE x", "`proj.ds.t`"])
def test_bad_table_name_is_one_line(run, db, tmp_path, table):
    before = _prepared_store(run, tmp_path)
    line = usage_error(run("ingest", "gcp", "--table", table, "--month", "2025-01", expect=2), "--table")
    assert "project.dataset.table" in line
    assert fingerprint(db) == before


def test_bigquery_without_adc_says_how(run, db, monkeypatch, tmp_path):
    run("ingest", "gcp", str(write_jsonl(tmp_path / "a.jsonl", mixed_rows())))
    before = fingerprint(db)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing-key.json"))
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))
    monkeypatch.setenv("NO_GCE_CHECK", "True")
    result = run("ingest", "gcp", "--table", "my-proj.billing.export", "--month", "2025-01", expect=1)
    one_line_error(result, "gcloud auth application-default login", "GOOGLE_APPLICATION_CREDENTIALS")
    assert fingerprint(db) == before


def test_table_needs_a_period(run, db):
    usage_error(run("ingest", "gcp", "--table", "my-proj.billing.export", expect=2), "--month")


# --- Cloud Catalog ------------------------------------------------------------------------------------

@responses.activate
def test_catalog_classifies_skus_the_rules_cannot_place(tmp_path, db):
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import billing_v1

    catalog_json = GCP_SAMPLES / "catalog-api" / "cloud-catalog_skus_list_response_gpu.json"
    if not catalog_json.exists():
        pytest.skip(no_reference(catalog_json))
    skus_url = re.compile(r"https://cloudbilling\.googleapis\.com/v1/services/6F81-5844-456A/skus.*")
    first_page = json.loads(catalog_json.read_text())
    assert first_page["nextPageToken"]
    responses.add(responses.GET, skus_url, json=first_page)
    responses.add(responses.GET, skus_url, json={"skus": []})  # the page the token points at
    # SKU 039F-D0DA-4055 is an A100 in the catalog; this description names neither 'GPU' nor a model token.
    odd = row(sku=sku("Accelerator A-series capacity in Americas", "039F-D0DA-4055"), system_labels=[],
              usage=usage(3600, "seconds"))
    path = write_jsonl(tmp_path / "odd.jsonl", [odd])
    client = billing_v1.CloudCatalogClient(credentials=AnonymousCredentials(), transport="rest")
    with open_store(db) as con:
        ingest_gcp(con, [str(path)], use_catalog=False)
        assert con.execute("SELECT x_usage_kind FROM usage").fetchall() == [("other",)]
        ingest_gcp(con, [str(path)], use_catalog=True, catalog_client=client)
        assert con.execute("SELECT x_usage_kind, x_gpu_hours FROM usage").fetchall() == [("gpu", 1.0)]
    assert len(responses.calls) == 2 and "pageToken=" in responses.calls[1].request.url


# --- bad input ------------------------------------------------------------------------------------------

def _prepared_store(run, tmp_path: Path) -> str:
    run("ingest", "gcp", str(write_jsonl(tmp_path / "good.jsonl", mixed_rows())))
    return fingerprint(tmp_path / "store.duckdb")


@pytest.mark.parametrize("header, looks_like", [
    ("identity/LineItemId,lineItem/UsageType,lineItem/UsageAmount\nx,BoxUsage:m5.large,1\n", "AWS"),
    ("SubscriptionGuid,MeterCategory,Quantity\nabc,Virtual Machines,1\n", "Azure"),
    ("ChargePeriodStart,ProviderName,BilledCost\n2025-01-01,AWS,1\n", "FOCUS"),
])
def test_foreign_exports_are_named(run, db, tmp_path, header, looks_like):
    before = _prepared_store(run, tmp_path)
    path = tmp_path / "foreign.csv"
    path.write_text(header)
    one_line_error(run("ingest", "gcp", str(path), expect=1), str(path), looks_like)
    assert fingerprint(db) == before


def test_missing_column_is_named(run, db, tmp_path):
    before = _prepared_store(run, tmp_path)
    records = [{k: v for k, v in r.items() if k != "cost"} for r in mixed_rows()]
    path = write_jsonl(tmp_path / "nocost.jsonl", records)
    line = one_line_error(run("ingest", "gcp", str(path), expect=1), str(path), "cost")
    assert "missing" in line
    assert fingerprint(db) == before


@pytest.mark.parametrize("field, value, column, what", [
    ("usage", {"amount": "lots", "unit": "seconds"}, "usage.amount", "number"),
    ("usage_start_time", "15/01/2025 10h", "usage_start_time", "date/time"),
    ("invoice", {"month": "2025-01"}, "invoice.month", "YYYYMM"),
])
def test_bad_values_name_row_and_column(run, db, tmp_path, field, value, column, what):
    before = _prepared_store(run, tmp_path)
    records = mixed_rows()
    records[2] = {**records[2], field: value}
    path = write_csv(tmp_path / "bad.csv", records)
    line = one_line_error(run("ingest", "gcp", str(path), expect=1), str(path), "data row 3", column, what)
    assert line
    assert fingerprint(db) == before


def test_truncated_and_empty_files(run, db, tmp_path):
    before = _prepared_store(run, tmp_path)
    text = write_jsonl(tmp_path / "cut.jsonl", mixed_rows()).read_text()
    (tmp_path / "cut.jsonl").write_text(text[:-40])
    one_line_error(run("ingest", "gcp", str(tmp_path / "cut.jsonl"), expect=1), "cut.jsonl", "truncated")
    (tmp_path / "empty.csv").write_text("")
    one_line_error(run("ingest", "gcp", str(tmp_path / "empty.csv"), expect=1), "empty.csv", "empty")
    assert fingerprint(db) == before


def test_usage_errors(run):
    assert run("ingest", "gcp", expect=2).exit_code == 2
    assert run("ingest", "gcp", "x.csv", "--table", "p.d.t", expect=2).exit_code == 2
    assert "gs://" in run("ingest", "gcp", "--help").stdout
