"""Identical copies of a billing line count once (METHODOLOGY.md, "Data rules"): two overlapping files of one
period, an export copied twice, or a file that repeats lines. Every connector's ingest drops the copies and
says how many and where the first is; lines sharing an AWS line-item identity but differing, or matching but
carrying different identities, are kept; `doctor` reports copies in a store, also in one written before
cloudcarbon stored line fingerprints."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import duckdb
import pytest
from azurefiles import vm, write_export
from click.testing import CliRunner, Result
from conftest import fingerprint, one_line_error
from curfiles import item, write_cur
from gcpfiles import row as gcp_row
from gcpfiles import usage as gcp_usage
from gcpfiles import write_csv as gcp_csv
from gcpfiles import write_jsonl as gcp_jsonl
from gcpfiles import write_parquet as gcp_parquet
from test_focus import row as focus_row
from test_focus import write_focus
from test_onprem import SERVERS, write_inventory

from cloudcarbon import ingest as ingest_module
from cloudcarbon.cli import cli


@dataclass(frozen=True)
class Kind:
    """One connector and container: its `ingest` subcommand, file suffix, n-th distinct line, writer."""

    name: str
    connector: str
    suffix: str
    line: Callable[[int], dict]
    write: Callable[[Path, list[dict]], Path]


def aws_line(n: int, identity: bool = True) -> dict:
    hour = f"2025-01-{1 + n // 24:02d}T{n % 24:02d}"
    return item(resource_id=f"i-{n:04d}", amount=1.0 + n, cost=0.1 * (n + 1), start=f"{hour}:00:00Z",
                end=f"{hour}:59:59Z", line_item_id=f"li{n:04d}" if identity else None)


def gcp_line(n: int) -> dict:
    return gcp_row(resource={"name": f"vm-{n}", "global_name": f"//compute.googleapis.com/instances/{n}"},
                   usage=gcp_usage(3600.0 * (n + 1), "seconds", "hour"), cost=0.03 * (n + 1))


def azure_line(n: int) -> dict:
    return vm("Standard_D4s_v3", n + 1, ResourceId=f"/subscriptions/s/resourceGroups/rg/providers/"
              f"Microsoft.Compute/virtualMachines/vm-{n}")


def focus_line(n: int) -> dict:
    return focus_row(ResourceId=f"i-{n}", ConsumedQuantity=1.0 + n, BilledCost=0.1 * (n + 1),
                     EffectiveCost=0.1 * (n + 1))


KINDS = [
    Kind("aws-cur2-parquet", "aws", ".parquet", aws_line, lambda p, rows: write_cur(p, rows, "cur2")),
    Kind("aws-cur2-csv", "aws", ".csv", aws_line, lambda p, rows: write_cur(p, rows, "cur2")),
    Kind("aws-legacy-csv", "aws", ".csv", aws_line, lambda p, rows: write_cur(p, rows, "legacy")),
    Kind("aws-legacy-csv-gz", "aws", ".csv.gz", aws_line, lambda p, rows: write_cur(p, rows, "legacy")),
    Kind("aws-athena-parquet", "aws", ".parquet", aws_line, lambda p, rows: write_cur(p, rows, "athena")),
    # Trimmed exports without identity columns: the whole source row is compared.
    Kind("aws-legacy-csv-no-identity", "aws", ".csv", lambda n: aws_line(n, identity=False),
         lambda p, rows: write_cur(p, rows, "legacy")),
    Kind("aws-cur2-parquet-no-identity", "aws", ".parquet", lambda n: aws_line(n, identity=False),
         lambda p, rows: write_cur(p, rows, "cur2")),
    Kind("gcp-csv", "gcp", ".csv", gcp_line, gcp_csv),
    Kind("gcp-jsonl", "gcp", ".jsonl", gcp_line, gcp_jsonl),
    Kind("gcp-parquet", "gcp", ".parquet", gcp_line, gcp_parquet),
    Kind("azure-csv", "azure", ".csv", azure_line, write_export),
    Kind("azure-parquet", "azure", ".parquet", azure_line, write_export),
    Kind("focus-csv", "focus", ".csv", focus_line, write_focus),
    Kind("focus-parquet", "focus", ".parquet", focus_line, write_focus),
]


def invoke(db: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", str(db), *args])


def ingest(db: Path, kind: Kind, *paths: Path) -> Result:
    result = invoke(db, "ingest", kind.connector, *map(str, paths))
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def totals(db: Path) -> tuple:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT count(*), round(sum(consumed_quantity), 9), round(sum(effective_cost), 9), "
                           "round(sum(x_vcpu_hours), 9) FROM usage").fetchall()[0]


def lines_of(kind: Kind, numbers: range | list[int]) -> list[dict]:
    return [kind.line(n) for n in numbers]


@pytest.mark.parametrize("kind", KINDS, ids=[k.name for k in KINDS])
def test_overlapping_files_count_each_line_once(tmp_path, kind):
    """a holds lines 0-14, b lines 5-19: the ten shared lines are identical copies, dropped from b."""
    a = kind.write(tmp_path / f"a{kind.suffix}", lines_of(kind, range(15)))
    b = kind.write(tmp_path / f"b{kind.suffix}", lines_of(kind, range(5, 20)))
    result = ingest(tmp_path / "both.duckdb", kind, a, b)
    assert "30 rows read, 20 kept" in result.stderr, result.stderr
    assert f"10 duplicate line(s) dropped (identical copies, first: {b} data row 1 = {a} data row 6)" in result.stderr
    reference = kind.write(tmp_path / f"all{kind.suffix}", lines_of(kind, range(20)))
    ingest(tmp_path / "once.duckdb", kind, reference)
    assert totals(tmp_path / "both.duckdb") == totals(tmp_path / "once.duckdb")
    # The store it leaves is healthy: no copies held.
    assert invoke(tmp_path / "both.duckdb", "doctor").exit_code == 0


@pytest.mark.parametrize("kind", KINDS, ids=[k.name for k in KINDS])
def test_a_file_repeating_lines_counts_them_once(tmp_path, kind):
    a = kind.write(tmp_path / f"a{kind.suffix}", lines_of(kind, [*range(10), 0, 1, 2]))
    result = ingest(tmp_path / "store.duckdb", kind, a)
    assert "13 rows read, 10 kept" in result.stderr, result.stderr
    assert f"3 duplicate line(s) dropped (identical copies, first: {a} data row 11 = {a} data row 1)" in result.stderr
    assert totals(tmp_path / "store.duckdb")[0] == 10


@pytest.mark.parametrize("kind", [KINDS[0], KINDS[2]], ids=[KINDS[0].name, KINDS[2].name])
@pytest.mark.parametrize(("first", "second"), [
    # AWS: identity_line_item_id is unique only within one file, so the same id in another file with other
    # content is another line item.
    ({"line_item_id": "li1", "amount": 1.0}, {"line_item_id": "li1", "amount": 2.0}),
    # Lines alike in every column read but with their own ids are two line items (e.g. split usage).
    ({"line_item_id": "li1"}, {"line_item_id": "li2"}),
    # One id recurs in every time interval of a daily or hourly report.
    ({"line_item_id": "li1", "time_interval": "2025-01-01T00:00:00Z/2025-01-02T00:00:00Z"},
     {"line_item_id": "li1", "time_interval": "2025-01-02T00:00:00Z/2025-01-03T00:00:00Z"}),
], ids=["same-id-other-content", "same-content-other-id", "same-id-other-interval"])
def test_lines_that_are_not_identical_copies_are_kept(tmp_path, kind, first, second):
    a = kind.write(tmp_path / f"a{kind.suffix}", [item(**first)])
    b = kind.write(tmp_path / f"b{kind.suffix}", [item(**second)])
    result = ingest(tmp_path / "store.duckdb", kind, a, b)
    assert "2 rows read, 2 kept" in result.stderr and "duplicate" not in result.stderr, result.stderr


@pytest.mark.parametrize("slice_rows", [ingest_module.COPY_SLICE_ROWS, 3])
def test_copies_among_many_lines_are_each_found_once(tmp_path, monkeypatch, slice_rows):
    """Two files overlapping in ten of their fifteen lines: each of the ten copies dropped once, the first named;
    the same when the check's aggregate runs in slices of 3 lines (10 slices; a long month runs in several)."""
    monkeypatch.setattr(ingest_module, "COPY_SLICE_ROWS", slice_rows)
    kind = KINDS[0]
    a = kind.write(tmp_path / f"a{kind.suffix}", lines_of(kind, range(15)))
    b = kind.write(tmp_path / f"b{kind.suffix}", lines_of(kind, range(5, 20)))
    result = ingest(tmp_path / "store.duckdb", kind, a, b)
    assert f"10 duplicate line(s) dropped (identical copies, first: {b} data row 1 = {a} data row 6)" in result.stderr


