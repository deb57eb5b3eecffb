"""A stream of overlapping readers (what a busy `serve` does) must not starve an ingest: a blocked writer
announces itself, new readers hold back, the readers in flight finish, and the writer gets in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from curfiles import item, write_cur

from cloudcarbon.cli import cli
from cloudcarbon.store import LOCK_WAIT_ENV_VAR, WRITER_LOCK_WAIT_SECONDS

# Timing-sensitive: one after another on one xdist worker, never beside each other.
pytestmark = pytest.mark.xdist_group("serial")

READER_BUSY = "is waiting to write to it"

# Each reader opens the store read-only through cloudcarbon's own connect(), holds it for a query's worth
# of time, closes, and opens again at once; it logs every (opened, closed) interval.
READER = """
import json, sys, time
from pathlib import Path
from cloudcarbon.errors import StoreBusyError
from cloudcarbon.store import connect

db, log, stop, hold = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), float(sys.argv[4])
spans, busy = [], 0
while not stop.exists():
    try:
        con = connect(db, read_only=True)
    except StoreBusyError:
        busy += 1
        time.sleep(0.05)
        continue
    opened = time.time()
    con.execute("SELECT count(*) FROM usage").fetchall()
    time.sleep(hold)
    con.close()
    spans.append((opened, time.time()))
    log.with_suffix(".ready").touch()
log.write_text(json.dumps({"spans": spans, "busy": busy}))
"""


def _covered(spans: list[tuple[float, float]], start: float, end: float) -> float:
    """Share of [start, end] during which at least one reader had the store open."""
    covered, cursor = 0.0, start
    for opened, closed in sorted(spans):
        opened, closed = max(opened, cursor), min(closed, end)
        if closed > opened:
            covered += closed - opened
            cursor = closed
    return covered / (end - start)


def test_an_ingest_gets_in_while_readers_overlap_without_pause(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    seed = write_cur(tmp_path / "seed.parquet", [item(resource_id=f"i-{n}") for n in range(5)])
    assert CliRunner().invoke(cli, ["--db", str(db), "ingest", "aws", str(seed)]).exit_code == 0
    new = write_cur(tmp_path / "new.parquet", [item(resource_id=f"j-{n}", account="222222222222") for n in range(5)])

    stop = tmp_path / "stop"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    readers = [
        subprocess.Popen([sys.executable, "-c", READER, str(db), str(tmp_path / f"reader-{n}.json"), str(stop),
                          str(0.6 + 0.1 * n)], env=env)
        for n in range(3)
    ]
    # The readers are in full flow: each has held the store once (starting Python can take seconds on a busy
    # machine), and they have overlapped for a while since.
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"reader-{n}.ready").exists() for n in range(3)):
        assert time.monotonic() < deadline, "the readers did not start"
        time.sleep(0.05)
    time.sleep(3)
    writer_start = time.time()
    command = [str(Path(sys.executable).with_name("cloudcarbon")), "--db", str(db), "ingest", "aws", str(new)]
    writer = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    writer_end = time.time()
    time.sleep(2)  # for the readers to carry on after the ingest
    stop.touch()
    for reader in readers:
        assert reader.wait(timeout=60) == 0
    logs = [json.loads((tmp_path / f"reader-{n}.json").read_text()) for n in range(3)]
    spans = [tuple(s) for log in logs for s in log["spans"]]

    # Control: before the writer came, the store was never free for a writer to slip in unaided.
    assert _covered(spans, writer_start - 2.5, writer_start) > 0.97
    assert writer.returncode == 0, writer.stderr
    assert writer_end - writer_start < float(os.environ[LOCK_WAIT_ENV_VAR]) + 5
    assert not (tmp_path / "store.duckdb.writer-waiting").exists()
    # The readers carried on after the ingest.
    assert any(opened > writer_end for opened, _ in spans)


def test_a_marker_left_by_a_killed_writer_does_not_hold_readers_back(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    seed = write_cur(tmp_path / "seed.parquet", [item()])
    assert CliRunner().invoke(cli, ["--db", str(db), "ingest", "aws", str(seed)]).exit_code == 0
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / "store.duckdb.writer-waiting").write_text(str(dead.pid))
    started = time.monotonic()
    assert CliRunner().invoke(cli, ["--db", str(db), "footprint"]).exit_code == 0
    assert time.monotonic() - started < 2


def test_by_default_an_ingest_waits_for_a_long_report(tmp_path: Path, monkeypatch) -> None:
    """A report over a big month reads for 10-25 s; the default wait (a minute) outlasts it."""
    monkeypatch.delenv(LOCK_WAIT_ENV_VAR)
    assert WRITER_LOCK_WAIT_SECONDS >= 30
    db = tmp_path / "store.duckdb"
    seed = write_cur(tmp_path / "seed.parquet", [item()])
    assert CliRunner().invoke(cli, ["--db", str(db), "ingest", "aws", str(seed)]).exit_code == 0
    reader = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; con = duckdb.connect(sys.argv[1], "
                               "read_only=True); print('ready', flush=True); time.sleep(8)", str(db)],
                              stdout=subprocess.PIPE, text=True)
    assert reader.stdout is not None and reader.stdout.readline().strip() == "ready"
    new = write_cur(tmp_path / "new.parquet", [item(account="222222222222")])
    # While the ingest waits, a new reader is told so in one line instead of joining the queue.
    command = [str(Path(sys.executable).with_name("cloudcarbon")), "--db", str(db)]
    writer = subprocess.Popen([*command, "ingest", "aws", str(new)], stderr=subprocess.PIPE, text=True)
    time.sleep(2)
    refused = subprocess.run([*command, "footprint"], capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and READER_BUSY in refused.stderr and f"process {writer.pid}" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert writer.wait(timeout=60) == 0, writer.stderr.read() if writer.stderr else ""
    reader.wait()
    assert subprocess.run([*command, "footprint"], capture_output=True, timeout=60).returncode == 0


@pytest.mark.parametrize("value", ["soon", "-1"])
def test_a_bad_lock_wait_setting_is_one_line(tmp_path: Path, monkeypatch, value: str) -> None:
    monkeypatch.setenv(LOCK_WAIT_ENV_VAR, value)
    seed = write_cur(tmp_path / "seed.parquet", [item()])
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "s.duckdb"), "ingest", "aws", str(seed)])
    assert result.exit_code == 1 and LOCK_WAIT_ENV_VAR in result.stderr and "Traceback" not in result.output
