"""The keyed usage tables behind the `usage` view (queries/migrations/0011_keyed_usage.sql, cloudcarbon/usage_store.py):
a store from before them upgrades with every row as it was, text is stored once per group, resource and tag set,
rows differing only in a NULL are kept apart, and a key naming two different rows stops the write."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from cloudcarbon import store
from cloudcarbon.cli import cli
from cloudcarbon.errors import CloudcarbonError
from cloudcarbon.usage_store import delete_groups, key_sql, write_usage

KEYED = 11  # the migration that keys usage
REPO = Path(__file__).resolve().parent.parent


def migrate_below(con: duckdb.DuckDBPyConnection, version: int) -> None:
    """Apply the migrations numbered below `version`, as a release before it did."""
    for number, name, sql in store.migrations():
        if number >= version:
            break
        for statement in con.extract_statements(sql):
            con.execute(statement)
        con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [number, name])


def old_store(path: Path, rows_from: Path) -> None:
    """A store at the schema before KEYED, holding the usage rows of the store `rows_from` in its usage table."""
    with duckdb.connect(str(path)) as con:
        migrate_below(con, KEYED)
        con.execute("ATTACH ? AS source (READ_ONLY)", [str(rows_from)])
        con.execute("INSERT INTO usage SELECT * FROM source.usage")
        for table in ("ingests", "ingest_periods"):
            con.execute(f"INSERT INTO {table} SELECT * FROM source.{table}")


def to_12_digits(rows: list[tuple]) -> list[tuple]:
    """Rows with each number to 12 significant digits: a derived quantity, stored per unit of its line's consumed
    quantity (migration 0012), comes back within a bit or two of the double the connector computed."""
    return [tuple(float(f"{v:.12g}") if isinstance(v, float | Decimal) else v for v in row) for row in rows]


def usage_rows(path: Path) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT * FROM usage ORDER BY ALL").fetchall()


def test_an_unkeyed_store_upgrades_with_every_row_as_it_was(tmp_path, demo_store):
    old = tmp_path / "old.duckdb"
    old_store(old, demo_store)
    before = usage_rows(old)
    assert len(before) > 5000
    with duckdb.connect(str(old)) as con:
        assert con.execute("SELECT table_type FROM information_schema.tables WHERE table_name = 'usage'"
                           ).fetchall() == [("BASE TABLE",)]
    result = CliRunner().invoke(cli, ["--db", str(old), "footprint", "--format", "json"])  # any command upgrades
    assert result.exit_code == 0, result.output
    assert to_12_digits(usage_rows(old)) == to_12_digits(before)
    with duckdb.connect(str(old), read_only=True) as con:
        counts = con.execute("SELECT (SELECT count(*) FROM usage_line), (SELECT count(*) FROM usage_group), "
                             "(SELECT count(*) FROM usage_resource), (SELECT count(*) FROM usage_tags)").fetchall()[0]
    lines, groups, resources, tag_sets = counts
    assert lines == len(before) and groups < lines and resources < lines and tag_sets < lines


def test_the_upgrade_stops_unchanged_when_two_rows_share_a_key(tmp_path, demo_store, monkeypatch):
    """A collision cannot be produced by chance in a test: the migration's check is given one by hashing a
    constant in place of the tags."""
    old = tmp_path / "old.duckdb"
    old_store(old, demo_store)
    with duckdb.connect(str(old), read_only=True) as con:
        assert con.execute("SELECT count(DISTINCT tags) FROM usage").fetchall()[0][0] > 1
    migrations = [(v, n, sql.replace("hash(tags, tags IS NULL)", "hash(0)") if v == KEYED else sql)
                  for v, n, sql in store.migrations()]
    monkeypatch.setattr(store, "migrations", lambda: migrations)
    assert_upgrade_refused(old, "hash to one 64-bit key", KEYED)


def assert_upgrade_refused(old: Path, match: str, version: int) -> None:
    """Upgrading `old` stops with an error matching `match`, its usage and schema as before migration `version`."""
    before = usage_rows(old)
    with duckdb.connect(str(old)) as con, pytest.raises(duckdb.Error, match=match):
        store.migrate(con)
    assert usage_rows(old) == before
    with duckdb.connect(str(old), read_only=True) as con:
        assert store.schema_version(con) == version - 1


ROW = """
    SELECT TIMESTAMP '2025-01-01 00:00' AS charge_period_start, DATE '2025-01-01' AS billing_period_start,
           'AWS' AS provider_name, '1' AS billing_account_id, 'compute' AS x_usage_kind, 'i1' AS x_ingest_id,
           r AS resource_id, t AS tags, 2.0 AS consumed_quantity, 2.0 AS x_instance_hours
    FROM (VALUES ('i-a', MAP {'team': 'a'}), ('i-a', MAP {}), ('i-b', NULL), ('i-b', MAP {'team': 'a'})) v(r, t)