def test_copies_across_layouts_are_named_when_a_layout_holds_files_with_other_columns(tmp_path):
    """Legacy files read together by name (a.csv and c.csv, each with its own tag columns) and a CUR 2.0 copy of
    a.csv's first lines: the files holding the first copy are read again with the SELECT of all their layout's
    files (it once read a.csv alone with c.csv's columns named, and the ingest failed with an internal error)."""
    a = write_cur(tmp_path / "a.csv", [{**aws_line(n), "tags": {"team": "t"}} for n in range(10)], "legacy")
    c = write_cur(tmp_path / "c.csv", [{**aws_line(n), "tags": {"env": "e"}} for n in range(10, 20)], "legacy")
    b = write_cur(tmp_path / "b.csv", [{**aws_line(n), "tags": {"team": "t"}} for n in range(5)], "cur2")
    result = ingest(tmp_path / "store.duckdb", KINDS[1], a, c, b)
    assert "25 rows read, 20 kept" in result.stderr, result.stderr
    assert f"5 duplicate line(s) dropped (identical copies, first: {b} data row 1 = {a} data row 1)" in result.stderr


def test_an_export_copied_into_the_folder_twice(tmp_path):
    """The adversarial case: the same CUR file twice in one folder nearly doubled an account's energy."""
    folder = tmp_path / "exports"
    folder.mkdir()
    lines = [aws_line(n) for n in range(50)]
    original = write_cur(folder / "report-00001.parquet", lines)
    (folder / "report-00001 (copy).parquet").write_bytes(original.read_bytes())
    result = ingest(tmp_path / "store.duckdb", KINDS[0], folder)
    assert "100 rows read, 50 kept" in result.stderr and "50 duplicate line(s) dropped" in result.stderr
    ingest(tmp_path / "once.duckdb", KINDS[0], original)
    assert totals(tmp_path / "store.duckdb") == totals(tmp_path / "once.duckdb")


