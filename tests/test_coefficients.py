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
    assert "coef_region_aliases" in loader.TABLES
    for table in loader.TABLES:
        assert scalar(con, f"SELECT count(*) FROM {table}") > 0, table


def test_register_is_idempotent() -> None:
    c = duckdb.connect()
    loader.register(c)
    loader.register(c)
    assert scalar(c, "SELECT count(*) FROM coef_regions") > 30


def test_version() -> None:
    assert loader.COEFFICIENTS_VERSION == "2026.12.1"


def test_every_provider_of_the_tables_is_in_the_providers_table(con: duckdb.DuckDBPyConnection) -> None:
    """Provider identity is data: each provider the other tables name has one row, the planning commands offer
    exactly those with instance types and regions, and a FOCUS ProviderName spelling maps to one provider."""
    named = {r[0] for r in rows(con, " UNION ".join(
        f"SELECT DISTINCT provider FROM coef_{t}" for t in ("instances", "cpu_power", "pue", "grid", "regions")))}
    listed = [r[0] for r in rows(con, "SELECT provider FROM coef_providers")]
    assert sorted(listed) == sorted(set(listed)) == sorted(named)
    with_catalogue = {r[0] for r in rows(con, "SELECT DISTINCT i.provider FROM coef_instances i "
                                              "JOIN coef_regions USING (provider)")}
    assert set(loader.cloud_providers()) == with_catalogue == {"aws", "gcp", "azure"}
    aliases = rows(con, "SELECT unnest(string_split(focus_aliases, ';')) AS alias FROM coef_providers "
                        "WHERE focus_aliases IS NOT NULL")
    assert len(aliases) == len(set(aliases)) and ("amazon web services, inc.",) in aliases
    fleet = rows(con, "SELECT provider FROM coef_providers WHERE cloud_pue_mean ORDER BY 1")
    assert fleet == [("aws",), ("azure",), ("gcp",)]


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


# ------------------------------------------------------------------------------------------------
# GCP and Azure rows
# ------------------------------------------------------------------------------------------------
def test_gcp_machine_type_facts(con: duckdb.DuckDBPyConnection) -> None:
    n2 = instance(con, "n2-standard-4")
    assert (n2["provider"], n2["vcpus"], n2["memory_gib"]) == ("gcp", 4, 16.0)
    assert n2["microarchitecture"] in {"Cascade Lake", "Ice Lake"}
    n2d = instance(con, "n2d-standard-4")  # n2d is AMD, not n2's Intel (peer's 2-character prefix bug)
    assert n2d["family"] == "n2d" and n2d["microarchitecture"].startswith("EPYC")
    assert n2d["microarchitecture"] != "Cascade Lake"
    for name, model, count in [
        ("a2-highgpu-1g", "NVIDIA A100 40GB", 1),
        ("a2-ultragpu-8g", "NVIDIA A100 80GB", 8),
        ("a3-highgpu-8g", "NVIDIA H100", 8),
        ("a3-ultragpu-8g", "NVIDIA H200", 8),
        ("a4-highgpu-8g", "NVIDIA B200", 8),
        ("g2-standard-4", "NVIDIA L4", 1),
        ("g2-standard-96", "NVIDIA L4", 8),
    ]:
        row = instance(con, name)
        assert (row["gpu_model"], row["gpu_count"], row["accelerator_kind"]) == (model, count, "gpu"), name
    assert instance(con, "t2a-standard-4")["microarchitecture"] == "Ampere Altra"
    assert instance(con, "c4a-standard-4")["microarchitecture"] == "Google Axion"


def test_gcp_shared_core_baselines(con: duckdb.DuckDBPyConnection) -> None:
    # burstable_baseline is per vCPU (as for AWS); vcpus x baseline = Google's fractional vCPU share.
    shares = {"e2-micro": 0.25, "e2-small": 0.5, "e2-medium": 1.0, "f1-micro": 0.2, "g1-small": 0.5}
    for name, share in shares.items():
        row = instance(con, name)
        assert row["vcpus"] * row["burstable_baseline"] == pytest.approx(share), name
    assert instance(con, "e2-standard-2")["burstable_baseline"] is None


def test_tpus_are_accelerator_rows(con: duckdb.DuckDBPyConnection) -> None:
    for version in ["v2", "v3", "v4", "v5e", "v5p", "v6e"]:
        row = instance(con, f"tpu-{version}")
        assert (row["gpu_model"], row["gpu_count"], row["accelerator_kind"]) == (f"Google TPU {version}", 1, "tpu")
        assert 0 < row["vcpus"] < row["host_vcpus"]
    estimates = dict(rows(con, "SELECT model, source FROM coef_accelerators WHERE kind = 'tpu'"))
    assert estimates["Google TPU v5e"].startswith("estimate:")
    assert not estimates["Google TPU v4"].startswith("estimate:")


