"""Hostile values: tag keys and values, resource ids, operations and file names holding quotes, semicolons,
SQL and HTML are stored and shown verbatim. Values are bound parameters; the few identifiers composed into
SQL (legacy CUR tag column names, `--by tag:KEY`) are quoted, so nothing is ever executed.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import duckdb
import pytest
from curfiles import item, write_cur

HOSTILE = [
    "it's",
    'say "hi"',
    "a;b",
    "x'); DROP TABLE usage; --",
    '"; DELETE FROM ingests; --',
    "<script>alert('x')</script>",
    "<b>&amp;</b>",
    "tab\tand, comma",
    "Zürich 東京",
    "$(rm -rf /)",
    "back\\slash",
]
# Tag keys become column names in legacy CUR (`resourceTags/user:KEY`); AWS allows letters, digits, spaces
# and + - = . _ : / @, but exports from other tools carry anything.
HOSTILE_KEYS = ["it's", 'q"uote', "semi;colon", "x') OR 1=1 --", "<i>html</i>", "spa ce"]
STYLES = [("cur2", "cur.parquet"), ("legacy", "cur.csv"), ("athena", "cur.parquet")]


def hostile_lines() -> list[dict]:
    """One line per hostile value, in every free-text field, and every hostile tag key on each line."""
    return [
        item(resource_id=value, operation=value, amount=1.0 + n, tags={key: value for key in HOSTILE_KEYS})
        for n, value in enumerate(HOSTILE)
    ]


def tables_intact(db: Path) -> None:
    with duckdb.connect(str(db), read_only=True) as con:
        tables = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        assert {"usage", "ingests", "ingest_periods", "schema_migrations"} <= tables
        assert con.execute("SELECT count(*) FROM ingests").fetchall() == [(1,)]


@pytest.mark.parametrize(("style", "name"), STYLES, ids=[f"{s}-{n}" for s, n in STYLES])
def test_hostile_values_are_stored_verbatim(tmp_path, run, db, style, name):
    run("ingest", "aws", str(write_cur(tmp_path / name, hostile_lines(), style)))
    tables_intact(db)
    with duckdb.connect(str(db), read_only=True) as con:
        stored = con.execute("SELECT resource_id, x_operation, tags FROM usage ORDER BY consumed_quantity").fetchall()
    assert [(r, o) for r, o, _ in stored] == [(v, v) for v in HOSTILE]
    assert [tags for _, _, tags in stored] == [{key: v for key in HOSTILE_KEYS} for v in HOSTILE]


@pytest.mark.parametrize("key", HOSTILE_KEYS)
def test_grouping_by_a_hostile_tag_key_shows_values_verbatim(tmp_path, run, db, key):
    run("ingest", "aws", str(write_cur(tmp_path / "cur.csv", hostile_lines(), "legacy")))
    as_json = json.loads(run("footprint", "--by", f"tag:{key}", "--format", "json").stdout)
    assert sorted(row[f"tag:{key}"] for row in as_json["rows"]) == sorted(HOSTILE)
    as_csv = list(csv.DictReader(io.StringIO(run("footprint", "--by", f"tag:{key},resource", "--format",
                                                 "csv").stdout)))
    assert sorted(row["resource"] for row in as_csv) == sorted(HOSTILE)
    assert all(row[f"tag:{key}"] == row["resource"] for row in as_csv)
    jsonl = [json.loads(line) for line in run("footprint", "--by", "resource", "--format", "jsonl").stdout.splitlines()]
    assert sorted(row["resource"] for row in jsonl) == sorted(HOSTILE)
    tables_intact(db)


@pytest.mark.parametrize("value", HOSTILE[:6])
def test_hostile_values_in_the_terminal_table_and_in_unknowns(tmp_path, run, db, value):
    run("ingest", "aws", str(write_cur(tmp_path / "cur.parquet", [
        item(resource_id=value, usage_type=f"BoxUsage:{value}", instance_type=value, amount=2.0)])))
    table = run("footprint", "--by", "resource", "--format", "table").stdout
    assert value.split()[0] in table  # rich may wrap long cells, never rewrite them
    unknowns = json.loads(run("unknowns", "--format", "json").stdout)
    assert value in {row["instance_type"] for row in unknowns["rows"]}
    tables_intact(db)


FILE_NAMES = ["it's; DROP TABLE usage; --.csv", 'say "hi".csv', "<b>x & y<b>.csv.gz", "semi;colon.parquet"]


@pytest.mark.parametrize("file_name", FILE_NAMES)
def test_hostile_file_names(tmp_path, run, db, file_name):
    folder = tmp_path / "it's a \"folder\"; --"
    folder.mkdir()
    path = write_cur(folder / file_name, [item()], "cur2" if file_name.endswith(".parquet") else "legacy")
    result = run("ingest", "aws", str(path))
    assert "ingested 1 file(s)" in result.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT DISTINCT x_source_file FROM usage").fetchall() == [(str(path),)]
        assert con.execute("SELECT source_files FROM ingests").fetchall() == [([str(path)],)]
    trace = list(csv.DictReader(io.StringIO(run("footprint", "--trace", "--format", "csv").stdout)))
    assert [row["x_source_file"] for row in trace] == [str(path)]
    # A broken file with a hostile name: its error names it verbatim.
    broken = folder / ("broken " + file_name)
    broken.write_bytes(b"\x00\x01 not a cur file")
    failed = run("ingest", "aws", str(broken), expect=1)
    assert str(broken) in failed.stderr
    tables_intact(db)