def test_an_onprem_server_twice_in_a_month_is_still_refused_across_files(tmp_path, db, run):
    """Inventories keep their stricter rule: a server listed twice for a month is refused, even in two files."""
    first = write_inventory(tmp_path / "a.csv", SERVERS[:2])
    second = write_inventory(tmp_path / "b.csv", SERVERS[1:3])
    one_line_error(run("ingest", "onprem", str(first), str(second), expect=1), "gpu-01", "more than once")
    assert fingerprint(db) == "absent"


# ---------------------------------------------------------------------------------------------
# doctor
# ---------------------------------------------------------------------------------------------


def copy_rows(db: Path, where: str, count: int) -> None:
    """What an older cloudcarbon left behind: `count` rows held twice, the ingest log agreeing with them
    (so the copies are the only problem)."""
    with duckdb.connect(str(db)) as con:
        keyed = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'usage_line'").fetchall()[0][0]
        con.execute(f"INSERT INTO usage_line SELECT l.* FROM usage_line l JOIN usage_resource USING (resource_key) "
                    f"WHERE {where}" if keyed else f"INSERT INTO usage SELECT * FROM usage WHERE {where}")
        con.execute(f"UPDATE ingest_periods SET rows_kept = rows_kept + {count}")
        con.execute(f"UPDATE ingests SET rows_kept = rows_kept + {count}")