def test_azure_size_facts(con: duckdb.DuckDBPyConnection) -> None:
    d4 = instance(con, "Standard_D4s_v3")
    assert (d4["provider"], d4["vcpus"], d4["memory_gib"]) == ("azure", 4, 16.0)
    a100 = instance(con, "Standard_NC24ads_A100_v4")
    assert a100["gpu_model"].startswith("NVIDIA A100 80GB") and a100["gpu_count"] == 1
    for name, model, count in [
        ("Standard_ND96isr_H100_v5", "NVIDIA H100", 8),
        ("Standard_ND96isr_H200_v5", "NVIDIA H200", 8),
        ("Standard_ND96isr_MI300X_v5", "AMD Instinct MI300X", 8),
        ("Standard_ND96asr_v4", "NVIDIA A100 40GB", 8),
        ("Standard_NC6s_v3", "NVIDIA V100 PCIe", 1),
        ("Standard_NC64as_T4_v3", "NVIDIA T4", 4),
        ("Standard_NV36ads_A10_v5", "NVIDIA A10", 1),
        ("Standard_NV6", "NVIDIA M60", 1),
        ("Standard_NC24", "NVIDIA K80", 4),
    ]:
        row = instance(con, name)
        assert (row["gpu_model"], row["gpu_count"]) == (model, count), name
    assert instance(con, "Standard_D4ps_v5")["microarchitecture"] == "Ampere Altra"
    assert instance(con, "Standard_D4ps_v6")["microarchitecture"] == "Azure Cobalt 100"
    assert instance(con, "Standard_B2s")["burstable_baseline"] == pytest.approx(0.2)
    # Constrained-vCPU sizes reserve (and bill) the full size.
    assert instance(con, "Standard_E16-4s_v3")["vcpus"] == 16


def test_every_provider_microarchitecture_has_cpu_power(con: duckdb.DuckDBPyConnection) -> None:
    for provider in ["gcp", "azure"]:
        archs = {r[0] for r in rows(con, "SELECT microarchitecture FROM coef_cpu_power WHERE provider = ?",
                                    [provider])}
        assert "Unknown" in archs, provider
    sql = "SELECT provider, microarchitecture, max_w_per_vcpu FROM coef_cpu_power"
    watts = {(p, a): w for p, a, w in rows(con, sql)}
    assert watts[("gcp", "Google Axion")] == watts[("gcp", "Ampere Altra")]  # documented proxy


def test_gcp_multi_region_is_mean_not_sum(con: duckdb.DuckDBPyConnection) -> None:
    members = [r for r in loader_regions(con) if r.startswith("us-")]
    for year in (2019, 2024):
        us = rows(con, "SELECT gco2e_per_kwh FROM coef_grid WHERE provider = 'gcp' AND region = 'us' AND year = ?",
                  [year])[0][0]
        values = [v for (v,) in rows(con, "SELECT gco2e_per_kwh FROM coef_grid WHERE provider = 'gcp' AND year = ? "
                                          "AND region IN (SELECT unnest(?::VARCHAR[]))", [year, members])]
        assert len(values) > 2
        assert us == pytest.approx(sum(values) / len(values), abs=1e-6)
        assert us < sum(values) / 2
    nam4 = dict(rows(con, "SELECT region, gco2e_per_kwh FROM coef_grid WHERE provider = 'gcp' AND year = 2023 "
                          "AND region IN ('nam4', 'us-central1', 'us-east1')"))
    assert nam4["nam4"] == pytest.approx((nam4["us-central1"] + nam4["us-east1"]) / 2)
    signal = scalar(con, "SELECT signal FROM coef_grid WHERE provider = 'gcp' AND region = 'us' AND year = 2024")
    assert signal.startswith("mean of member regions")


def loader_regions(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in rows(con, "SELECT region FROM coef_regions WHERE provider = 'gcp'")]


def test_gcp_grid_signals_and_cfe(con: duckdb.DuckDBPyConnection) -> None:
    signals = dict(rows(con, "SELECT year, signal FROM coef_grid WHERE provider = 'gcp' AND region = 'us-central1'"))
    assert "life-cycle" in signals[2019] and "operational" in signals[2024]
    cfe = scalar(con, "SELECT cfe_pct FROM coef_grid WHERE provider = 'gcp' AND region = 'europe-north1' "
                 "AND year = 2024")
    assert cfe == pytest.approx(98.0)
    assert scalar(con, "SELECT count(*) FROM coef_grid WHERE provider = 'aws' AND cfe_pct IS NOT NULL") == 0


