"""Spreadsheet formula injection (OWASP "CSV Injection"): a text cell that begins with = + - @, tab or carriage
return reaches every CSV cloudcarbon writes with a leading ' (a spreadsheet then reads it as text), while numbers
stay numbers and JSON, JSONL and Parquet keep the exact value. Hostile values come from a CUR export (tag, account
id and name, region, resource id) and an on-premises inventory (server, account, inventory name)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from curfiles import item, write_cur
from test_onprem import write_inventory

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
TAG = "=cmd|' /C calc'!A0"
ACCOUNT = "@SUM(1+1)*cmd|' /C calc'!A0"
ACCOUNT_NAME = '=HYPERLINK("http://evil.example","x")'
REGION = "+1+cmd|' /C calc'!A0"
RESOURCE = "-2+3+cmd|' /C calc'!A0"
TAB_TAG = "\t=1+1"
CR_RESOURCE = "\r=1+1"
INNER_CR = "x\r=2+2"  # a carriage return inside a cell must not start a row a spreadsheet reads as "=2+2"
SERVER, SERVER_2, OWNER, INVENTORY = "=cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3+cmd|' /C calc'!A0", "=dc|evil"


def read(path: Path) -> str:
    with path.open(encoding="utf-8", newline="") as handle:  # keep a carriage return inside a cell
        return handle.read()


def cells(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def assert_defused(text: str) -> list[dict[str, str]]:
    """No cell a spreadsheet would run: only numbers may begin with a trigger character."""
    rows = cells(text)
    assert rows
    for row in rows:
        for column, cell in row.items():
            assert not cell.startswith(TRIGGERS) or is_number(cell), (column, cell)
    return rows


@pytest.fixture
def cur_store(tmp_path: Path, run) -> None:
    lines = [item(tags={"team": TAG}, account=ACCOUNT, region=REGION, resource_id=RESOURCE, cost=-12.5),
             item(tags={"team": TAB_TAG}, resource_id=CR_RESOURCE, amount=3.0),
             item(resource_id=INNER_CR, amount=5.0)]
    path = write_cur(tmp_path / "cur.parquet", lines)
    table = pq.read_table(path).append_column("line_item_usage_account_name", pa.array([ACCOUNT_NAME, "ok", "ok"]))
    pq.write_table(table, path)
    run("ingest", "aws", str(path))


@pytest.mark.parametrize("command", [
    ["footprint", "--by", "account,region,tag:team,resource"],
    ["footprint", "--trace"],
    ["unknowns"],
    ["recommend-region", "--by", "account"],
    ["whatif"],
], ids=lambda command: "-".join(command[:2]))
def test_every_command_csv_is_defused(cur_store, run, command: list[str]) -> None:
    assert_defused(run(*command, "--format", "csv").stdout)


def test_hostile_cells_are_prefixed_numbers_are_not_and_other_formats_keep_the_value(cur_store, run,
                                                                                     tmp_path: Path) -> None:
    by = "account,region,tag:team,resource"
    target = tmp_path / "out.csv"
    run("footprint", "--by", by, "--format", "csv", "--output", str(target))
    rows = assert_defused(read(target))
    assert len(rows) == 3 and INNER_CR in {row["resource"] for row in rows}
    hostile = next(row for row in rows if row["account"] != "012345678901")
    assert (hostile["account"], hostile["region"], hostile["tag:team"], hostile["resource"]) == (
        "'" + ACCOUNT, "'" + REGION, "'" + TAG, "'" + RESOURCE)
    assert hostile["cost"] == "-12.5"  # a number, not text
    assert {row["tag:team"] for row in rows} == {"'" + TAG, "'" + TAB_TAG, ""}
    # Read back by pandas, numeric columns are still numeric.
    frame = pd.read_csv(target)
    assert frame["cost"].dtype.kind == "f" and frame["cost"].min() == -12.5

    exact = {ACCOUNT, REGION, TAG, RESOURCE, TAB_TAG, CR_RESOURCE, INNER_CR}
    as_json = json.loads(run("footprint", "--by", by, "--format", "json").stdout)["rows"]
    as_jsonl = [json.loads(line) for line in run("footprint", "--by", by, "--format", "jsonl").stdout.splitlines()]
    parquet = tmp_path / "out.parquet"
    run("footprint", "--by", by, "--format", "parquet", "--output", str(parquet))
    for found in (as_json, as_jsonl, pd.read_parquet(parquet).to_dict("records")):
        values = {row[key] for row in found for key in ("account", "region", "tag:team", "resource")}
        assert exact <= values


def test_a_trace_written_to_a_file_by_duckdb_is_defused(cur_store, run, tmp_path: Path) -> None:
    """--trace --output streams through DuckDB's own CSV writer: the same defused cells, CRLF records."""
    target = tmp_path / "trace.csv"
    run("footprint", "--trace", "--format", "csv", "--output", str(target))
    rows = assert_defused(read(target))
    assert len(rows) == 3
    hostile = next(row for row in rows if row["sub_account_id"] != "012345678901")
    assert (hostile["sub_account_id"], hostile["region_id"], hostile["resource_id"]) == (
        "'" + ACCOUNT, "'" + REGION, "'" + RESOURCE)
    assert hostile["effective_cost"] == "-12.5"
    assert target.read_bytes().count(b"\r\n") >= 4  # header and three records end in CRLF
    assert {row["resource_id"] for row in rows} == {"'" + RESOURCE, "'" + CR_RESOURCE, INNER_CR}


def test_report_csv_is_defused(cur_store, run, tmp_path: Path) -> None:
    run("report", "--month", "2025-01", "--output", str(tmp_path / "out"), "--by-tag", "team")
    rows = assert_defused(read(tmp_path / "out" / "report-2025-01.csv"))
    hostile = next(row for row in rows if row["SubAccountId"] != "012345678901")
    assert (hostile["SubAccountId"], hostile["SubAccountName"], hostile["RegionId"]) == (
        "'" + ACCOUNT, "'" + ACCOUNT_NAME, "'" + REGION)
    assert hostile["EffectiveCost"] == "-12.5"
    document = json.loads((tmp_path / "out" / "report-2025-01.json").read_text())
    assert {ACCOUNT_NAME, "ok"} == {row["SubAccountName"] for row in document["rows"]}


def test_on_premises_names_are_defused(run, tmp_path: Path) -> None:
    servers = [{"server": name, "month": "2026-09", "hours": "720", "location": "DE", "vcpus": "64",
                "account": OWNER} for name in (SERVER, SERVER_2)]
    path = write_inventory(tmp_path / "servers.csv", servers,
                           ["server", "month", "hours", "location", "vcpus", "account"])
    run("ingest", "onprem", str(path), "--inventory", INVENTORY)
    rows = assert_defused(run("footprint", "--by", "resource,account", "--format", "csv").stdout)
    assert {(row["resource"], row["account"]) for row in rows} == {("'" + SERVER, "'" + OWNER),
                                                                   ("'" + SERVER_2, "'" + OWNER)}
    assert_defused(run("footprint", "--trace", "--format", "csv").stdout)
    run("report", "--month", "2026-09", "--output", str(tmp_path / "out"))
    assert_defused(read(tmp_path / "out" / "report-2026-09.csv"))
