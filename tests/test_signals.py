"""SIGTERM (`timeout`, systemd, cron wrappers) and SIGINT (Ctrl-C) end a command as cleanly as an error:
rollbacks and `finally` blocks run, so an interrupted ingest leaves no scratch store, WAL or marker beside
the store and the store as it was; one line on stderr, exit code 128 + the signal (143, 130).

Real `cloudcarbon` subprocesses, signalled by their handles while they read an export (with stderr a pipe,
and a terminal, where a progress bar runs the statement in a thread) or wait to move it in.
"""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import threading
import time
from pathlib import Path

import duckdb
import pytest
from conftest import fingerprint
from curfiles import item, write_cur
from faulthelpers import CLOUDCARBON, cloudcarbon, finish
from test_load_10m import month_sql

# Timing-sensitive: one after another on one xdist worker, never beside each other.
pytestmark = pytest.mark.xdist_group("serial")

SIGNALS = [(signal.SIGTERM, 143), (signal.SIGINT, 130)]


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CUR month of 600,000 lines: its ingest reads for seconds."""
    path = tmp_path_factory.mktemp("export") / "month.parquet"
    with duckdb.connect() as con:
        con.execute(f"COPY ({month_sql(600_000)}) TO '{path}' (FORMAT parquet)")
    return path


class OnATerminal:
    """`cloudcarbon ARGS` with stderr on a pseudo-terminal (so it draws progress bars), read as it comes."""

    def __init__(self, db: Path, *args: str) -> None:
        master, follower = pty.openpty()
        self.process = subprocess.Popen([*CLOUDCARBON, "--db", str(db), *args], stdout=subprocess.DEVNULL,
                                        stderr=follower)
        os.close(follower)
        self.output = b""
        self.reader = threading.Thread(target=self._read, args=(master,), daemon=True)
        self.reader.start()

    def _read(self, master: int) -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child's end closed
                break
            if not chunk:
                break
            self.output += chunk
        os.close(master)

    def finish(self) -> tuple[int, str]:
        code = self.process.wait(timeout=120)
        self.reader.join(timeout=10)
        return code, self.output.decode(errors="replace")


def seeded(tmp_path: Path, db: Path) -> str:
    code, _, err = finish(cloudcarbon(db, "ingest", "aws", str(write_cur(tmp_path / "seed.parquet", [item()]))))
    assert code == 0, err
    return fingerprint(db)


def wait_for(condition, process, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, (what, process.communicate())
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def interrupted_cleanly(process, expected_code: int, db: Path, before: str) -> None:
    code, _, err = finish(process)
    assert code == expected_code, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("interrupted"), err
    assert "unchanged" in lines[0] and "Traceback" not in err, err
    assert sorted(p.name for p in db.parent.glob(db.name + "*")) == [db.name]  # no scratch store, WAL or marker
    assert fingerprint(db) == before


def scratch_store_exists(db: Path):
    return lambda: any(db.parent.glob(f"{db.name}.staging-*"))


@pytest.mark.parametrize(("signum", "expected_code"), SIGNALS, ids=["SIGTERM", "SIGINT"])
def test_a_signal_while_an_ingest_reads_its_export(tmp_path, export, signum, expected_code):
    db = tmp_path / "store.duckdb"
    before = seeded(tmp_path, db)
    process = cloudcarbon(db, "ingest", "aws", str(export))
    wait_for(scratch_store_exists(db), process, "the scratch store")
    time.sleep(0.3)  # well into the read
    signalled = time.monotonic()
    process.send_signal(signum)  # our own child, by its handle
    interrupted_cleanly(process, expected_code, db, before)
    # The running statement is interrupted, not finished first (which took 18 s for a 1M-line month).
    assert time.monotonic() - signalled < 10


@pytest.mark.parametrize(("signum", "expected_code"), SIGNALS, ids=["SIGTERM", "SIGINT"])
def test_a_signal_while_an_ingest_draws_its_progress_bar(tmp_path, export, signum, expected_code):
    db = tmp_path / "store.duckdb"
    before = seeded(tmp_path, db)
    terminal = OnATerminal(db, "ingest", "aws", str(export))
    wait_for(scratch_store_exists(db), terminal.process, "the scratch store")
    time.sleep(1)  # the bar's statement is running
    terminal.process.send_signal(signum)  # our own child, by its handle
    code, output = terminal.finish()
    assert code == expected_code, output  # not an abort: no statement still running as the process exits
    assert "interrupted" in output and "Traceback" not in output and "FATAL" not in output, output
    assert sorted(p.name for p in db.parent.glob(db.name + "*")) == [db.name]
    assert fingerprint(db) == before


@pytest.mark.parametrize(("signum", "expected_code"), SIGNALS, ids=["SIGTERM", "SIGINT"])
def test_a_signal_while_an_ingest_waits_to_move_its_rows_in(tmp_path, signum, expected_code):
    """A reader keeps the store open, so the ingest has read its export and waits for the store."""
    db = tmp_path / "store.duckdb"
    before = seeded(tmp_path, db)
    with duckdb.connect(str(db), read_only=True):
        process = cloudcarbon(db, "ingest", "aws", str(write_cur(tmp_path / "cur.parquet", [item(amount=2.0)])))
        wait_for(db.with_name(db.name + ".writer-waiting").exists, process, "the writer's marker")
        process.send_signal(signum)  # our own child, by its handle
        interrupted_cleanly(process, expected_code, db, before)
