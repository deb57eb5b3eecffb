"""The `footprint` table in the store: the same figures as the estimation query, readable with plain SQL,
recomputed when usage, the coefficient library or the method changes (cloudcarbon/stored_footprint.py); and
`footprint_monthly`, its sums per month, recomputed with it."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from curfiles import item, write_cur

from cloudcarbon import stored_footprint
from cloudcarbon.footprint import footprint
from cloudcarbon.groupings import parse_by
from cloudcarbon.periods import window
from cloudcarbon.store import open_store

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "sql"

LINES = [
    item(),
    item(usage_type="BoxUsage:p5.48xlarge", instance_type="p5.48xlarge", vcpu="192", resource_id="i-gpu",
         tags={"user:team": "ml"}),
    item(usage_type="BoxUsage:t3.micro", instance_type="t3.micro", vcpu="2", resource_id="i-small",
         start="2025-01-11T00:00:00Z", end="2025-01-11T01:00:00Z"),
    item(region="eu-west-1", az="eu-west-1a", usage_type="EU-BoxUsage:m5.large", resource_id="i-eu",
         tags={"user:team": "web"}),
    item(product_code="AmazonS3", usage_type="TimedStorage-ByteHrs", instance_type="", vcpu="", amount=100,
         unit="GB-Mo", resource_id="bucket"),
]


@pytest.fixture
def store(tmp_path, run) -> Path:
    run("ingest", "aws", str(write_cur(tmp_path / "cur.parquet", LINES)))
    return tmp_path / "store.duckdb"


def monthly_differences(store: Path, where: str = "true") -> int:
    """How many rows of footprint_monthly (filtered by `where`) differ from the day rows summed the same way, either
    way round, to the last digit; asserts that there are rows to compare."""
    keys = ", ".join(f'"{key}"' for key in stored_footprint.MONTHLY_KEYS)
    sums = ", ".join(f"sum({name}) AS {name}" for name in stored_footprint.STORED_FIGURES)
    monthly = f"SELECT {keys}, {sums} FROM footprint_monthly WHERE {where} GROUP BY ALL"
    daily = f"SELECT {keys}, {sums} FROM footprint WHERE {where} GROUP BY ALL"
    with duckdb.connect(str(store), read_only=True) as con:
        assert con.execute(f"SELECT count(*) FROM ({monthly})").fetchall()[0][0] > 0
        return con.execute(f"SELECT count(*) FROM (({daily} EXCEPT ALL {monthly}) UNION ALL "
                           f"({monthly} EXCEPT ALL {daily}))").fetchall()[0][0]


def test_the_monthly_table_holds_the_day_rows_sums(store):
    assert monthly_differences(store) == 0
    assert monthly_differences(store, "region = 'eu-west-1'") == 0
    assert monthly_differences(store, "tags['user:team'] = 'ml' AND month = '2025-01'") == 0
    with duckdb.connect(str(store)) as con:  # the check sees a digit changed
        con.execute("UPDATE footprint_monthly SET cost = cost + 0.000000000000000001 WHERE region = 'eu-west-1'")
    assert monthly_differences(store, "region = 'eu-west-1'") == 2
    assert monthly_differences(store, "region <> 'eu-west-1'") == 0


def test_every_stored_row_adds_up_exactly(store):
    """Totals are added in decimals from the stored parts, so a row's parts sum to its total to the last digit."""
    checks = {"total": "operational_kgco2e + embodied_kgco2e",
              "total_low": "operational_kgco2e_low + embodied_kgco2e_low",
              "total_high": "operational_kgco2e_high + embodied_kgco2e_high",
              "scopes": "scope2_kgco2e + scope3_kgco2e"}
    with duckdb.connect(str(store), read_only=True) as con:
        for table in ("footprint", "footprint_monthly"):
            for name, parts in checks.items():
                column = "total_kgco2e" + name.removeprefix("total").replace("scopes", "")
                rows, wrong = con.execute(f"SELECT count(*), count(*) FILTER (WHERE {column} <> {parts}) "
                                          f"FROM {table}").fetchall()[0]
                assert rows >= 5 and wrong == 0, (table, name)


