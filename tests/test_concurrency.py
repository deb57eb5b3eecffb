"""A second process using the store while a large ingest runs: every reader either answers or says, in one
line, that the store is busy and which process holds it; two ingests never interleave; an ingest and a
footprint side by side both complete.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import azurefiles
import duckdb
import gcpfiles
import pytest
from click.testing import CliRunner
from conftest import fingerprint, one_line_error
from curfiles import item, write_cur
from test_faults import LargeExport, cloudcarbon, doctor_passes, finish, large_export, period_state
from test_focus import row as focus_row
from test_focus import write_focus

from cloudcarbon.cli import cli

# Timing-sensitive: one after another on one xdist worker, never beside each other.
pytestmark = pytest.mark.xdist_group("serial")

# Commands a second process may run while the store is being written; add new commands here.
READERS = [
    ["footprint", "--by", "month,service", "--format", "json"],
    ["footprint", "--by", "month,region,instance_type,tag:team", "--since", "2025-01-01", "--format", "csv"],
    ["unknowns", "--format", "json"],
    ["doctor"],
]


@pytest.fixture(scope="session")
def large(tmp_path_factory: pytest.TempPathFactory) -> LargeExport:
    return large_export(tmp_path_factory)  # generated once per session, shared with test_faults.py


def run_beside(db: Path, args: list[str]):
    return CliRunner().invoke(cli, ["--db", str(db), *args])


@pytest.mark.slow
def test_readers_beside_a_large_ingest_answer_or_say_busy(large, tmp_path):
    """The 1M-row ingest and every reader run side by side; all of them complete. The ingest reads its export
    into a scratch store first, so readers keep answering for most of it; they may be told the store is busy
    only while the finished rows move in."""
    db = tmp_path / "store.duckdb"
    shutil.copy(large.v1_store, db)
    writer = cloudcarbon(db, "ingest", "aws", str(large.v2))
    answered = busy = 0
    while writer.poll() is None:
        for args in READERS:
            result = run_beside(db, args)
            if result.exit_code == 0:
                answered += writer.poll() is None
                assert result.stdout or "healthy" in result.stderr
            else:
                line = one_line_error(result, "busy", "retry", str(db))
                # The holder is named by PID while it runs (it may have just exited when we looked).
                assert f"process {writer.pid}" in line or writer.poll() is not None, line
                busy += 1
        time.sleep(1.0)  # a writer still starting waits up to store.WRITER_LOCK_WAIT_SECONDS for a gap
    code, _, err = finish(writer)
    assert code == 0, err
    assert answered > 0, busy  # readers answered while the ingest was running
    assert period_state(db) == large.v2_state
    for args in READERS:  # and once it is done, every reader answers
        result = run_beside(db, args)
        assert result.exit_code == 0, (args, result.output, os.getpid())


def month_file(tmp_path: Path, name: str, count: int, amount: float) -> Path:
    """A month of `count` distinct lines with a recognisable total."""
    return write_cur(tmp_path / name, [item(amount=amount, resource_id=f"{name}-{n}") for n in range(count)])


def test_two_ingests_of_the_same_period_never_interleave(tmp_path):
    db = tmp_path / "store.duckdb"
    versions = {"a.parquet": (3000, 1.0), "b.parquet": (2000, 2.5)}
    files = {name: month_file(tmp_path, name, *spec) for name, spec in versions.items()}
    assert finish(cloudcarbon(db, "ingest", "aws", str(files["a.parquet"])))[0] == 0
    for _ in range(3):
        processes = {name: cloudcarbon(db, "ingest", "aws", str(path)) for name, path in files.items()}
        outcomes = {name: finish(process) for name, process in processes.items()}
        for code, _, err in outcomes.values():
            if code != 0:  # the loser is told, in one line, who holds the store
                line = err.strip()
                assert line.startswith("Error: ") and "busy" in line and len(line.splitlines()) == 1, err
                assert any(f"process {p.pid}" in line for p in processes.values()), line
        assert any(code == 0 for code, _, _ in outcomes.values())
        doctor_passes(db)
        held = period_state(db)[("012345678901", "2025-01")]
        assert held in [(count, 1, round(count * amount, 3)) for count, amount in versions.values()], held


def test_a_killed_writer_releases_the_store(tmp_path):
    """The lock dies with its process: a later ingest and reader need no clean-up."""
    db = tmp_path / "store.duckdb"
    path = month_file(tmp_path, "a.parquet", 10, 1.0)
    assert finish(cloudcarbon(db, "ingest", "aws", str(path)))[0] == 0
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
                               "print('ready', flush=True); time.sleep(60)", str(db)],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
    one_line_error(run_beside(db, ["footprint"]), "busy", f"process {holder.pid}")
    holder.kill()  # our own child, by its handle
    holder.wait()
    assert run_beside(db, ["footprint"]).exit_code == 0
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM usage").fetchall() == [(10,)]


def test_an_ingest_waits_for_a_short_reader(tmp_path):
    """A reader holding the store for a second does not make an ingest fail: writers wait a few seconds."""
    db = tmp_path / "store.duckdb"
    assert finish(cloudcarbon(db, "ingest", "aws", str(month_file(tmp_path, "a.parquet", 10, 1.0))))[0] == 0
    reader = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; con = duckdb.connect(sys.argv[1], "
                               "read_only=True); print('ready', flush=True); time.sleep(1.5)", str(db)],
                              stdout=subprocess.PIPE, text=True)
    assert reader.stdout is not None and reader.stdout.readline().strip() == "ready"
    code, _, err = finish(cloudcarbon(db, "ingest", "aws", str(month_file(tmp_path, "b.parquet", 4, 2.0))))
    reader.wait()
    assert code == 0, err
    assert period_state(db) == {("012345678901", "2025-01"): (4, 1, 8.0)}


# The other connectors, each with a small export built like its own tests'; add new connectors here.
def _gcp(folder: Path) -> Path:
    return gcpfiles.write_jsonl(folder / "gcp.jsonl", gcpfiles.mixed_rows())


def _azure(folder: Path) -> Path:
    return azurefiles.write_export(folder / "azure.csv", azurefiles.mixed_rows())


def _focus(folder: Path) -> Path:
    return write_focus(folder / "focus.csv", [focus_row(), focus_row(ResourceId="i-2")])


CONNECTORS = {"gcp": _gcp, "azure": _azure, "focus": _focus}


def test_connector_ingests_wait_for_a_writer_then_say_busy_and_change_nothing(tmp_path):
    """While another process holds the store for writing, `ingest gcp|azure|focus` wait, then fail in one
    line naming the holder, leaving the store as it was; once it is released they all go through."""
    db = tmp_path / "store.duckdb"
    assert finish(cloudcarbon(db, "ingest", "aws", str(month_file(tmp_path, "a.parquet", 10, 1.0))))[0] == 0
    before = fingerprint(db)
    exports = {name: build(tmp_path) for name, build in CONNECTORS.items()}
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
                               "print('ready', flush=True); time.sleep(60)", str(db)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        waiting = {name: cloudcarbon(db, "ingest", name, str(path)) for name, path in exports.items()}
        for name, process in waiting.items():
            code, _, err = finish(process)
            line = err.strip()
            assert code == 1 and len(line.splitlines()) == 1, (name, err)
            assert line.startswith("Error: ") and "busy" in line and f"process {holder.pid}" in line, (name, line)
    finally:
        holder.kill()  # our own child, by its handle
        holder.wait()
    assert fingerprint(db) == before  # (the next test shows the same exports ingesting once the store is free)
    doctor_passes(db)


def test_a_writer_blocked_by_a_reader_is_not_told_the_reader_writes(tmp_path):
    db = tmp_path / "store.duckdb"
    assert finish(cloudcarbon(db, "ingest", "aws", str(month_file(tmp_path, "a.parquet", 10, 1.0))))[0] == 0
    reader = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; con = duckdb.connect(sys.argv[1], "
                               "read_only=True); print('ready', flush=True); time.sleep(60)", str(db)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "ready"
        code, _, err = finish(cloudcarbon(db, "ingest", "aws", str(month_file(tmp_path, "b.parquet", 4, 2.0))))
    finally:
        reader.kill()  # our own child, by its handle
        reader.wait()
    line = err.strip()
    assert code == 1 and "busy" in line and f"process {reader.pid}" in line, line  # the refusal itself is right
    assert "open for writing" not in line, line


def test_readers_beside_connector_ingests_answer_or_say_busy(tmp_path):
    """The three connector ingests start at once (writers wait for each other, never interleave) while the
    readers run; every reader answers or says busy in one line; all ingests land and the store is healthy."""
    db = tmp_path / "store.duckdb"
    assert finish(cloudcarbon(db, "ingest", "aws", str(month_file(tmp_path, "a.parquet", 10, 1.0))))[0] == 0
    exports = {name: build(tmp_path) for name, build in CONNECTORS.items()}
    writers = {name: cloudcarbon(db, "ingest", name, str(path)) for name, path in exports.items()}
    rounds = 0
    while any(writer.poll() is None for writer in writers.values()) or rounds == 0:
        rounds += 1
        for args in READERS:
            result = run_beside(db, args)
            if result.exit_code != 0:
                one_line_error(result, "busy", "retry", str(db))
        time.sleep(0.3)  # leave the waiting writers a gap
    for name, writer in writers.items():
        code, _, err = finish(writer)
        assert code == 0, (name, err)
    doctor_passes(db)
    with duckdb.connect(str(db), read_only=True) as con:
        files = {Path(f).name for (f,) in con.execute("SELECT DISTINCT x_source_file FROM usage").fetchall()}
    assert files == {"a.parquet", *(path.name for path in exports.values())}