@pytest.mark.parametrize("provider", ["gcp", "azure"])
def test_every_gcp_azure_region_has_grid_and_pue(con: duckdb.DuckDBPyConnection, provider: str) -> None:
    regions = [r[0] for r in rows(con, "SELECT region FROM coef_regions WHERE provider = ?", [provider])]
    assert len(regions) > 40
    no_grid = rows(
        con,
        "SELECT region FROM coef_regions r WHERE provider = ? AND NOT EXISTS "
        "(SELECT 1 FROM coef_grid g WHERE g.provider = r.provider AND g.region = r.region)",
        [provider],
    )
    assert no_grid == []
    fleet = scalar(con, f"SELECT count(*) FROM coef_pue WHERE provider = '{provider}' AND region = '*'")
    assert fleet >= 5
    assert scalar(con, f"SELECT count(*) FROM coef_pue WHERE provider = '{provider}' AND region <> '*'") > 5


def test_region_aliases(con: duckdb.DuckDBPyConnection) -> None:
    def resolve(provider: str, spelling: str) -> str | None:
        found = rows(con, "SELECT region FROM coef_region_aliases WHERE provider = ? AND alias = lower(?)",
                     [provider, spelling])
        return found[0][0] if found else None

    assert resolve("azure", "East US") == "eastus"
    assert resolve("azure", "eastus") == "eastus"
    assert resolve("azure", "EastUS") == "eastus"
    assert resolve("azure", "West Europe") == "westeurope"
    assert resolve("gcp", "US") == "us"
    assert resolve("gcp", "europe-west1") == "europe-west1"
    assert scalar(con, "SELECT count(*) FROM coef_region_aliases WHERE alias <> lower(alias)") == 0
    orphans = rows(con, "SELECT DISTINCT a.provider, a.region FROM coef_region_aliases a ANTI JOIN coef_regions r "
                        "ON r.provider = a.provider AND r.region = a.region")
    assert orphans == []
    dupes = rows(con, "SELECT provider, alias FROM coef_region_aliases GROUP BY ALL HAVING count(*) > 1")
    assert dupes == []


def test_replication_constants(con: duckdb.DuckDBPyConnection) -> None:
    for provider in ["gcp", "azure"]:
        for cls in ["object", "block", "file", "archive", "database"]:
            assert loader.constant(con, f"replication_{provider}_{cls}") >= 1
    assert loader.constant(con, "replication_azure_object") == 3


def test_build_is_byte_identical(tmp_path) -> None:
    """`python -m coefficients.rebuild` (run from a copy of the repository's coefficients/ folder) writes
    every shipped table and VERSION byte for byte."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    reference = Path("/work/shared/reference")
    if not reference.exists():
        pytest.skip("the rebuild reads ../shared/reference (public source tables), absent here")
    work = tmp_path / "coefficients"
    shutil.copytree(Path(__file__).resolve().parents[1] / "coefficients", work,
                    ignore=shutil.ignore_patterns("__pycache__"))
    for old in (work / "data").iterdir():
        old.unlink()
    subprocess.run([sys.executable, "-m", "coefficients.rebuild", "--reference", str(reference)], cwd=tmp_path,
                   check=True, capture_output=True)
    for name in (t.removeprefix("coef_") for t in loader.TABLES):
        assert (work / "data" / f"{name}.csv").read_bytes() == loader.data_path(name).read_bytes(), name
    assert (work / "data" / "VERSION").read_text().strip() == loader.COEFFICIENTS_VERSION


def test_azure_source_list_errors_corrected(con: duckdb.DuckDBPyConnection) -> None:
    # The GSF if-plugins list halves Dpsv5/Dpdsv5 vCPUs and glues footnote marks to names (D2s_v32).
    for name, specs in {
        "Standard_D64ps_v5": (64, 208.0),
        "Standard_D16pds_v5": (16, 64.0),
        "Standard_ND40rs_v2": (40, 672.0),
        "Standard_E16ads_v5": (16, 128.0),
    }.items():
        row = instance(con, name)
        assert (row["vcpus"], row["memory_gib"]) == specs, name
    footnoted = "SELECT instance_type FROM coef_instances WHERE regexp_matches(instance_type, '^Standard_.*_v\\d{2}$')"
    assert rows(con, footnoted) == []
    # Constrained-vCPU sizes take their parent size's vCPUs (Standard_DS11_v2 has 2, not 11).
    assert instance(con, "Standard_DS11-1_v2")["vcpus"] == 2
    assert instance(con, "Standard_E32-16s_v3")["vcpus"] == 32


def test_gcp_multi_region_means_use_google_figures_only(con: duckdb.DuckDBPyConnection) -> None:
    mixed = rows(
        con,
        "SELECT region, year FROM coef_grid WHERE provider = 'gcp' "
        "AND signal LIKE 'mean of member regions%' AND signal LIKE '%Electricity Maps%'",
    )
    assert mixed == []