"""


def test_text_is_stored_once_and_a_null_map_is_not_an_empty_one(tmp_path):
    with duckdb.connect(str(tmp_path / "s.duckdb")) as con:
        store.migrate(con)
        assert write_usage(con, ROW) == 4
        assert con.execute("SELECT count(*) FROM usage_group").fetchall() == [(1,)]
        assert con.execute("SELECT count(*) FROM usage_resource").fetchall() == [(2,)]
        # DuckDB hashes a NULL map as an empty one: the key tells them apart.
        assert con.execute("SELECT hash(NULL::MAP(VARCHAR, VARCHAR)) = hash(MAP {}::MAP(VARCHAR, VARCHAR))"
                           ).fetchall() == [(True,)]
        assert con.execute("SELECT count(*) FROM usage_tags").fetchall() == [(3,)]
        assert con.execute("SELECT resource_id, tags FROM usage ORDER BY ALL").fetchall() == [
            ("i-a", {}), ("i-a", {"team": "a"}), ("i-b", {"team": "a"}), ("i-b", None)]
        write_usage(con, ROW.replace("'i1' AS x_ingest_id", "'i2' AS x_ingest_id"))  # a second ingest shares them
        assert con.execute("SELECT (SELECT count(*) FROM usage_resource), (SELECT count(*) FROM usage_tags), "
                           "(SELECT count(*) FROM usage_group)").fetchall() == [(2, 3, 2)]
        delete_groups(con, "x_ingest_id = $id", {"id": "i1"})
        assert con.execute("SELECT DISTINCT x_ingest_id FROM usage").fetchall() == [("i2",)]
        assert con.execute("SELECT count(*) FROM usage_line").fetchall() == [(4,)]


def test_a_source_missing_what_decides_the_tags_stops_the_ingest(tmp_path, monkeypatch):
    """A connector whose key_source leaves out a column that decides a row's tags (here the host provider's) would
    key lines to tag sets never stored: the ingest stops instead of leaving them out of every figure."""
    from test_focus_versions import SCENARIOS, usage, write

    from cloudcarbon.connectors.focus.ingest import FocusFiles

    monkeypatch.setattr(FocusFiles, "key_source", tuple(c for c in FocusFiles.key_source if c != "host_provider_name"))
    rows = [usage(ResourceId=name, **fields) for name, fields, _, _ in SCENARIOS]
    export = write(tmp_path / "hosts.csv", "1.3", rows)
    db = tmp_path / "s.duckdb"
    result = CliRunner().invoke(cli, ["--db", str(db), "ingest", "focus", str(export)])
    assert result.exit_code == 1 and "usage line(s) name a group, resource or tag set" in result.output, result.output
    assert not db.exists()


def test_a_key_naming_two_rows_stops_the_write(tmp_path):
    with duckdb.connect(str(tmp_path / "s.duckdb")) as con:
        store.migrate(con)
        # A resource stored under the key that 'i-a' hashes to, with other text: a collision.
        con.execute(f"INSERT INTO usage_resource SELECT {key_sql('usage_resource')}, 'i-other', NULL "
                    "FROM (SELECT 'i-a' AS resource_id, NULL AS x_resource_name)")
        con.execute("BEGIN")
        with pytest.raises(CloudcarbonError, match="usage_resource hash to one 64-bit key"):
            write_usage(con, ROW)
        con.execute("ROLLBACK")
        assert con.execute("SELECT count(*) FROM usage_line").fetchall() == [(0,)]


# ---------------------------------------------------------------------------------------------
# A connector keying its groups by their source columns stores what the text of every line gives
# ---------------------------------------------------------------------------------------------


def aws_exports(tmp_path: Path) -> list[Path]:
    """The AWS exports of the tests: the connector's example, the bundled demo month, a node-hour split over its
    pods (CUR 2.0 and legacy spellings) and lines of every CUR layout."""
    from curfiles import item, write_cur
    from test_split_allocation import node_hour, write_cur2, write_legacy

    lines = [item(amount=n + 1.0, resource_id=f"i-{n}", usage_type=kind, tags={"team": f"t{n % 2}"})
             for n, kind in enumerate(["BoxUsage:m5.large", "EBS:VolumeUsage.gp3", "SpotUsage:c5.xlarge"])]
    return [REPO / "connectors" / "aws" / "example.csv", REPO / "cloudcarbon" / "demo" / "demo-cur2.parquet",
            write_cur2(tmp_path / "split.csv", node_hour()), write_legacy(tmp_path / "split-legacy.csv", node_hour()),
            *(write_cur(tmp_path / f"{style}{suffix}", lines, style=style)
              for style, suffix in (("cur2", ".parquet"), ("cur2", ".csv"), ("legacy", ".csv"),
                                    ("athena", ".parquet"))),
            write_cur(tmp_path / "two-vcpus.parquet", two_products())]


def two_products() -> list[dict]:
    """Two lines of one usage group whose product maps differ: the product attributes are read on every line."""
    from curfiles import item

    return [item(resource_id="i-a", vcpu="2"), item(resource_id="i-b", vcpu="4")]


def stored(db: Path) -> tuple[list[tuple], list[tuple]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return (con.execute("SELECT * EXCLUDE (x_ingest_id) FROM usage ORDER BY ALL").fetchall(),
                con.execute("SELECT * EXCLUDE (tool_version) FROM footprint ORDER BY ALL").fetchall())


def focus_exports(tmp_path: Path) -> list[Path]:
    """The FOCUS exports of the tests: the connector's example, rows of every provider (Parquet and CSV), hosts
    other than the service provider and a node-hour split over its pods (FOCUS 1.3)."""
    from test_focus import provider_rows, write_focus
    from test_focus_versions import ALLOCATION, SCENARIOS, split_node_hour, usage, write

    hosts = [usage(ResourceId=name, **fields) for name, fields, _, _ in SCENARIOS]
    return [REPO / "connectors" / "focus" / "example.csv",
            *(write_focus(tmp_path / f"focus{suffix}", provider_rows()) for suffix in (".parquet", ".csv")),
            write(tmp_path / "hosts.csv", "1.3", hosts), write(tmp_path / "split.csv", "1.3", split_node_hour(),
                                                                  tuple(ALLOCATION))]


@pytest.mark.parametrize("connector", ["aws", "focus"])
def test_lines_keyed_by_their_source_store_what_the_text_of_every_line_gives(tmp_path, monkeypatch, connector):
    from cloudcarbon.connectors.aws.ingest import CurFiles
    from cloudcarbon.connectors.focus.ingest import FocusFiles

    kind, exports = {"aws": (CurFiles, aws_exports), "focus": (FocusFiles, focus_exports)}[connector]
    assert kind.group_source and kind.key_source
    for number, export in enumerate(exports(tmp_path)):
        keyed, by_text = tmp_path / f"keyed-{number}.duckdb", tmp_path / f"text-{number}.duckdb"
        for db in (keyed, by_text):
            with monkeypatch.context() as patch:
                if db == by_text:  # every group, resource and tag set hashed from its text, line by line
                    patch.setattr(kind, "group_source", ())
                    patch.setattr(kind, "group_attributes", ())
                    patch.setattr(kind, "key_source", ())
                result = CliRunner().invoke(cli, ["--db", str(db), "ingest", connector, str(export)])
            assert result.exit_code == 0, (export, result.output)
        usage, footprint = stored(keyed)
        assert usage and footprint, export
        assert ([to_12_digits(rows) for rows in (usage, footprint)]
                == [to_12_digits(rows) for rows in stored(by_text)]), export


def test_one_ingest_of_files_in_every_layout_keyed_stores_what_the_text_gives(tmp_path, monkeypatch):
    """Files of several layouts in one ingest are read as several batches, each with its own distinct group and key
    sets, tag sets and kinds of line: keyed, they store what hashing every line's text stores."""
    from cloudcarbon.connectors.aws.ingest import CurFiles

    files = [str(export) for export in aws_exports(tmp_path)]
    keyed, by_text = tmp_path / "keyed.duckdb", tmp_path / "text.duckdb"
    for db in (keyed, by_text):
        with monkeypatch.context() as patch:
            if db == by_text:
                for name in ("group_source", "group_attributes", "key_source"):
                    patch.setattr(CurFiles, name, ())
            result = CliRunner().invoke(cli, ["--db", str(db), "ingest", "aws", *files])
        assert result.exit_code == 0, result.output
        assert "ingested 9 file(s) (cur-athena-parquet+cur-legacy-csv+cur2-csv+cur2-parquet)" in result.output
    usage, footprint = stored(keyed)
    assert len(usage) > 5000 and footprint
    assert [to_12_digits(rows) for rows in (usage, footprint)] == [to_12_digits(rows) for rows in stored(by_text)]


