"""`cloudcarbon ingest onprem`: server inventories, their footprint, unknowns, bad input and the
Mechanization lever for on-premises rows."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest
from conftest import fingerprint, one_line_error
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cloudcarbon.coefficients import loader

COLUMNS = ["server", "month", "hours", "location", "vcpus", "cpu_model", "microarchitecture", "memory_gib",
           "sockets", "gpu_model", "gpu_count", "ssds", "hdds", "pue", "embodied_kgco2e", "site", "account",
           "model", "cost", "currency", "tag:team"]
SERVERS = [
    # A Cascade Lake web server at a site with its own PUE, with a cost.
    {"server": "web-01", "month": "2026-09", "hours": "720", "location": "DE", "vcpus": "64",
     "cpu_model": "Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz", "memory_gib": "384", "sockets": "2", "ssds": "2",
     "pue": "1.6", "site": "fra-1", "account": "platform", "model": "Dell PowerEdge R740", "cost": "900",
     "currency": "eur", "tag:team": "web"},
    # A GPU server located by zone name, GPU named without the vendor, manufacturing footprint stated.
    {"server": "gpu-01", "month": "2026-09", "hours": "700", "location": "germany", "vcpus": "128",
     "cpu_model": "AMD EPYC 7763 64-Core Processor", "memory_gib": "1024", "gpu_model": "a100 80gb",
     "gpu_count": "8", "embodied_kgco2e": "4000", "site": "fra-1", "account": "ml", "tag:team": "ml"},
    # An older server named by model number without the space ("v2"), no PUE: the survey default.
    {"server": "old-01", "month": "2026-09", "hours": "500", "location": "FR", "vcpus": "16",
     "cpu_model": "Xeon E5-2670v2", "memory_gib": "64", "hdds": "4"},
    # A generation named by codename.
    {"server": "arm-01", "month": "2026-09", "hours": "720", "location": "SE-SE3", "vcpus": "80",
     "microarchitecture": "Milan"},
    # A CPU nobody can place: estimated with the mean, and reported.
    {"server": "odd-01", "month": "2026-09", "hours": "100", "location": "US-CAL-CISO", "vcpus": "8",
     "cpu_model": "Mystery CPU 9000"},
]


def write_inventory(path: Path, rows: list[dict], columns: list[str] = COLUMNS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    return write_inventory(tmp_path / "inventory.csv", SERVERS)


def _trace(run) -> dict[str, dict]:
    rows = json.loads(run("footprint", "--trace", "--format", "json").stdout)["rows"]
    return {r["resource_id"]: r for r in rows}


def _coef(name: str) -> list[dict]:
    with loader.data_path(name).open(newline="") as handle:
        return list(csv.DictReader(handle))


def _cpu(arch: str) -> dict:
    return next(r for r in _coef("cpu_power") if r["provider"] == "on-premises" and r["microarchitecture"] == arch)


def _const(key: str) -> float:
    return next(float(r["value"]) for r in _coef("constants") if r["key"] == key)


def _grid(zone: str, year: int) -> float:
    rows = [r for r in _coef("grid") if r["provider"] == "on-premises" and r["region"] == zone]
    # The usage year if present, else the nearest earlier one.
    best = min(rows, key=lambda r: (abs(int(r["year"]) - year), int(r["year"]) > year))
    return float(best["gco2e_per_kwh"])


def test_an_inventory_becomes_one_usage_row_per_server_and_month(run, inventory, db):
    result = run("ingest", "onprem", str(inventory), "--inventory", "dc-frankfurt")
    assert "5 rows read, 5 kept" in result.stderr
    assert "On-premises dc-frankfurt 2026-09 (new)" in result.stderr
    assert "1 unrecognised CPU model(s)" in result.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        rows = {r[0]: r[1:] for r in con.execute(
            """
            SELECT resource_id, provider_name, billing_account_id, sub_account_id, region_id, availability_zone,
                   x_usage_kind, x_instance_hours, x_vcpu_hours, x_gpu_hours, x_pue, x_server.microarchitecture,
                   x_server.gpu_model, effective_cost, billing_currency, tags['team'], x_instance_type
            FROM usage
            """).fetchall()}
    assert rows["web-01"] == ("On-premises", "dc-frankfurt", "platform", "DE", "fra-1", "compute", 720.0,
                              720.0 * 64, None, 1.6, "Cascade Lake", None, 900.0, "EUR", "web", "Dell PowerEdge R740")
    # Zone by name, GPU canonicalised, GPU-hours = GPUs x hours.
    assert rows["gpu-01"][3] == "DE" and rows["gpu-01"][5] == "gpu"
    assert rows["gpu-01"][7:9] == (700.0 * 128, 700.0 * 8)
    assert rows["gpu-01"][10:12] == ("EPYC Gen3", "NVIDIA A100 80GB")
    # "E5-2670v2" is Ivy Bridge (the longer "e5-2670 v2" beats Sandy Bridge's "e5-2670").
    assert rows["old-01"][10] == "Ivy Bridge"
    assert rows["arm-01"][10] == "EPYC Gen3"
    assert rows["odd-01"][10] == "Unknown"


def test_footprint_of_a_server_matches_the_method_by_hand(run, inventory):
    run("ingest", "onprem", str(inventory))
    web = _trace(run)["web-01"]
    cpu = _cpu("Cascade Lake")
    u = _const("cpu_utilization_default")
    watts_cpu = 64 * (float(cpu["min_w_per_vcpu"]) + u * (float(cpu["max_w_per_vcpu"]) - float(cpu["min_w_per_vcpu"])))
    # Memory above what SPECpower's servers already carried.
    watts_mem = (384 - 64 * float(cpu["ref_memory_gib_per_vcpu"])) * _const("memory_w_per_gib")
    energy = (watts_cpu + watts_mem) * 720 / 1000 * 1.6
    assert web["energy_kwh"] == pytest.approx(energy, rel=1e-9)
    assert web["operational_kgco2e"] == pytest.approx(energy * _grid("DE", 2026) / 1000, rel=1e-9)
    assert (web["pue"], web["pue_scope"], web["pue_source"]) == (1.6, "site", "stated in the inventory (pue)")
    # Embodied: CCF/Teads component model of the whole server (2 sockets, 2 SSDs), over the lifespan.
    embodied = (_const("embodied_base_kgco2e") + (384 - _const("embodied_memory_base_gb"))
                * _const("embodied_memory_kgco2e_per_gb") + _const("embodied_cpu_socket_kgco2e")
                + 2 * _const("embodied_ssd_kgco2e"))
    assert web["host_embodied_kgco2e"] == pytest.approx(embodied)
    assert web["embodied_kgco2e"] == pytest.approx(embodied * 720 / _const("server_lifespan_hours"))
    assert "Gold 6248R".lower() in web["instance_source"] and "CCF CPU-family lists" in web["instance_source"]
    assert "Electricity Maps" in web["grid_source"] and "zone DE" in web["grid_source"]


def test_gpu_server_counts_its_gpus_and_its_stated_embodied_footprint(run, inventory):
    run("ingest", "onprem", str(inventory))
    gpu = _trace(run)["gpu-01"]
    a100 = next(r for r in _coef("accelerators") if r["model"] == "NVIDIA A100 80GB")
    u = _const("gpu_utilization_default")
    expected = 8 * 700 * (float(a100["idle_w"]) + u * (float(a100["max_w"]) - float(a100["idle_w"]))) / 1000
    assert gpu["gpu_kwh"] == pytest.approx(expected)
    assert gpu["embodied_method"] == "stated in the inventory (embodied_kgco2e)"
    per_hour = (4000 + 8 * float(a100["embodied_kgco2e"])) / _const("server_lifespan_hours")
    assert gpu["embodied_kgco2e"] == pytest.approx(per_hour * 700)
    # No PUE in the inventory: the Uptime Institute survey's latest year.
    uptime = [r for r in _coef("pue") if r["provider"] == "on-premises"]
    latest = max(uptime, key=lambda r: int(r["year"]))
    assert gpu["pue"] == pytest.approx(float(latest["pue"])) and "Uptime Institute" in gpu["pue_source"]


def test_an_unrecognised_cpu_is_estimated_and_listed_by_unknowns(run, inventory):
    run("ingest", "onprem", str(inventory))
    odd = _trace(run)["odd-01"]
    unknown = _cpu("Unknown")
    assert odd["min_w_per_vcpu"] == pytest.approx(float(unknown["min_w_per_vcpu"]))
    rows = json.loads(run("unknowns", "--format", "json").stdout)["rows"]
    assert [(r["instance_type"], r["hours"]) for r in rows] == [("Mystery CPU 9000", 100.0)]
    assert "CPU not recognised" in rows[0]["reason"]


def test_reingesting_an_inventory_month_replaces_it_and_inventories_coexist(run, inventory, tmp_path, db):
    run("ingest", "onprem", str(inventory), "--inventory", "dc1")
    smaller = write_inventory(tmp_path / "september-restated.csv", SERVERS[:2])
    result = run("ingest", "onprem", str(smaller), "--inventory", "dc1")
    assert "(replaced)" in result.stderr
    other = write_inventory(tmp_path / "other-site.csv", SERVERS[2:3])
    run("ingest", "onprem", str(other), "--inventory", "dc2")
    with duckdb.connect(str(db), read_only=True) as con:
        counts = dict(con.execute("SELECT billing_account_id, count(*) FROM usage GROUP BY 1").fetchall())
    assert counts == {"dc1": 2, "dc2": 1}
    run("doctor")


def test_hostile_values_are_stored_verbatim(run, tmp_path, db):
    name = "x'; DROP TABLE usage; --<script>alert(1)</script>"
    inventory = write_inventory(tmp_path / "hostile.csv", [
        {"server": name, "month": "2026-09", "hours": "1", "location": "DE", "vcpus": "2", "tag:team": name}])
    run("ingest", "onprem", str(inventory))
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT resource_id, tags['team'] FROM usage").fetchall() == [(name, name)]


def test_coefficients_zones_lists_zones_by_id_or_name(run):
    rows = json.loads(run("coefficients", "zones", "sweden", "--year", "2024", "--format", "json").stdout)["rows"]
    assert {"SE", "SE-SE3"} <= {r["zone"] for r in rows}
    assert all(r["year"] == 2024 and r["gco2e_per_kwh"] > 0 for r in rows)


BAD = [
    ("missing-column", "server,month,hours,location\na,2026-09,1,DE\n", ["missing column(s) vcpus"]),
    ("unknown-column", "server,month,hours,location,vcpus,colour\na,2026-09,1,DE,2,red\n", ["'colour'"]),
    ("duplicate-column", "server,month,hours,location,vcpus,VCPUS\na,2026-09,1,DE,2,2\n", ["appears twice"]),
    ("no-rows", "server,month,hours,location,vcpus\n", ["no servers"]),
    ("bad-month", "server,month,hours,location,vcpus\na,Sept 2026,1,DE,2\n", ["data row 1", "column month"]),
    ("too-many-hours", "server,month,hours,location,vcpus\na,2026-02,700,DE,2\n", ["672 hours in 2026-02"]),
    ("negative-hours", "server,month,hours,location,vcpus\na,2026-09,-1,DE,2\n", ["column hours"]),
    ("nan-hours", "server,month,hours,location,vcpus\na,2026-09,NaN,DE,2\n", ["column hours"]),
    ("absurd-hours", "server,month,hours,location,vcpus\na,2026-09,1e300,DE,2\n", ["column hours"]),
    ("fraction-vcpus", "server,month,hours,location,vcpus\na,2026-09,1,DE,2.5\n", ["column vcpus"]),
    ("unknown-zone", "server,month,hours,location,vcpus\na,2026-09,1,Narnia,2\n",
     ["column location", "coefficients zones"]),
    ("unknown-gpu", "server,month,hours,location,vcpus,gpu_model,gpu_count\na,2026-09,1,DE,2,A100,8\n",
     ["column gpu_model", "NVIDIA A100 80GB"]),
    ("gpus-without-model", "server,month,hours,location,vcpus,gpu_count\na,2026-09,1,DE,2,4\n", ["column gpu_model"]),
    ("unknown-arch", "server,month,hours,location,vcpus,microarchitecture\na,2026-09,1,DE,2,Zen9\n",
     ["column microarchitecture", "Cascade Lake"]),
    ("low-pue", "server,month,hours,location,vcpus,pue\na,2026-09,1,DE,2,0.9\n", ["column pue"]),
    ("cost-without-currency", "server,month,hours,location,vcpus,cost\na,2026-09,1,DE,2,10\n", ["column currency"]),
    ("duplicate-server", "server,month,hours,location,vcpus\na,2026-09,1,DE,2\nb,2026-09,1,DE,2\na,2026-09,1,DE,2\n",
     ["data row 3", "first at row 1"]),
    ("second-row-bad", "server,month,hours,location,vcpus\na,2026-09,1,DE,2\nb,2026-09,1,DE,zero\n",
     ["data row 2", "column vcpus"]),
]


@pytest.mark.parametrize(("name", "text", "names"), BAD, ids=[b[0] for b in BAD])
def test_bad_inventories_are_one_line_and_change_nothing(run, inventory, tmp_path, db, name, text, names):
    run("ingest", "onprem", str(inventory))
    before = fingerprint(db)
    path = tmp_path / f"{name}.csv"
    path.write_text(text, encoding="utf-8")
    one_line_error(run("ingest", "onprem", str(path), expect=None), str(path), *names)
    assert fingerprint(db) == before


def test_wrong_encodings_and_files_are_one_line(run, tmp_path, db):
    utf16 = tmp_path / "utf16.csv"
    utf16.write_text("server,month,hours,location,vcpus\na,2026-09,1,DE,2\n", encoding="utf-16")
    one_line_error(run("ingest", "onprem", str(utf16), expect=None), "UTF-8")
    sheet = tmp_path / "inventory.xlsx"
    sheet.write_bytes(b"PK\x03\x04")
    one_line_error(run("ingest", "onprem", str(sheet), expect=None), "export it as CSV")
    # A BOM and Latin-1-free text in UTF-8 with a BOM ingest fine.
    bom = tmp_path / "bom.csv"
    bom.write_text("\ufeffserver,month,hours,location,vcpus\nä,2026-09,1,DE,2\n", encoding="utf-8")
    run("ingest", "onprem", str(bom))
    assert fingerprint(db) != "absent"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=300))
def test_random_bytes_after_a_header_never_crash(run, tmp_path, body):
    path = tmp_path / "fuzz.csv"
    path.write_bytes(b"server,month,hours,location,vcpus\n" + body)
    result = run("ingest", "onprem", str(path), expect=None)
    assert result.exit_code in (0, 1), result.output
    if result.exit_code == 1:
        one_line_error(result)


def test_cpu_name_normalisation_is_the_same_in_python_and_sql():
    import subprocess
    import sys

    names = ["Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz", "Xeon E5-2670v2", "AMD EPYC 7763 64-Core", "Gold 5515+"]
    # The maintainer's rebuild (not shipped), run as the maintainer runs it: from the repository root.
    code = ("import json, sys; from coefficients.rebuild.onprem import cpu_tokens; "
            "print(json.dumps([cpu_tokens(n) for n in json.loads(sys.argv[1])]))")
    tokens = json.loads(subprocess.run([sys.executable, "-c", code, json.dumps(names)], check=True, text=True,
                                       capture_output=True, cwd=Path(__file__).resolve().parents[1]).stdout)
    sql = (Path(__file__).resolve().parents[1] / "connectors" / "onprem" / "inventory.sql").read_text()
    assert "'([0-9])v([0-9])', '\\1 v\\2', 'g'" in sql and "'[^a-z0-9+-]+', ' ', 'g'" in sql
    with duckdb.connect() as con:
        for name, expected in zip(names, tokens, strict=True):
            got = con.execute(
                "SELECT trim(regexp_replace(regexp_replace(lower($n), '([0-9])v([0-9])', '\\1 v\\2', 'g'), "
                "'[^a-z0-9+-]+', ' ', 'g'))", {"n": name}).fetchall()[0][0]
            assert got == expected, name


def test_mechanization_moves_inventory_rows_to_the_cloud_pue(run, inventory):
    run("demo")
    run("ingest", "onprem", str(inventory))
    doc = json.loads(run("whatif", "--lever", "mechanization", "--by", "provider,account", "--format", "json").stdout)
    rows = {(r["workload"], r["scenario"]): r for r in doc["rows"]}
    current, moved = rows[("On-premises / platform", "current")], rows[("On-premises / platform", "mechanization")]
    # web-01 (PUE 1.6) and old-01 (Uptime default) are the platform account: operational CO2e scales by PUE.
    fleet = [r for r in _coef("pue") if r["region"] == "*" and r["provider"] in ("aws", "gcp", "azure")]
    latest = {}
    for r in fleet:
        if int(r["year"]) >= int(latest.get(r["provider"], {"year": 0})["year"]):
            latest[r["provider"]] = r
    cloud = round(sum(float(r["pue"]) for r in latest.values()) / 3, 3)
    assert any(f"cloud PUE {cloud:g}" in a for a in doc["meta"]["assumptions"])
    assert moved["operational_kgco2e"] < current["operational_kgco2e"]
    assert moved["embodied_kgco2e"] == pytest.approx(current["embodied_kgco2e"])
    assert moved["cost"] is None and "cloud cost not modelled" in moved["note"]
    # Cloud rows keep their counterfactual meaning: on-premises would emit more.
    aws = next(r for (w, s), r in rows.items() if w.startswith("AWS") and s == "mechanization")
    assert aws["kgco2e_saved"] < 0


@pytest.mark.parametrize("cloud_pue", [1.6, 1.2])
def test_cloud_pue_scales_operational_co2e_by_the_pue_ratio(run, tmp_path, cloud_pue):
    run("ingest", "onprem", str(write_inventory(tmp_path / "web.csv", SERVERS[:1])))
    result = run("whatif", "--lever", "mechanization", "--cloud-pue", str(cloud_pue), "--format", "json")
    doc = json.loads(result.stdout)
    rows = {r["scenario"]: r for r in doc["rows"] if r["workload"] == "TOTAL"}
    current, moved = rows["current"], rows["mechanization"]
    # web-01 states PUE 1.6.
    assert moved["operational_kgco2e"] == pytest.approx(current["operational_kgco2e"] * cloud_pue / 1.6)
    assert any("--cloud-pue" in a for a in doc["meta"]["assumptions"])


def test_run_monthly_ingests_an_inventory_source(run, tmp_path, db):
    write_inventory(tmp_path / "servers-2026-09.csv", SERVERS)
    config = tmp_path / "cloudcarbon.toml"
    config.write_text('[report]\noutput = "reports/{month}"\n[[sources]]\ntype = "onprem"\n'
                      'paths = ["servers-{month}.csv"]\ninventory = "dc-frankfurt"\n')
    run("run-monthly", "--config", str(config), "--month", "2026-09")
    report = json.loads((tmp_path / "reports" / "2026-09" / "report-2026-09.json").read_text())
    assert "On-premises" in json.dumps(report)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT DISTINCT billing_account_id FROM usage").fetchall() == [("dc-frankfurt",)]
