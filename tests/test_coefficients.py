"""Sanity checks on the shipped coefficient tables, read through the runtime loader."""

from __future__ import annotations

import csv

import duckdb
import pytest

from cloudcarbon.coefficients import loader


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    loader.register(c)
    return c


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def scalar(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    return rows(con, sql)[0][0]


def instance(con: duckdb.DuckDBPyConnection, name: str) -> dict:
    cur = con.execute("SELECT * FROM coef_instances WHERE instance_type = ?", [name])
    cols = [d[0] for d in cur.description]
    found = cur.fetchall()
    assert found, f"{name} missing from instances.csv"
    return dict(zip(cols, found[0], strict=True))


def test_register_creates_all_tables(con: duckdb.DuckDBPyConnection) -> None:
    names = {r[0] for r in rows(con, "SELECT table_name FROM duckdb_tables() WHERE temporary")}
    assert set(loader.TABLES) <= names
    assert len(loader.TABLES) == 7
    for table in loader.TABLES:
        assert scalar(con, f"SELECT count(*) FROM {table}") > 0, table


def test_register_is_idempotent() -> None:
    c = duckdb.connect()
    loader.register(c)
    loader.register(c)
    assert scalar(c, "SELECT count(*) FROM coef_regions") > 30


def test_version() -> None:
    assert loader.COEFFICIENTS_VERSION == "2026.11.0"


@pytest.mark.parametrize("name", [t.removeprefix("coef_") for t in loader.TABLES])
def test_every_row_has_source_and_licence_and_no_agpl(name: str) -> None:
    with loader.data_path(name).open(newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == list(loader.SCHEMAS[name]), "column order differs from the contract"
        for row in reader:
            assert row["source"].strip(), row
            assert row["licence"].strip(), row
            text = ",".join(row.values()).lower()
            assert "agpl" not in text and "boavizta" not in text, row


def test_instance_basics(con: duckdb.DuckDBPyConnection) -> None:
    assert scalar(con, "SELECT count(*) FROM coef_instances WHERE vcpus <= 0 OR host_vcpus < vcpus") == 0
    assert scalar(con, "SELECT count(*) FROM coef_instances WHERE memory_gib <= 0") == 0
    assert scalar(con, "SELECT count(*) FROM coef_instances WHERE host_embodied_kgco2e < 1000") == 0
    dupes = rows(con, "SELECT instance_type FROM coef_instances GROUP BY ALL HAVING count(*) > 1")
    assert dupes == []
    methods = {r[0] for r in rows(con, "SELECT DISTINCT embodied_method FROM coef_instances")}
    assert methods == {"ccf-published", "ccf-model-computed"}


def test_known_instance_facts(con: duckdb.DuckDBPyConnection) -> None:
    m5 = instance(con, "m5.large")
    assert (m5["vcpus"], m5["memory_gib"], m5["host_vcpus"]) == (2, 8.0, 96)
    assert m5["microarchitecture"] in {"Skylake", "Cascade Lake"}
    p4d = instance(con, "p4d.24xlarge")
    assert (p4d["vcpus"], p4d["gpu_model"], p4d["gpu_count"]) == (96, "NVIDIA A100 40GB", 8)
    assert p4d["microarchitecture"] == "Cascade Lake"
    assert (instance(con, "p5.48xlarge")["gpu_model"], instance(con, "p5.48xlarge")["gpu_count"]) == (
        "NVIDIA H100",
        8,
    )
    trn1 = instance(con, "trn1.32xlarge")
    assert (trn1["gpu_model"], trn1["gpu_count"], trn1["accelerator_kind"]) == (
        "AWS Trainium",
        16,
        "trainium",
    )
    inf2 = instance(con, "inf2.48xlarge")
    assert (inf2["gpu_model"], inf2["gpu_count"], inf2["accelerator_kind"]) == (
        "AWS Inferentia2",
        12,
        "inferentia",
    )
    g5 = instance(con, "g5.xlarge")
    assert (g5["gpu_model"], g5["gpu_count"]) == ("NVIDIA A10G", 1)
    assert instance(con, "c7g.large")["microarchitecture"] == "Graviton3"
    assert instance(con, "m8g.large")["microarchitecture"] == "Graviton4"
    assert instance(con, "m6g.large")["microarchitecture"] == "Graviton2"
    assert instance(con, "m5.large")["gpu_count"] == 0 and instance(con, "m5.large")["gpu_model"] is None


def test_burstable_baselines(con: duckdb.DuckDBPyConnection) -> None:
    expected = {"t3.nano": 0.05, "t3.micro": 0.10, "t3.medium": 0.20, "t3.large": 0.30, "t3.2xlarge": 0.40}
    for name, baseline in expected.items():
        assert instance(con, name)["burstable_baseline"] == pytest.approx(baseline)
    assert instance(con, "m5.large")["burstable_baseline"] is None
    missing = rows(
        con,
        "SELECT instance_type FROM coef_instances WHERE family IN ('t2','t3','t3a','t4g') "
        "AND burstable_baseline IS NULL",
    )
    assert missing == []


def test_botocore_names_covered(con: duckdb.DuckDBPyConnection) -> None:
    # Every legacy/GPU name that the CCF 2026 catalog lacks is added from curated facts.
    for name in [
        "p2.xlarge",
        "p3.16xlarge",
        "p3dn.24xlarge",
        "g3s.xlarge",
        "g2.2xlarge",
        "u7ib-12tb.224xlarge",
    ]:
        instance(con, name)
    assert instance(con, "p3.2xlarge")["gpu_model"] == "NVIDIA V100"
    assert instance(con, "p2.16xlarge")["gpu_count"] == 16  # K80 counted per die, as AWS does


def test_microarchitectures_resolve(con: duckdb.DuckDBPyConnection) -> None:
    orphans = rows(
        con,
        "SELECT DISTINCT i.microarchitecture FROM coef_instances i ANTI JOIN coef_cpu_power p "
        "ON p.provider = i.provider AND p.microarchitecture = i.microarchitecture",
    )
    assert orphans == []
    unknown = "SELECT count(*) FROM coef_cpu_power WHERE provider = 'aws' AND microarchitecture = 'Unknown'"
    assert scalar(con, unknown) == 1


def test_cpu_power_ranges(con: duckdb.DuckDBPyConnection) -> None:
    bad = rows(
        con,
        "SELECT microarchitecture FROM coef_cpu_power WHERE NOT (0 < min_w_per_vcpu AND "
        "min_w_per_vcpu < max_w_per_vcpu AND max_w_per_vcpu < 15 AND ref_memory_gib_per_vcpu > 0)",
    )
    assert bad == []
    watts = dict(rows(con, "SELECT microarchitecture, max_w_per_vcpu FROM coef_cpu_power"))
    assert watts["Graviton"] <= watts["Graviton2"]  # Graviton 1 must not get the (higher) fallback
    assert watts["EPYC Gen5"] < 8  # CCF's 8.96 W outlier replaced


def test_gpu_models_resolve(con: duckdb.DuckDBPyConnection) -> None:
    orphans = rows(
        con,
        "SELECT DISTINCT gpu_model FROM coef_instances i WHERE gpu_model IS NOT NULL "
        "AND gpu_model NOT IN (SELECT model FROM coef_accelerators)",
    )
    assert orphans == []
    assert (
        scalar(con, "SELECT count(*) FROM coef_instances WHERE (gpu_model IS NULL) <> (gpu_count = 0)") == 0
    )
    bad = rows(con, "SELECT model FROM coef_accelerators WHERE NOT (0 < idle_w AND idle_w < max_w)")
    assert bad == []


def test_every_region_has_grid_and_pue(con: duckdb.DuckDBPyConnection) -> None:
    no_grid = rows(
        con,
        "SELECT region FROM coef_regions r WHERE provider = 'aws' AND NOT EXISTS "
        "(SELECT 1 FROM coef_grid g WHERE g.provider = r.provider AND g.region = r.region)",
    )
    assert no_grid == []
    no_pue = rows(
        con,
        "SELECT region FROM coef_regions r WHERE provider = 'aws' AND NOT EXISTS "
        "(SELECT 1 FROM coef_pue p WHERE p.provider = r.provider AND p.region IN (r.region, '*'))",
    )
    assert no_pue == []
    signals = rows(con, "SELECT DISTINCT signal FROM coef_grid WHERE provider = 'aws'")
    assert len(signals) == 1
    assert scalar(con, "SELECT count(*) FROM coef_grid WHERE NOT gco2e_per_kwh BETWEEN 0 AND 1500") == 0
    assert scalar(con, "SELECT count(*) FROM coef_pue WHERE NOT pue BETWEEN 1.0 AND 2.0") == 0


def test_region_facts(con: duckdb.DuckDBPyConnection) -> None:
    prefixes = dict(rows(con, "SELECT region, billing_prefix FROM coef_regions WHERE provider = 'aws'"))
    assert prefixes["us-east-1"] == "USE1"
    assert prefixes["eu-west-1"] == "EU"
    assert prefixes["ap-south-1"] == "APS3"
    assert prefixes["ap-southeast-1"] == "APS1"
    for region in [
        "us-east-1",
        "eu-north-1",
        "ap-southeast-7",
        "mx-central-1",
        "cn-north-1",
        "us-gov-west-1",
    ]:
        assert region in prefixes


def test_constants(con: duckdb.DuckDBPyConnection) -> None:
    assert loader.constant(con, "memory_w_per_gib") == pytest.approx(0.392)
    assert loader.constant(con, "server_lifespan_hours") == 52560
    assert loader.constant(con, "server_lifespan_hours_low_bound") == 35040
    low, mid, high = (loader.constant(con, f"cpu_utilization_{k}") for k in ("low", "default", "high"))
    assert 0 < low < mid < high <= 1
    with pytest.raises(KeyError):
        loader.constant(con, "no_such_key")