@pytest.mark.parametrize("extra", [[], ["--cpu-utilization", "0.6"]], ids=["stored", "from usage"])
def test_scope3_prints_as_the_total_less_scope2(store, run, extra):
    """Without on-premises usage scope 2 is 0 and scope 3 prints as the total, to the digit (it printed one float
    sum off), whether the figures come from the stored rows or from usage (another assumption)."""
    rows = json.loads(run("footprint", "--by", "resource", "--format", "json", *extra).stdout)["rows"]
    assert len(rows) >= 5
    for row in rows:
        assert row["scope2_kgco2e"] == 0 and row["scope3_kgco2e"] == row["total_kgco2e"], row


@pytest.mark.parametrize("by", ["month,service,region,instance_type", "account", "tag:team", "provider", ""])
def test_footprint_is_the_same_from_the_monthly_or_the_day_table(store, run, by):
    """January's usage lies on the 1st and the 11th: the whole month reads footprint_monthly, a mid-month window
    around those days and an open start before them read `footprint`, and all print the same rows."""
    outputs = {}
    for spec, monthly in (({"month": "2025-01"}, True), ({}, True),
                          ({"since": "2025-01-01", "until": "2025-01-12"}, False), ({"since": "2024-12-31"}, False)):
        assert ("footprint_monthly" in stored_footprint.stored_rows_sql(window(**spec), parse_by(by))) == monthly
        options = [part for name, value in spec.items() for part in (f"--{name}", value)]
        text = run("footprint", "--by", by, *options, "--format", "json").stdout
        outputs[" ".join(options)] = json.loads(text)["rows"]
    first = next(iter(outputs.values()))
    assert first and all(rows == first for rows in outputs.values()), outputs


def test_resource_and_part_months_read_the_day_table():
    month = window(month="2025-01")
    assert "footprint_monthly" in stored_footprint.stored_rows_sql(month, ["month", "tag:team", "k8s:pod", "basis"])
    assert "footprint_monthly" not in stored_footprint.stored_rows_sql(month, ["month", "resource"])
    assert "footprint_monthly" not in stored_footprint.stored_rows_sql(window(since="2025-01-02"), ["month"])
    assert "footprint_monthly" not in stored_footprint.stored_rows_sql(window(until="2025-02-15"), [])


@pytest.mark.parametrize("by", ["month,service", "region,instance_type", "resource", "tag:team", "usage_kind,account"])
def test_stored_figures_equal_the_estimation_query(store, by, monkeypatch):
    with open_store(store, read_only=True) as con:
        assert stored_footprint.readable(con, window())
        stored = footprint(con, by=by)
        monkeypatch.setattr(stored_footprint, "readable", lambda *_: False)
        computed = footprint(con, by=by)
    assert list(stored.columns) == list(computed.columns)
    assert len(stored) == len(computed) > 0
    for column in stored.columns:
        if stored[column].dtype.kind == "f":
            assert stored[column].to_numpy() == pytest.approx(computed[column].to_numpy(), rel=1e-12), column
        else:
            assert stored[column].fillna("").tolist() == computed[column].fillna("").tolist(), column


def test_plain_sql_equals_the_command(store, run):
    """The issue's acceptance: `duckdb store.duckdb "SELECT sum(total_kgco2e) FROM footprint WHERE ..."`."""
    rows = json.loads(run("footprint", "--by", "region", "--month", "2025-01", "--format", "json").stdout)["rows"]
    command = {row["region"]: row for row in rows}
    with duckdb.connect(str(store), read_only=True) as con:
        for region, row in command.items():
            [(total, low, high, kwh)] = con.execute(  # stored as exact DECIMAL(38, 18)
                "SELECT sum(total_kgco2e), sum(total_kgco2e_low), sum(total_kgco2e_high), sum(energy_kwh) "
                "FROM footprint WHERE region = ? AND month = '2025-01'", [region]).fetchall()
            assert float(total) == row["total_kgco2e"]  # to the digit
            assert (float(low), float(high), float(kwh)) == pytest.approx(
                (row["total_kgco2e_low"], row["total_kgco2e_high"], row["energy_kwh"]), rel=1e-12)
        stamps = con.execute("SELECT DISTINCT coefficients_version, tool_version FROM footprint").fetchall()
    assert len(stamps) == 1 and stamps[0][0] and "+" in stamps[0][1]