@pytest.mark.parametrize("lines", ["one product per group", "two products in a group"])
def test_product_attributes_read_once_per_group_give_each_line_its_own(tmp_path, lines):
    """The product map's vCPUs are read once per usage group when each group has one product, and on every line
    when a group holds two: either way a line's vCPU-hours are its own product's."""
    from curfiles import item, write_cur

    rows = two_products() if lines == "two products in a group" else [
        item(resource_id="i-a", vcpu="2"), item(resource_id="i-b", vcpu="2", usage_type="BoxUsage:m5.xlarge",
                                                  instance_type="m5.xlarge")]
    db = tmp_path / "store.duckdb"
    result = CliRunner().invoke(cli, ["--db", str(db), "ingest", "aws", str(write_cur(tmp_path / "cur.parquet", rows))])
    assert result.exit_code == 0, result.output
    with duckdb.connect(str(db), read_only=True) as con:
        got = con.execute("SELECT resource_id, x_vcpu_hours FROM usage ORDER BY 1").fetchall()
    assert got == [(row["resource_id"], float(row["vcpu"]) * row["amount"]) for row in rows]


def test_an_ingest_classifies_its_own_lines_after_another_on_the_same_connection(tmp_path):
    """The distinct group sets an ingest reads before its lines are its own: a second ingest on one connection (here
    one that aggregates by day and reads no such sets) classifies its lines, not the first ingest's sets."""
    from curfiles import item, write_cur

    from cloudcarbon.connectors.aws.ingest import ingest_aws

    first = write_cur(tmp_path / "a.parquet", [item(resource_id="i-a")])
    second = write_cur(tmp_path / "b.parquet", [item(usage_type="BoxUsage:c5.xlarge", instance_type="c5.xlarge",
                                                     payer="111111111111")])
    with duckdb.connect(str(tmp_path / "store.duckdb")) as con:
        store.migrate(con)
        ingest_aws(con, [str(first)])
        ingest_aws(con, [str(second)], aggregate=True)
        kinds = con.execute("SELECT billing_account_id, x_instance_type FROM usage ORDER BY 1").fetchall()
    assert kinds == [("012345678901", "m5.large"), ("111111111111", "c5.xlarge")]


