"""Faults: a killed ingest, a full disk, a read-only store directory and a flaky S3 endpoint never leave a
half-written period. Afterwards the store opens, `cloudcarbon doctor` passes, and every period holds the
old or the new export, never a mix.

Everything is real: `cloudcarbon` subprocesses killed with SIGKILL, a file size limit (RLIMIT_FSIZE) for a
full disk, file permissions for a read-only directory, and moto's S3 server behind a fault-injecting HTTP
proxy on loopback.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest
from conftest import fingerprint, one_line_error
from curfiles import item, write_cur
from faulthelpers import (
    CLOUDCARBON,
    REPO,
    FaultProxy,
    cloudcarbon,
    doctor_passes,
    finish,
    limit_file_size,
    one_line_from_process,
    period_state,
    proxy_handler,
    s3_behind_proxy,
    without_root_privileges,
)

LARGE_ROWS = 1_000_000


# ---------------------------------------------------------------------------------------------
# A large export, generated once per session (shared with test_concurrency.py)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LargeExport:
    """v2: 1M CUR 2.0 line items of one month (two payers); v1: an earlier, smaller version of the same
    month with different amounts; stores holding each, and what each period holds after each."""

    v1: Path
    v2: Path
    v1_store: Path
    v1_state: dict
    v2_state: dict
    v2_seconds: float


def large_export(factory: pytest.TempPathFactory) -> LargeExport:
    folder = factory.getbasetemp() / "large-export"
    cached = getattr(large_export, "cached", None)
    if cached is not None:
        return cached
    folder.mkdir(exist_ok=True)
    v2 = folder / "cur-v2.parquet"
    subprocess.run([sys.executable, "-m", "tools.generate_cur", "--rows", str(LARGE_ROWS), "--out", str(v2),
                    "--months", "2025-03", "--seed", "6"], check=True, capture_output=True, cwd=REPO)
    v1 = folder / "cur-v1.parquet"
    with duckdb.connect() as con:
        # The same month as AWS first delivered it: fewer lines, three times the hours.
        con.execute(
            f"""
            COPY (SELECT * REPLACE (line_item_usage_amount * 3 AS line_item_usage_amount)
                  FROM read_parquet('{v2}')
                  QUALIFY row_number() OVER (PARTITION BY bill_payer_account_id
                                             ORDER BY identity_line_item_id) <= 20000)
            TO '{v1}' (FORMAT parquet)
            """
        )
    v1_store, v2_store = folder / "v1.duckdb", folder / "v2.duckdb"
    assert finish(cloudcarbon(v1_store, "ingest", "aws", str(v1)))[0] == 0
    shutil.copy(v1_store, v2_store)
    started = time.perf_counter()
    assert finish(cloudcarbon(v2_store, "ingest", "aws", str(v2)))[0] == 0
    seconds = time.perf_counter() - started
    result = LargeExport(v1, v2, v1_store, period_state(v1_store), period_state(v2_store), seconds)
    assert result.v1_state.keys() == result.v2_state.keys() and len(result.v1_state) == 2
    assert all(v1[2] != v2[2] for v1, v2 in zip(result.v1_state.values(), result.v2_state.values(), strict=True))
    large_export.cached = result  # type: ignore[attr-defined]
    return result


@pytest.fixture(scope="session")
def large(tmp_path_factory: pytest.TempPathFactory) -> LargeExport:
    return large_export(tmp_path_factory)


# ---------------------------------------------------------------------------------------------
# SIGKILL at random points of a large ingest
# ---------------------------------------------------------------------------------------------

# At least MIN_KILLS, then more while the budget lasts (a loaded CI machine gets fewer, never none).
MIN_KILLS, MAX_KILLS = 3, 6
KILL_BUDGET_SECONDS = 40


@pytest.mark.slow
def test_sigkill_during_an_ingest_leaves_the_old_or_the_new_period(large, tmp_path):
    """Restate a month (v1 -> v2) and kill the ingest at random moments, from start-up to the commit;
    each time the store opens, passes doctor, and every period is all v1 or all v2."""
    seed = int(os.environ.get("CLOUDCARBON_FAULT_SEED", time.time_ns() % 10_000))
    chooser = random.Random(seed)
    started, outcomes = time.perf_counter(), []
    for kill in range(MAX_KILLS):
        if kill >= MIN_KILLS and time.perf_counter() - started > KILL_BUDGET_SECONDS:
            break
        db = tmp_path / f"kill-{kill}.duckdb"
        shutil.copy(large.v1_store, db)
        delay = chooser.uniform(0.2, large.v2_seconds * 1.1)
        process = cloudcarbon(db, "ingest", "aws", str(large.v2))
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)  # our own child, by its handle
        process.communicate()
        doctor_passes(db)
        state = period_state(db)
        for period, held in state.items():
            assert held in (large.v1_state[period], large.v2_state[period]), (seed, delay, period, held)
        assert state.keys() == large.v1_state.keys(), (seed, delay)
        outcomes.append("new" if state == large.v2_state else "old")
    # The killed store still takes the restatement.
    code, _, err = finish(cloudcarbon(db, "ingest", "aws", str(large.v2)))
    assert code == 0, err
    assert period_state(db) == large.v2_state
    assert not list(tmp_path.glob(f"{db.name}.staging-*"))  # the killed ingest's scratch store is cleared


# ---------------------------------------------------------------------------------------------
# doctor finds each kind of damage
# ---------------------------------------------------------------------------------------------


def small_store(tmp_path: Path, run) -> None:
    jan = [item(amount=n + 1.0, resource_id=f"i-{n}") for n in range(3)]
    feb = [item(amount=2.0, resource_id=f"i-{n}", period="2025-02", start="2025-02-01T00:00:00Z",
                end="2025-02-01T01:00:00Z") for n in range(2)]
    run("ingest", "aws", str(write_cur(tmp_path / "jan-feb.parquet", jan + feb)))
    run("ingest", "aws", str(write_cur(tmp_path / "jan.parquet", jan[:2])))  # January restated


DAMAGE = [
    ("healthy", None, None),
    ("row count", "DELETE FROM usage_line WHERE rowid IN (SELECT min(rowid) FROM usage_line)", "row count"),
    ("mixed period", "INSERT INTO usage_group SELECT * REPLACE (group_key + 1 AS group_key, 'other' AS x_ingest_id) "
                     "FROM usage_group WHERE billing_period_start = '2025-01-01' LIMIT 1; "
                     "INSERT INTO usage_line SELECT * REPLACE (group_key + 1 AS group_key) FROM usage_line "
                     "WHERE group_key + 1 IN (SELECT group_key FROM usage_group WHERE x_ingest_id = 'other') LIMIT 1",
     "mixed period"),
    ("stale period", "UPDATE ingests SET finished_at = finished_at - INTERVAL 1 DAY "
                     "WHERE ingest_id = (SELECT ingest_id FROM ingests ORDER BY finished_at DESC LIMIT 1)",
     "stale period"),
    ("missing rows", "DELETE FROM usage_line WHERE billing_period_start = '2025-02-01'", "missing rows"),
    ("orphan rows", "DELETE FROM ingests WHERE ingest_id IN (SELECT x_ingest_id FROM usage "
                    "WHERE billing_period_start = '2025-02-01')", "orphan rows"),
    ("unkeyed lines", "DELETE FROM usage_resource WHERE resource_id = 'i-0'", "usage_resource lacks"),
    ("repeated key", "INSERT INTO usage_resource SELECT resource_key, resource_id || '-twin', x_resource_name "
                     "FROM usage_resource WHERE resource_id = 'i-0'", "count twice"),
    ("schema too old", "DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)",
     "older"),
]


@pytest.mark.parametrize(("name", "damage", "expected"), DAMAGE, ids=[d[0] for d in DAMAGE])
def test_doctor_reports_each_kind_of_damage(tmp_path, run, db, name, damage, expected):
    small_store(tmp_path, run)
    if damage:
        with duckdb.connect(str(db)) as con:
            con.execute(damage)
    before = fingerprint(db)
    result = run("doctor", expect=None)
    assert fingerprint(db) == before  # doctor never repairs or migrates
    if expected is None:
        assert result.exit_code == 0, result.output
        assert result.stdout == ""
        assert "healthy" in result.stderr and "2 period(s)" in result.stderr
        # The restatement left free blocks in the file: reading every block in use still finds it whole.
        assert "every block read back intact" in run("doctor", "--deep").stderr
        return
    assert result.exit_code == 1, result.output
    lines = result.stdout.strip().splitlines()
    assert lines and all(expected in line or "row count" in line or "ingest log" in line for line in lines), lines
    assert any(expected in line for line in lines), lines
    assert "Traceback" not in result.output
    as_json = run("doctor", "--format", "json", expect=1)
    assert expected in as_json.stdout


def test_doctor_without_a_store_is_one_line(run, db):
    one_line_error(run("doctor", expect=1), str(db), "no store")


# ---------------------------------------------------------------------------------------------
# Disk full and a read-only store directory
# ---------------------------------------------------------------------------------------------


def seeded_store(tmp_path: Path, run, db: Path) -> str:
    run("ingest", "aws", str(write_cur(tmp_path / "seed.parquet", [item(payer="999999999999")])))
    return fingerprint(db)


def big_month(tmp_path: Path) -> Path:
    """A CUR file of 100,000 distinct lines: its ingest writes megabytes to the store before it commits."""
    path = tmp_path / "month.parquet"
    one = write_cur(tmp_path / "one.parquet", [item()])
    with duckdb.connect() as con:
        con.execute(f"""
            COPY (SELECT * REPLACE ('i-' || n AS line_item_resource_id, n % 700 + 0.5 AS line_item_usage_amount)
                  FROM read_parquet('{one}'), range(100000) r(n))
            TO '{path}' (FORMAT parquet)
        """)
    return path


def test_a_full_disk_is_one_line_and_the_store_is_unchanged(tmp_path, run, db):
    before = seeded_store(tmp_path, run, db)
    # No file may grow past 64 KiB: neither the WAL nor new blocks of the store file.
    process = cloudcarbon(db, "ingest", "aws", str(big_month(tmp_path)), preexec_fn=limit_file_size(65536))
    line = one_line_from_process(*finish(process)[::2], str(db), "cannot write the store")
    assert "free disk space" in line
    assert fingerprint(db) == before
    doctor_passes(db)


def test_a_full_disk_while_creating_a_store(tmp_path, db):
    process = cloudcarbon(db, "ingest", "aws", str(write_cur(tmp_path / "cur.parquet", [item()])),
                          preexec_fn=limit_file_size(4096))
    one_line_from_process(*finish(process)[::2], str(db))


@pytest.mark.parametrize("file_mode", [0o644, 0o444], ids=["writable-file", "read-only-file"])
def test_a_read_only_store_directory(tmp_path, run, read_only_dir, file_mode):
    db = read_only_dir / "store.duckdb"
    run("--db", str(db), "ingest", "aws", str(write_cur(tmp_path / "seed.parquet", [item(payer="999999999999")])))
    before = fingerprint(db)
    db.chmod(file_mode)
    read_only_dir.chmod(0o555)
    prefix = without_root_privileges()
    process = subprocess.Popen([*prefix, *CLOUDCARBON, "--db", str(db), "ingest", "aws", str(big_month(tmp_path))],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    code, _, err = finish(process)
    # A writable file in a read-only directory takes an ingest that DuckDB commits straight into the file
    # (no WAL to create); either way the store stays whole.
    written = file_mode == 0o644 and code == 0
    if not written:
        one_line_from_process(code, err, str(db))
    # Reading still works.
    reader = subprocess.run([*prefix, *CLOUDCARBON, "--db", str(db), "footprint", "--format", "csv"],
                            capture_output=True, text=True)
    assert reader.returncode == 0, reader.stderr
    assert "AmazonEC2" in reader.stdout
    read_only_dir.chmod(0o755)
    if written:
        doctor_passes(db)
        assert period_state(db)[("012345678901", "2025-01")][:2] == (100_000, 1)
    else:
        assert fingerprint(db) == before


# ---------------------------------------------------------------------------------------------
# Network faults between s3fs and S3: moto behind a fault-injecting proxy on loopback
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="module")
def proxy_server(moto_endpoint: str) -> Iterator[tuple[FaultProxy, str]]:
    proxy = FaultProxy(upstream=moto_endpoint)
    server = ThreadingHTTPServer(("127.0.0.1", 0), proxy_handler(proxy))
    server.daemon_threads = True
    server.handle_error = lambda request, address: None  # a reset we caused is not a test failure
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield proxy, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


READ_TIMEOUT = 0.3
MAX_ATTEMPTS = 2
READ_RETRIES = 2


@pytest.fixture
def flaky_s3(proxy_server, moto_endpoint, monkeypatch, tmp_path) -> tuple[FaultProxy, str]:
    """A bucket holding one month of CUR 2.0; the connector talks to it through the proxy with short
    timeouts and few retries, so that a failure is reached in seconds."""
    pytest.importorskip("boto3")
    proxy, proxy_url = proxy_server
    client = s3_behind_proxy(moto_endpoint, proxy, proxy_url, monkeypatch, tmp_path, max_attempts=MAX_ATTEMPTS,
                             read_retries=READ_RETRIES, read_timeout=READ_TIMEOUT)
    client.create_bucket(Bucket="cur")
    local = write_cur(tmp_path / "cur.parquet", [item(amount=4.0, resource_id=f"i-{n}") for n in range(50)])
    client.put_object(Bucket="cur", Key="export/cur-00001.parquet", Body=local.read_bytes())
    return proxy, "s3://cur/export/"


def data_reads(method: str, path: str) -> bool:
    return method == "GET" and path.split("?")[0].endswith(".parquet")


def everything(method: str, path: str) -> bool:
    return True


FAULTS = ["500", "slowdown", "timeout", "reset", "truncate"]


@pytest.mark.parametrize("fault", FAULTS)
def test_a_transient_s3_fault_is_retried(flaky_s3, tmp_path, run, db, fault):
    proxy, url = flaky_s3
    proxy.inject(fault, 1, data_reads)
    run("ingest", "aws", url)
    assert proxy.seen >= 2  # the faulted read was tried again
    assert period_state(db) == {("012345678901", "2025-01"): (50, 1, 200.0)}
    run("doctor")


PERSISTENT = [("500", data_reads), ("slowdown", data_reads), ("timeout", data_reads), ("truncate", data_reads),
              ("reset", everything)]


@pytest.mark.parametrize(("fault", "on"), PERSISTENT, ids=[f"{fault}-{on.__name__}" for fault, on in PERSISTENT])
def test_a_persistent_s3_fault_is_one_line_after_bounded_retries(flaky_s3, tmp_path, run, db, fault, on):
    proxy, url = flaky_s3
    before = seeded_store(tmp_path, run, db)
    proxy.inject(fault, 10_000, on)
    started = time.perf_counter()
    line = one_line_error(run("ingest", "aws", url, expect=1), "s3://cur/export")
    elapsed = time.perf_counter() - started
    assert "retry" in line.lower() or "check" in line.lower(), line
    # Every request is tried at most READ_RETRIES x MAX_ATTEMPTS times; an ingest makes a handful.
    assert 2 <= proxy.seen <= 4 * READ_RETRIES * MAX_ATTEMPTS, proxy.seen
    assert elapsed < 30, elapsed
    assert fingerprint(db) == before  # a partial download never becomes a partial period