def test_example_queries_run_against_the_store(store, run):
    """examples/sql/ holds the queries the README gives for BI tools; each runs and agrees with the CLI."""
    total = json.loads(run("footprint", "--by", "month", "--format", "json").stdout)["rows"][0]["total_kgco2e"]
    queries = sorted(EXAMPLES.glob("*.sql"))
    assert queries, f"no example queries in {EXAMPLES}"
    with duckdb.connect(str(store), read_only=True) as con:
        for query in queries:
            frame = con.execute(query.read_text()).df()
            assert len(frame), query.name
            if "total_kgco2e" in frame.columns:
                assert frame["total_kgco2e"].sum() == pytest.approx(total, rel=1e-9), query.name


def test_reingest_replaces_the_stored_figures(tmp_path, store, run):
    with duckdb.connect(str(store), read_only=True) as con:
        before = con.execute("SELECT sum(total_kgco2e), count(*) FROM footprint").fetchall()[0]
    run("ingest", "aws", str(write_cur(tmp_path / "cur2.parquet", LINES[:2])))
    with duckdb.connect(str(store), read_only=True) as con:
        after = con.execute("SELECT sum(total_kgco2e), count(*) FROM footprint").fetchall()[0]
        periods = con.execute("SELECT count(*) FROM footprint_periods").fetchall()[0][0]
    rows = json.loads(run("footprint", "--by", "month", "--format", "json").stdout)["rows"]
    assert after[1] < before[1] and after[0] < before[0]
    assert float(after[0]) == pytest.approx(rows[0]["total_kgco2e"], rel=1e-12)
    assert periods == 1
    assert monthly_differences(store) == 0  # the monthly rows were replaced with the day rows


def test_a_changed_library_or_method_recomputes_at_open(store, monkeypatch):
    stale = "UPDATE footprint SET total_kgco2e = -1; UPDATE footprint_monthly SET total_kgco2e = -1"
    with duckdb.connect(str(store)) as con:
        con.execute(stale)  # figures a stale version left behind
        con.execute("UPDATE footprint_periods SET coefficients_version = '2000.1.1'")
    with open_store(store, read_only=True) as con:
        assert stored_footprint.stale_periods(con) == 0
        for table in ("footprint", "footprint_monthly"):
            assert con.execute(f"SELECT min(total_kgco2e) FROM {table}").fetchall()[0][0] > 0
    with duckdb.connect(str(store)) as con:
        con.execute(stale)
    monkeypatch.setattr(stored_footprint, "tool_stamp", lambda: "0.0.0+changed-method")
    with open_store(store) as con:
        for table in ("footprint", "footprint_monthly"):
            assert con.execute(f"SELECT min(total_kgco2e) FROM {table}").fetchall()[0][0] > 0
            assert con.execute(f"SELECT DISTINCT tool_version FROM {table}").fetchall() == [("0.0.0+changed-method",)]
    assert monthly_differences(store) == 0


@pytest.mark.parametrize("stamp", ["0.1.0+before-the-monthly-table", None])
def test_a_store_without_the_monthly_table_gets_it(store, run, stamp):
    """A store an older cloudcarbon wrote (its tool stamp older), or one whose monthly table is gone alone."""
    with duckdb.connect(str(store)) as con:
        con.execute("DROP TABLE footprint_monthly")
        if stamp:
            for table in ("footprint", "footprint_periods"):
                con.execute(f"UPDATE {table} SET tool_version = $stamp", {"stamp": stamp})
    rows = json.loads(run("footprint", "--by", "month,region", "--format", "json").stdout)["rows"]
    assert monthly_differences(store) == 0
    with duckdb.connect(str(store), read_only=True) as con:
        assert con.execute("SELECT DISTINCT tool_version FROM footprint_monthly").fetchall() == [
            (stored_footprint.tool_stamp(),)]
        totals = dict(con.execute("SELECT region, CAST(sum(total_kgco2e) AS DOUBLE) FROM footprint_monthly "
                                  "GROUP BY ALL").fetchall())
    assert {row["region"]: row["total_kgco2e"] for row in rows} == totals