def doctor_lines(db: Path) -> list[str]:
    result = invoke(db, "doctor")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return result.stdout.strip().splitlines()


def test_doctor_reports_identical_copies_in_a_store(tmp_path, db, run):
    run("ingest", "aws", str(write_cur(tmp_path / "a.parquet", [aws_line(n) for n in range(5)])))
    run("doctor")
    copy_rows(db, "resource_id IN ('i-0000', 'i-0001')", 2)
    before = fingerprint(db)
    lines = doctor_lines(db)
    assert fingerprint(db) == before  # read-only
    assert len(lines) == 1, lines
    assert lines[0].startswith("duplicate lines AWS 012345678901 2025-01: 2 row(s) are identical copies"), lines
    assert "re-ingest" in lines[0]


def test_doctor_keeps_distinct_lines_apart_even_when_their_stored_rows_match(tmp_path, db, run):
    """Two AWS line items alike in every stored column (their ids differ) are not copies: the stored
    fingerprint tells them apart."""
    run("ingest", "aws", str(write_cur(tmp_path / "a.parquet", [item(line_item_id="li1"), item(line_item_id="li2")])))
    result = run("doctor")
    assert "healthy" in result.stderr


def pre_fingerprint_store(path: Path, rows_from: Path) -> None:
    """A store at schema version 3 (before line fingerprints), holding the rows of the store `rows_from`."""
    migrations = files("cloudcarbon.queries").joinpath("migrations")
    with duckdb.connect(str(path)) as con:
        for version, name in [(1, "initial"), (2, "storage_class"), (3, "onprem")]:
            con.execute(migrations.joinpath(f"{version:04d}_{name}.sql").read_text())
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name])
        con.execute("ATTACH ? AS source (READ_ONLY)", [str(rows_from)])
        # The old table has fewer columns than today's: copy by name the ones it has.
        columns = ", ".join(f'"{name}"' for (name,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
            "AND table_name = 'usage' ORDER BY column_index"
        ).fetchall())
        con.execute(f"INSERT INTO usage ({columns}) SELECT {columns} FROM source.usage")
        con.execute("INSERT INTO ingests SELECT * FROM source.ingests")
        con.execute("INSERT INTO ingest_periods SELECT * FROM source.ingest_periods")


def test_doctor_compares_whole_rows_in_a_store_written_before_fingerprints(tmp_path):
    fresh = tmp_path / "fresh.duckdb"
    ingest(fresh, KINDS[0], write_cur(tmp_path / "a.parquet", [aws_line(n) for n in range(5)]))
    old = tmp_path / "old.duckdb"
    pre_fingerprint_store(old, fresh)
    copy_rows(old, "resource_id = 'i-0003'", 1)
    lines = doctor_lines(old)  # doctor reads the old schema as it is
    assert any(line.startswith("schema") for line in lines), lines
    copies = [line for line in lines if line.startswith("duplicate lines")]
    assert copies == [copies[0]] and "1 row(s) are identical copies" in copies[0], lines
    assert invoke(old, "footprint").exit_code == 0  # any command upgrades the store; its rows keep no fingerprint
    lines = doctor_lines(old)
    assert len(lines) == 1 and lines[0].startswith("duplicate lines AWS 012345678901 2025-01: 1 row(s)"), lines


def test_a_store_written_before_fingerprints_without_copies_is_healthy(tmp_path):
    fresh = tmp_path / "fresh.duckdb"
    ingest(fresh, KINDS[0], write_cur(tmp_path / "a.parquet", [aws_line(n) for n in range(5)]))
    old = tmp_path / "old.duckdb"
    pre_fingerprint_store(old, fresh)
    assert invoke(old, "footprint").exit_code == 0
    result = invoke(old, "doctor")
    assert result.exit_code == 0, result.output