@pytest.mark.parametrize("container", [".parquet", ".csv"])
def test_the_product_region_is_read_where_the_region_code_is_empty(tmp_path, container):
    """A CUR 2.0 line's region is its product_region_code; the product map's region stands in only where that code
    is empty, and is read only there."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq
    from curfiles import item, write_cur

    rows = [item(resource_id="i-a", region="eu-west-1", az=""), item(resource_id="i-b", region="eu-west-1", az="")]
    path = write_cur(tmp_path / f"cur{container}", rows)
    table = pq.read_table(path) if container == ".parquet" else pacsv.read_csv(path)
    # i-a: no region code (the map's eu-west-1 stands in); i-b: the code says us-west-2, and the code wins.
    codes = pa.array(["", "us-west-2"])
    table = table.set_column(table.schema.get_field_index("product_region_code"), "product_region_code", codes)
    if container == ".parquet":
        pq.write_table(table, path)
    else:
        pacsv.write_csv(table, path)
    db = tmp_path / "store.duckdb"
    result = CliRunner().invoke(cli, ["--db", str(db), "ingest", "aws", str(path)])
    assert result.exit_code == 0, result.output
    with duckdb.connect(str(db), read_only=True) as con:
        got = con.execute("SELECT resource_id, region_id FROM usage ORDER BY 1").fetchall()
    assert got == [("i-a", "eu-west-1"), ("i-b", "us-west-2")]


# ---------------------------------------------------------------------------------------------
# Derived quantities held per unit of consumed quantity by the group (migration 0012)
# ---------------------------------------------------------------------------------------------

PER_UNIT = 12  # the migration that moves the derived quantities to the groups

LINES = """
    SELECT TIMESTAMP '2025-01-01 00:00' AS charge_period_start, DATE '2025-01-01' AS billing_period_start,
           'GCP' AS provider_name, '1' AS billing_account_id, 'compute' AS x_usage_kind, 'i1' AS x_ingest_id,
           r AS resource_id, CAST(q AS DOUBLE) AS consumed_quantity, CAST(h AS DOUBLE) AS x_instance_hours,
           CAST(v AS DOUBLE) AS x_vcpu_hours
    FROM (VALUES ('a', 3.0, 3.0, 6.0), ('b', 5.0, 5.0, 10.0), ('c', 7.0, 7.0, 28.0), ('d', 0.0, 0.0, 0.0),
                 ('e', NULL, NULL, NULL), ('f', 0.1, 0.1 / 3600, 0.2)) v(r, q, h, v)