def test_a_busy_store_is_answered_from_usage(store, run):
    """Stale figures and a writer holding the store: readers compute from usage, never read stale rows."""
    with duckdb.connect(str(store)) as con:
        con.execute("UPDATE footprint SET total_kgco2e = -1")
        con.execute("DELETE FROM footprint_periods")
    with open_store(store, read_only=True) as con:  # no writer: recomputed on open
        assert con.execute("SELECT min(total_kgco2e) FROM footprint").fetchall()[0][0] > 0
    with duckdb.connect(str(store)) as con:
        con.execute("UPDATE footprint SET total_kgco2e = -1")
        con.execute("DELETE FROM footprint_periods")
        frame = footprint(con, by="month")
    assert frame["total_kgco2e"].iloc[0] > 0


def test_scopes_from_the_users_point_of_view(tmp_path, run):
    inventory = tmp_path / "servers.csv"
    inventory.write_text("server,month,hours,location,vcpus,cpu_model,memory_gib,pue\n"
                         "web-01,2026-09,720,DE,64,Intel Xeon Gold 6248R,384,1.6\n")
    run("ingest", "onprem", str(inventory))
    run("ingest", "aws", str(write_cur(tmp_path / "cur.parquet", LINES[:1])))
    output = json.loads(run("footprint", "--by", "provider", "--format", "json").stdout)
    rows = {r["provider"]: r for r in output["rows"]}
    onprem, cloud = rows["On-premises"], rows["AWS"]
    assert onprem["scope2_kgco2e"] == pytest.approx(onprem["operational_kgco2e"])
    assert onprem["scope3_kgco2e"] == pytest.approx(onprem["embodied_kgco2e"])
    assert cloud["scope2_kgco2e"] == 0
    assert cloud["scope3_kgco2e"] == pytest.approx(cloud["total_kgco2e"])


def test_every_row_says_its_method_and_versions(store, run):
    """So that a file never mixes our location-based estimate silently with another method's figures."""
    from cloudcarbon.coefficients.loader import COEFFICIENTS_VERSION

    for fmt in ("csv", "json"):
        text = run("footprint", "--by", "region", "--format", fmt).stdout
        if fmt == "csv":
            header, *lines = text.strip().splitlines()
            assert header.split(",")[-2:] == ["x_CarbonMethod", "x_CarbonModelVersion"]
            assert lines and all(COEFFICIENTS_VERSION in line and "location-based" in line for line in lines)
        else:
            rows = json.loads(text)["rows"]
            assert {r["x_CarbonModelVersion"] for r in rows} == {rows[0]["x_CarbonModelVersion"]}
            assert COEFFICIENTS_VERSION in rows[0]["x_CarbonModelVersion"]
    assert "x_CarbonMethod" not in run("footprint", "--by", "region").stdout  # the terminal keeps its width


def test_a_day_summing_past_an_exact_sum_is_refused_in_one_line(tmp_path, run, db):
    """A bucket's day over lines at the data rules' limit (200 lines of 1e15 GB-months, 1.5e20 GiB-hours) passes what
    an exact decimal sum holds: the ingest stops with one line saying so, and nothing is stored."""
    lines = [item(resource_id="bucket", usage_type="TimedStorage-ByteHrs", product_code="AmazonS3", unit="GB-Mo",
                  instance_type="", amount=1e15, cost=1.0, line_item_id=f"line-{number}") for number in range(200)]
    result = run("ingest", "aws", str(write_cur(tmp_path / "huge.parquet", lines)), expect=1)
    assert result.stderr.strip() == f"Error: {stored_footprint.SUM_OVERFLOW}"
    assert not db.exists()
