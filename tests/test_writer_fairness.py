"""A stream of overlapping readers (what a busy `serve` does) must not starve an ingest: a blocked writer
announces itself, new readers hold back, the readers in flight finish, and the writer gets in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner
from curfiles import item, write_cur

from cloudcarbon.cli import cli
from cloudcarbon.store import WRITER_LOCK_WAIT_SECONDS

# Each reader opens the store read-only through cloudcarbon's own connect(), holds it for a query's worth
# of time, closes, and opens again at once; it logs every (opened, closed) interval.
READER = """
import json, sys, time
from pathlib import Path
from cloudcarbon.errors import StoreBusyError
from cloudcarbon.store import connect
db, log, until, hold = Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
spans, busy = [], 0
while time.time() < until:
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

    until = time.time() + 12
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    readers = [
        subprocess.Popen([sys.executable, "-c", READER, str(db), str(tmp_path / f"reader-{n}.json"), str(until),
                          str(0.6 + 0.1 * n)], env=env)
        for n in range(3)
    ]
    time.sleep(3)  # the readers are in full flow
    writer_start = time.time()
    command = [str(Path(sys.executable).with_name("cloudcarbon")), "--db", str(db), "ingest", "aws", str(new)]
    writer = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    writer_end = time.time()
    for reader in readers:
        assert reader.wait(timeout=60) == 0
    logs = [json.loads((tmp_path / f"reader-{n}.json").read_text()) for n in range(3)]
    spans = [tuple(s) for log in logs for s in log["spans"]]

    # Control: before the writer came, the store was never free for a writer to slip in unaided.
    assert _covered(spans, writer_start - 2.5, writer_start) > 0.97
    assert writer.returncode == 0, writer.stderr
    assert writer_end - writer_start < WRITER_LOCK_WAIT_SECONDS + 5
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