"""


def test_derived_quantities_are_held_per_unit_by_the_group(tmp_path):
    """A line keeps its consumed quantity alone; its group holds each derived quantity per unit of it, and lines whose
    ratio differs (c's four vCPUs an hour against two; f's hours of seconds) are groups of their own: the view gives
    every line its own quantities."""
    with duckdb.connect(str(tmp_path / "s.duckdb")) as con:
        store.migrate(con)
        write_usage(con, LINES)
        columns = {row[0] for row in con.execute("DESCRIBE usage_line").fetchall()}
        assert not columns & {"x_instance_hours", "x_vcpu_hours"} and "consumed_quantity" in columns
        assert con.execute("SELECT x_vcpu_hours_per_unit, count(*) FROM usage_group GROUP BY ALL ORDER BY ALL"
                           ).fetchall() == [(0.0, 1), (2.0, 2), (4.0, 1), (None, 1)]
        assert con.execute("SELECT resource_id, consumed_quantity, x_instance_hours, x_vcpu_hours FROM usage "
                           "ORDER BY 1").fetchall() == con.execute(f"SELECT resource_id, consumed_quantity, "
                                                                   f"x_instance_hours, x_vcpu_hours FROM ({LINES}) "
                                                                   "ORDER BY 1").fetchall()


@pytest.mark.parametrize("quantity", ["NULL", "0.0"])
def test_a_derived_quantity_without_a_consumed_quantity_stops_the_write(tmp_path, quantity):
    """A quantity derived from no consumed quantity cannot be held per unit: a connector's mistake stops the write
    rather than store the line without it."""
    with duckdb.connect(str(tmp_path / "s.duckdb")) as con:
        store.migrate(con)
        con.execute("BEGIN")
        with pytest.raises(duckdb.Error, match="gives x_vcpu_hours without a consumed quantity"):
            write_usage(con, LINES.replace("('d', 0.0, 0.0, 0.0)", f"('d', {quantity}, NULL, 2.0)"))
        con.execute("ROLLBACK")
        assert con.execute("SELECT count(*) FROM usage_line").fetchall() == [(0,)]


def per_line_store(path: Path, lines: str) -> None:
    """A store at the schema before PER_UNIT, its usage_line holding the derived quantities of `lines`."""
    with duckdb.connect(str(path)) as con:
        migrate_below(con, PER_UNIT)
        # As write_usage stored lines then: keys hashed from the text, the derived quantities on each line.
        con.execute(f"CREATE TEMP TABLE rows AS {lines}")
        con.execute("INSERT INTO usage_group BY NAME SELECT DISTINCT hash(provider_name, x_usage_kind) AS group_key, "
                    "billing_period_start, provider_name, billing_account_id, x_usage_kind, x_ingest_id FROM rows")
        con.execute("INSERT INTO usage_resource SELECT DISTINCT hash(resource_id), resource_id, NULL FROM rows")
        con.execute("INSERT INTO usage_tags VALUES (0, NULL)")
        con.execute("INSERT INTO usage_line BY NAME SELECT hash(provider_name, x_usage_kind) AS group_key, "
                    "hash(resource_id) AS resource_key, 0 AS tags_key, billing_period_start, charge_period_start, "
                    "consumed_quantity, x_instance_hours, x_vcpu_hours FROM rows")


def test_a_store_of_per_line_quantities_upgrades_splitting_the_groups_whose_lines_differ(tmp_path):
    old = tmp_path / "old.duckdb"
    per_line_store(old, LINES)
    before = usage_rows(old)
    with duckdb.connect(str(old)) as con:
        assert con.execute("SELECT count(*) FROM usage_group").fetchall() == [(1,)]
        store.migrate(con)
        assert con.execute("SELECT count(*) FROM usage_group").fetchall() == [(5,)]
        assert con.execute("SELECT count(*) FROM usage_line ANTI JOIN usage_group USING (group_key)"
                           ).fetchall() == [(0,)]
    assert usage_rows(old) == before


def test_the_upgrade_stops_unchanged_where_a_line_derives_a_quantity_from_none(tmp_path):
    old = tmp_path / "old.duckdb"
    per_line_store(old, LINES.replace("('e', NULL, NULL, NULL)", "('e', NULL, NULL, 2.0)"))
    assert_upgrade_refused(old, "without a consumed quantity", PER_UNIT)


def test_a_keyed_connector_names_its_consumed_quantity(monkeypatch):
    """A connector keyed by its group source normalises each group with its consumed quantity 1: one that does not
    name that column would store no derived quantity, so it is refused before anything is read."""
    from cloudcarbon.connectors.aws.ingest import CurFiles

    monkeypatch.setattr(CurFiles, "quantity", None)
    with pytest.raises(TypeError, match="CurFiles has a group_source but no quantity"):
        CurFiles().normalized_groups("SELECT 1")
