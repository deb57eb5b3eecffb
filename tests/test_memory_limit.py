"""DuckDB's memory is held for every connection to a store, writers (ingest, the stored footprint) and readers (the
analyses, the streamed trace) alike, so that a large export spills to disk instead of taking most of the machine's
memory (issue #17); CLOUDCARBON_MEMORY_LIMIT sets it.
"""

from __future__ import annotations

import duckdb
import pytest
from conftest import fingerprint, one_line_error
from curfiles import item, write_cur

from cloudcarbon import stored_footprint
from cloudcarbon.store import MEMORY_LIMIT, MEMORY_LIMIT_ENV_VAR, open_store


def limit_in_bytes(con: duckdb.DuckDBPyConnection) -> int:
    """The connection's memory limit; DuckDB states it as '732.4 MiB'."""
    number, unit = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0].split()
    return round(float(number) * 1024 ** ["B", "KiB", "MiB", "GiB", "TiB"].index(unit))


def duckdb_bytes(size: str) -> int:
    with duckdb.connect() as con:
        con.execute(f"SET memory_limit = '{size}'")
        return limit_in_bytes(con)


def limit_of(db, *, read_only: bool) -> int:
    with open_store(db, read_only=read_only) as con:
        return limit_in_bytes(con)


def test_writers_and_readers_are_held_to_the_limit_and_the_variable_overrides_it(tmp_path, monkeypatch):
    db = tmp_path / "store.duckdb"
    assert limit_of(db, read_only=False) == duckdb_bytes(MEMORY_LIMIT)
    assert limit_of(db, read_only=True) == duckdb_bytes(MEMORY_LIMIT)
    monkeypatch.setenv(MEMORY_LIMIT_ENV_VAR, "2GB")
    assert limit_of(db, read_only=False) == duckdb_bytes("2GB")
    assert limit_of(db, read_only=True) == duckdb_bytes("2GB")


def test_an_ingest_spills_under_a_small_limit_and_stores_the_same_rows(tmp_path, run, db, monkeypatch):
    lines = [item(resource_id=f"i-{n}", cost=float(n)) for n in range(2000)]
    export = write_cur(tmp_path / "cur.parquet", lines)
    # A tenth of the writers' default: the estimation query's joins (coefficients, water) need about 70 MB of
    # working memory on two threads; everything beyond that spills.
    monkeypatch.setenv(MEMORY_LIMIT_ENV_VAR, "80MB")
    run("ingest", "aws", str(export), expect=0)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*), sum(effective_cost) FROM usage").fetchall() == [(2000, sum(range(2000)))]
        assert con.execute("SELECT count(*) FROM footprint").fetchall()[0][0] > 0


@pytest.mark.parametrize("value", ["lots", "768", "1GB'; DROP TABLE usage; --", "-1GB"])
def test_a_bad_limit_is_one_line_naming_the_variable_and_changes_nothing(tmp_path, run, db, monkeypatch, value):
    run("ingest", "aws", str(write_cur(tmp_path / "cur.parquet", [item()])), expect=0)
    before = fingerprint(db)
    monkeypatch.setenv(MEMORY_LIMIT_ENV_VAR, value)
    result = run("ingest", "aws", str(write_cur(tmp_path / "more.parquet", [item(resource_id="i-2")])), expect=1)
    line = one_line_error(result)
    assert MEMORY_LIMIT_ENV_VAR in line and "768MB" in line
    assert fingerprint(db) == before


@pytest.mark.parametrize("command", [["ingest", "aws"], ["report", "--month", "2025-01"]])
def test_too_small_a_limit_is_one_line_naming_the_variable_and_changes_nothing(tmp_path, run, db, monkeypatch,
                                                                                command):
    """DuckDB out of memory (what it could not spill) is the user's limit to raise, not a bug: one line naming the
    limit and the variable, exit 1, the store as it was."""
    run("ingest", "aws", str(write_cur(tmp_path / "cur.parquet", [item()])), expect=0)
    before = fingerprint(db)
    monkeypatch.setenv(MEMORY_LIMIT_ENV_VAR, "4MB")
    extra = [str(write_cur(tmp_path / "more.parquet", [item(resource_id="i-2")]))] if command[0] == "ingest" else \
        ["--output", str(tmp_path / "report")]
    line = one_line_error(run(*command, *extra, expect=1))
    assert "out of memory" in line and f"{MEMORY_LIMIT_ENV_VAR}" in line and "4MB" in line, line
    monkeypatch.delenv(MEMORY_LIMIT_ENV_VAR)
    assert fingerprint(db) == before


def test_a_failed_footprint_refresh_reports_its_own_error(tmp_path, run, db, monkeypatch):
    """The stored footprint's INSERT failing (out of memory at 28M lines) aborts the transaction; resetting the
    optimizer setting afterwards failed too and hid the INSERT's error behind 'Current transaction is aborted'."""
    build = stored_footprint._build_sql
    monkeypatch.setattr(stored_footprint, "_build_sql",
                        lambda **kw: f"SELECT * FROM ({build(**kw)}) WHERE error('the INSERT failed') IS NULL")
    result = run("ingest", "aws", str(write_cur(tmp_path / "cur.parquet", [item()])), expect=1)
    assert "the INSERT failed" in result.stderr and "transaction is aborted" not in result.stderr, result.stderr
    assert not db.exists()
