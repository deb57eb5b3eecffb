"""`cloudcarbon backup`: a byte-for-byte copy of a store whose every block read back intact, which restores by
copying it back; a failed or refused backup never replaces an earlier one."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner, Result
from conftest import fingerprint, one_line_error
from curfiles import item, write_cur
from test_damaged_store import MODES

from cloudcarbon.cli import cli
from cloudcarbon.demo import run_demo
from cloudcarbon.stored_footprint import stale_periods


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    run_demo(str(path))
    return path


@pytest.fixture
def store(tmp_path: Path, demo_store: Path) -> Path:
    db = tmp_path / "store.duckdb"
    shutil.copy(demo_store, db)
    return db


def run(db: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", str(db), *args])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_backup_restores_a_damaged_store(tmp_path, store):
    answer = run(store, "footprint", "--by", "month,service", "--format", "csv")
    backup = tmp_path / "backups" / "cloudcarbon.duckdb"
    backup.parent.mkdir()
    made = run(store, "backup", str(backup))
    assert made.exit_code == 0, made.output
    assert f"backed up to {backup}" in made.stderr
    assert digest(backup) == digest(store)  # the file itself, byte for byte
    assert sorted(p.name for p in backup.parent.iterdir()) == ["cloudcarbon.duckdb"]  # no partial copy left
    # The store is damaged; the README's restore: copy the backup back over it.
    MODES["64k-random-mid-file"](store)
    assert run(store, "footprint", "--by", "month,service", "--format", "csv").exit_code == 1
    shutil.copy(backup, store)
    assert run(store, "doctor", "--deep").exit_code == 0
    assert run(store, "footprint", "--by", "month,service", "--format", "csv").stdout == answer.stdout


def test_a_backup_into_a_folder_is_named_by_its_time(tmp_path, store):
    folder = tmp_path / "backups"
    folder.mkdir()
    assert run(store, "backup", str(folder)).exit_code == 0
    (made,) = folder.iterdir()
    assert re.fullmatch(r"store-\d{8}T\d{6}Z\.duckdb", made.name), made.name
    assert fingerprint(made) == fingerprint(store)


def test_a_refused_backup_keeps_the_earlier_one(tmp_path, store):
    backup = tmp_path / "backup.duckdb"
    assert run(store, "backup", str(backup)).exit_code == 0
    earlier = digest(backup)
    MODES["64k-random-mid-file"](store)
    one_line_error(run(store, "backup", str(backup)), str(store), "damaged")
    assert digest(backup) == earlier
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.duckdb", "store.duckdb"]


def test_the_store_is_not_its_own_backup(store):
    before = digest(store)
    one_line_error(run(store, "backup", str(store)), str(store), "the store itself")
    assert digest(store) == before


def test_a_backup_holds_the_rows_a_killed_writer_left_in_the_wal(tmp_path, store):
    """A writer killed after its commit, before DuckDB folded the log into the file: the rows are in the WAL."""
    killed = subprocess.run([sys.executable, "-c", """
import os, sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("SET checkpoint_threshold = '10GB'")  # keep the commit in the WAL
con.execute("DELETE FROM usage_line WHERE billing_period_start = '2026-08-01'")
os._exit(0)
""", str(store)], capture_output=True, text=True)
    assert killed.returncode == 0, killed.stderr
    assert store.with_name(store.name + ".wal").exists()
    expected = usage_rows(store)  # DuckDB replays the WAL on open
    backup = tmp_path / "backup.duckdb"
    made = run(store, "backup", str(backup))
    assert made.exit_code == 0, made.output
    assert not backup.with_name(backup.name + ".wal").exists()
    assert usage_rows(backup) == expected
    # Opening the store to fold the log in also brought its stored footprint up to date with those rows.
    with duckdb.connect(str(backup), read_only=True) as con:
        assert stale_periods(con) == 0
        assert "2026-08" not in {m for (m,) in con.execute("SELECT DISTINCT month FROM footprint").fetchall()}


def usage_rows(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT CAST(COLUMNS(*) AS VARCHAR) FROM usage ORDER BY ALL").fetchall()


def test_an_ingest_after_a_backup_leaves_the_backup_as_it_was(tmp_path, store):
    backup = tmp_path / "backup.duckdb"
    assert run(store, "backup", str(backup)).exit_code == 0
    before = fingerprint(backup)
    assert run(store, "ingest", "aws", str(write_cur(tmp_path / "cur.parquet", [item()]))).exit_code == 0
    assert fingerprint(backup) == before != fingerprint(store)
