"""Faults for `ingest gcp`, `ingest azure` and `ingest focus`, as test_faults.py proves them for `ingest aws`:
a killed ingest, a full disk, a read-only store directory and a flaky object store never leave a
half-written period. Afterwards the store opens, `cloudcarbon doctor` passes, and every period holds the
old or the new export, never a mix.

Everything is real: `cloudcarbon` subprocesses killed with SIGKILL, a file size limit (RLIMIT_FSIZE) for a
full disk, file permissions for a read-only directory; gcsfs, adlfs and s3fs talking HTTP on loopback to
fakes of the GCS JSON API and Azure Blob Storage (cloudfakes.py) and to moto's S3 behind a fault-injecting
proxy; the BigQuery and Consumption API clients answered at their HTTP edge by `responses`.
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
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path

import azurefiles
import duckdb
import gcpfiles
import pytest
import responses
from click.testing import CliRunner
from cloudfakes import AzureHandler, FakeServer, GCSHandler, azure_connection_string, serve
from conftest import fingerprint, one_line_error
from faulthelpers import (
    CLOUDCARBON,
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
from test_focus import row as focus_row
from test_focus import write_focus

from cloudcarbon.cli import cli
from cloudcarbon.connectors import bigquery_runner, remote

# ---------------------------------------------------------------------------------------------
# Each connector's export, built in code: a one-line template replicated in DuckDB
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Connector:
    """A one-line Parquet export; the REPLACE list that turns line `n` of `range(rows)` into a distinct line
    of the same month (two billing accounts, amounts times `scale`); a small export of mixed lines."""

    template: Callable[[Path], Path]
    replace: str
    small: Callable[[Path], Path]


CONNECTORS = {
    "gcp": Connector(
        lambda path: gcpfiles.write_parquet(path, [gcpfiles.row()]),
        """if(n % 2 = 0, billing_account_id, '01ABCD-234567-FFFFFF') AS billing_account_id,
           struct_pack(amount := usage.amount * (n % 7 + 1) * {scale}, unit := usage.unit,
                       amount_in_pricing_units := usage.amount_in_pricing_units * (n % 7 + 1) * {scale},
                       pricing_unit := usage.pricing_unit) AS usage,
           struct_pack(name := 'vm-' || n, global_name := resource.global_name || '-' || n) AS resource""",
        lambda folder: gcpfiles.write_jsonl(folder / "gcp-small.jsonl", gcpfiles.mixed_rows()),
    ),
    "azure": Connector(
        lambda path: azurefiles.write_export(path, [azurefiles.vm("Standard_D4s_v3", 24)]),
        """if(n % 2 = 0, BillingAccountId, '8611538') AS BillingAccountId,
           CAST((n % 7 + 1) * 24 * {scale} AS VARCHAR) AS Quantity,
           '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-' || n AS ResourceId""",
        lambda folder: azurefiles.write_export(folder / "azure-small.csv", azurefiles.mixed_rows()),
    ),
    "focus": Connector(
        lambda path: write_focus(path, [focus_row()]),
        """if(n % 2 = 0, BillingAccountId, '111122224444') AS BillingAccountId,
           (n % 7 + 1) * {scale} AS ConsumedQuantity, 'i-' || n AS ResourceId""",
        lambda folder: write_focus(folder / "focus-small.csv",
                                   [focus_row(ResourceId=f"i-{n}", ConsumedQuantity=n + 1.0) for n in range(5)]),
    ),
}
NAMES = list(CONNECTORS)


def month(connector: Connector, path: Path, rows: int, scale: float = 1.0) -> Path:
    """`rows` distinct lines of one month in two billing accounts, as one Parquet export."""
    template = connector.template(path.with_name(f"{path.stem}-template.parquet"))
    with duckdb.connect() as con:
        con.execute(f"""
            COPY (SELECT * REPLACE ({connector.replace.format(scale=scale)})
                  FROM read_parquet('{template}'), range({rows}) r(n))
            TO '{path}' (FORMAT parquet)
        """)
    template.unlink()
    return path


def run_here(db: Path, *args: str, expect: int | None = 0):
    """The CLI in this process (so monkeypatched settings apply), against `db`."""
    result = CliRunner().invoke(cli, ["--db", str(db), *args])
    if expect is not None:
        assert result.exit_code == expect, (result.exit_code, result.stdout, result.stderr, result.exception)
    return result


def doctor_here(db: Path) -> None:
    result = run_here(db, "doctor")
    assert "healthy" in result.stderr, result.output


# ---------------------------------------------------------------------------------------------
# SIGKILL at random points of a large ingest
# ---------------------------------------------------------------------------------------------

# Lines of the restated month: more than two of DuckDB's row groups (122,880 rows), which it writes to the
# store while inserting, before the commit; so the ingest writes the store for a good part of a second.
LARGE_ROWS = 300_000
# At least MIN_KILLS, more (up to MAX_KILLS) until one has landed while the ingest wrote the store.
MIN_KILLS, MAX_KILLS = 3, 14  # stops as soon as a kill lands mid-write; the spare tries absorb a loaded machine


@dataclass(frozen=True)
class LargeExport:
    """v2: a month of LARGE_ROWS lines; v1: the same month as first delivered (fewer lines, three times the
    amounts); a store holding v1; what each period holds after each; when the v2 ingest (onto v1) started
    writing the store and when it was done, in seconds from its start."""

    v2: Path
    v1_store: Path
    v1_state: dict
    v2_state: dict
    writes_from: float
    seconds: float


def writing(db: Path, size_before: int) -> bool:
    """The ingest has begun writing the store: new blocks in the file, or a write-ahead log."""
    return db.stat().st_size > size_before or db.with_name(db.name + ".wal").exists()


def large_export(name: str, folder: Path) -> LargeExport:
    connector = CONNECTORS[name]
    v1 = month(connector, folder / f"{name}-v1.parquet", 20_000, scale=3.0)
    v2 = month(connector, folder / f"{name}-v2.parquet", LARGE_ROWS)
    v1_store, v2_store = folder / f"{name}-v1.duckdb", folder / f"{name}-v2.duckdb"
    assert finish(cloudcarbon(v1_store, "ingest", name, str(v1)))[0] == 0
    shutil.copy(v1_store, v2_store)
    size_before, writes_from = v2_store.stat().st_size, None
    started = time.perf_counter()
    process = cloudcarbon(v2_store, "ingest", name, str(v2))
    while process.poll() is None:
        if writes_from is None and writing(v2_store, size_before):
            writes_from = time.perf_counter() - started
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    code, _, err = finish(process)
    assert code == 0, err
    result = LargeExport(v2, v1_store, period_state(v1_store), period_state(v2_store),
                         writes_from if writes_from is not None else seconds * 0.7, seconds)
    assert result.v1_state.keys() == result.v2_state.keys() and len(result.v1_state) == 2, result
    assert all(old != new for old, new in zip(result.v1_state.values(), result.v2_state.values(), strict=True))
    return result


def holds_open(pid: int, db: Path) -> bool:
    """Process `pid` has the store file open (Linux's /proc): it is past start-up, inside the ingest."""
    try:
        return any(os.readlink(f"/proc/{pid}/fd/{fd}") == str(db) for fd in os.listdir(f"/proc/{pid}/fd"))
    except OSError:  # gone meanwhile
        return False


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see where a kill landed")
@pytest.mark.parametrize("name", NAMES)
def test_sigkill_during_an_ingest_leaves_the_old_or_the_new_period(name, tmp_path):
    """Restate a month (v1 -> v2) and kill the ingest at random moments: once while it reads the export, then
    in the window where it writes the store before committing (narrowed as kills land too late);
    each time the store opens, passes doctor, and every period is all v1 or all v2."""
    large = large_export(name, tmp_path)
    seed = int(os.environ.get("CLOUDCARBON_FAULT_SEED", time.time_ns() % 10_000))
    chooser = random.Random(seed)
    # The ingest reads its export into a scratch store, then writes the store for a short while before its
    # commit. Later kills wait until it writes the store, then a random part of `into_writing`, halved
    # each time a kill comes after the commit.
    into_writing = 0.5 * (large.seconds - large.writes_from)
    kills: list[dict] = []
    for kill in range(MAX_KILLS):
        if kill >= MIN_KILLS and any(k["writing"] and k["outcome"] == "old" for k in kills):
            break
        db = tmp_path / f"kill-{kill}.duckdb"
        shutil.copy(large.v1_store, db)
        size_before = db.stat().st_size
        started = time.perf_counter()
        process = cloudcarbon(db, "ingest", name, str(large.v2))
        if kill == 0:  # while it reads the export
            time.sleep(chooser.uniform(0.2, large.writes_from))
        else:
            while process.poll() is None and not writing(db, size_before):
                time.sleep(0.002)
            time.sleep(chooser.uniform(0, into_writing))
        delay = time.perf_counter() - started
        opened = holds_open(process.pid, db)
        was_writing = opened and writing(db, size_before)
        process.send_signal(signal.SIGKILL)  # our own child, by its handle
        process.communicate()
        doctor_here(db)
        state = period_state(db)
        assert state.keys() == large.v1_state.keys(), (seed, delay)
        for period, held in state.items():
            assert held in (large.v1_state[period], large.v2_state[period]), (seed, delay, period, held)
        outcome = "new" if state == large.v2_state else "old"
        kills.append({"delay": round(delay, 2), "opened": opened, "writing": was_writing, "outcome": outcome})
        if kill > 0 and outcome == "new":  # committed already: aim earlier
            into_writing /= 2
    # Kills landed mid-ingest (the store open, not yet committed), one of them while it wrote the store,
    # and left the old periods whole.
    assert any(k["opened"] and k["outcome"] == "old" for k in kills), (seed, large, kills)
    assert any(k["writing"] and k["outcome"] == "old" for k in kills), (seed, large, kills)
    # The killed store still takes the restatement.
    code, _, err = finish(cloudcarbon(db, "ingest", name, str(large.v2)))
    assert code == 0, err
    assert period_state(db) == large.v2_state
    assert not list(tmp_path.glob(f"{db.name}.staging-*"))  # the killed ingest's scratch store is cleared


# ---------------------------------------------------------------------------------------------
# Disk full and a read-only store directory
# ---------------------------------------------------------------------------------------------


def seeded_store(name: str, folder: Path, db: Path) -> str:
    run_here(db, "ingest", name, str(CONNECTORS[name].small(folder)))
    return fingerprint(db)


@pytest.mark.parametrize("name", NAMES)
def test_a_full_disk_is_one_line_and_the_store_is_unchanged(name, tmp_path, db):
    before = seeded_store(name, tmp_path, db)
    big = month(CONNECTORS[name], tmp_path / "month.parquet", 100_000)
    # No file may grow past 64 KiB: neither the WAL nor new blocks of the store file.
    process = cloudcarbon(db, "ingest", name, str(big), preexec_fn=limit_file_size(65536))
    line = one_line_from_process(*finish(process)[::2], str(db), "cannot write the store")
    assert "free disk space" in line
    assert fingerprint(db) == before
    doctor_passes(db)


@pytest.mark.parametrize("name", NAMES)
def test_a_full_disk_while_creating_a_store(name, tmp_path, db):
    process = cloudcarbon(db, "ingest", name, str(CONNECTORS[name].small(tmp_path)),
                          preexec_fn=limit_file_size(4096))
    one_line_from_process(*finish(process)[::2], str(db))


@pytest.mark.parametrize("file_mode", [0o644, 0o444], ids=["writable-file", "read-only-file"])
@pytest.mark.parametrize("name", NAMES)
def test_a_read_only_store_directory(name, file_mode, tmp_path, read_only_dir):
    db = read_only_dir / "store.duckdb"
    before = seeded_store(name, tmp_path, db)
    seeded = period_state(db)
    footprint = run_here(db, "footprint", "--by", "account", "--format", "csv").stdout
    big = month(CONNECTORS[name], tmp_path / "month.parquet", 20_000)
    db.chmod(file_mode)
    read_only_dir.chmod(0o555)
    prefix = without_root_privileges()
    process = subprocess.Popen([*prefix, *CLOUDCARBON, "--db", str(db), "ingest", name, str(big)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    code, _, err = finish(process)
    # A writable file in a read-only directory takes an ingest that DuckDB commits straight into the file
    # (no WAL to create); either way the store stays whole.
    written = file_mode == 0o644 and code == 0
    if not written:
        one_line_from_process(code, err, str(db))
    reader = subprocess.run([*prefix, *CLOUDCARBON, "--db", str(db), "footprint", "--by", "account",
                             "--format", "csv"], capture_output=True, text=True)
    assert reader.returncode == 0, reader.stderr
    assert reader.stdout == footprint or written, reader.stdout  # reading still works, the same figures
    read_only_dir.chmod(0o755)
    if written:
        doctor_passes(db)
        state = period_state(db)
        assert sum(rows for rows, _, _ in state.values()) - sum(rows for rows, _, _ in seeded.values()) >= 20_000
        assert all(ingests == 1 for _, ingests, _ in state.values())
    else:
        assert fingerprint(db) == before


# ---------------------------------------------------------------------------------------------
# Network faults between the object-store clients and a fake GCS / Azure Blob / moto S3 on loopback
# ---------------------------------------------------------------------------------------------

# Short client timeouts and backoff (the connectors' own settings, shortened), so failures come in seconds.
READ_TIMEOUT = 0.3
GCS_TIMEOUTS = {"sock_connect": READ_TIMEOUT, "sock_read": READ_TIMEOUT}
AZURE_RETRIES = 2
AZURE_CONFIG = {"retry_total": AZURE_RETRIES, "initial_backoff": 0.2, "increment_base": 0.5,
                "random_jitter_range": 0.05, "connection_timeout": READ_TIMEOUT, "read_timeout": READ_TIMEOUT}
# What the one-line error says of each fault, after the exception type.
CAUSES = {"slowdown": "Error: ", "throttle": "429", "timeout": "Timeout", "reset": "reset", "truncate": "payload"}
# gcsfs tries every request 6 times, sleeping about 1, 2, 4, 8 and 16 s between tries (not configurable).
GCS_TRIES, GCS_BACKOFF_SECONDS = 6, 31


def gcs_data_reads(method: str, path: str) -> bool:
    return method == "GET" and path.startswith("/download/")


def gcs_object_listing(method: str, path: str) -> bool:
    """The listing behind `find` (no delimiter); the probe that decides file-or-prefix still answers."""
    return "/o?" in path and "delimiter=&" in path


def azure_data_reads(method: str, path: str) -> bool:
    return method == "GET" and "comp=list" not in path and "restype=container" not in path


def azure_listing(method: str, path: str) -> bool:
    return "comp=list" in path


def everything(method: str, path: str) -> bool:
    return True


def gcs_environment(fake_url: str, home: Path) -> dict[str, str]:
    """gcsfs at the fake, anonymous: no Application Default Credentials or gcloud sign-in to pick up, and
    google-auth's metadata-server probe kept on loopback (a closed port) instead of 169.254.169.254."""
    (home / "gcloud").mkdir(exist_ok=True)
    return {"STORAGE_EMULATOR_HOST": fake_url, "CLOUDSDK_CONFIG": str(home / "gcloud"),
            "GCE_METADATA_IP": "127.0.0.1:9", "GCE_METADATA_HOST": "127.0.0.1:9", "NO_GCE_CHECK": "true"}


@pytest.fixture(scope="module")
def gcs_server() -> Iterator[FakeServer]:
    with serve(GCSHandler) as fake:
        yield fake


@pytest.fixture(scope="module")
def azure_server() -> Iterator[FakeServer]:
    with serve(AzureHandler) as fake:
        yield fake


def fresh(fake: FakeServer) -> FakeServer:
    fake.faults.inject("none", 0, lambda method, path: False)
    with fake.store.lock:
        fake.store.objects.clear()
    fake.faults.stall_seconds = READ_TIMEOUT * 2
    return fake


@pytest.fixture
def gcs(gcs_server, monkeypatch, tmp_path) -> FakeServer:
    """The fake GCS, empty, and the connectors pointed at it with short timeouts."""
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    for variable, value in gcs_environment(gcs_server.url, tmp_path).items():
        monkeypatch.setenv(variable, value)
    monkeypatch.setattr(remote, "GCS_TIMEOUTS", GCS_TIMEOUTS)
    return fresh(gcs_server)


@pytest.fixture
def azure(azure_server, monkeypatch) -> FakeServer:
    """The fake Blob service, empty, and the connectors pointed at it with short timeouts and backoff."""
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azure_connection_string(azure_server.url))
    monkeypatch.setattr(remote, "AZURE_BLOB_CLIENT_CONFIG", AZURE_CONFIG)
    return fresh(azure_server)


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[str, tuple[Path, dict]]:
    """Per connector: its small export (as uploaded) and what a local ingest of it makes of each period."""
    folder = tmp_path_factory.mktemp("exports")
    made = {}
    for name, connector in CONNECTORS.items():
        path = connector.small(folder)
        reference = folder / f"{name}-reference.duckdb"
        run_here(reference, "ingest", name, str(path))
        made[name] = (path, period_state(reference))
    made["gcp-parquet"] = (gcpfiles.write_parquet(folder / "gcp-small.parquet", gcpfiles.mixed_rows()),
                           made["gcp"][1])
    return made


def upload(fake: FakeServer, bucket: str, key: str, path: Path) -> None:
    fake.store.put(bucket, key, path.read_bytes())


# --- GCS: `ingest gcp gs://...` and `ingest focus gs://...` -------------------------------------------

TRANSIENT_GCS = ["slowdown", "throttle", "timeout", "reset", "truncate"]


@pytest.mark.parametrize("fault", TRANSIENT_GCS)
def test_a_transient_gcs_fault_is_retried(gcs, exports, db, fault):
    path, expected = exports["gcp-parquet"]
    upload(gcs, "billing", f"export/2025-01/{path.name}", path)
    gcs.faults.inject(fault, 1, gcs_data_reads)
    started = time.perf_counter()
    run_here(db, "ingest", "gcp", "gs://billing/export/")
    assert gcs.faults.seen >= 2  # the faulted read was tried again ...
    if fault in ("slowdown", "throttle"):  # ... after gcsfs's backoff (aiohttp itself redoes some resets)
        assert time.perf_counter() - started >= 1.0
    assert period_state(db) == expected
    doctor_here(db)


@pytest.mark.parametrize("fault", ["slowdown", "timeout"])
def test_a_transient_gcs_fault_under_focus_is_retried(gcs, exports, db, fault):
    path, expected = exports["focus"]
    upload(gcs, "focus-exports", f"2025-03/{path.name}", path)
    gcs.faults.inject(fault, 1, gcs_data_reads)
    run_here(db, "ingest", "focus", "gs://focus-exports/2025-03/")
    assert gcs.faults.seen >= 2
    assert period_state(db) == expected


# gcsfs's backoff (31 s and more) is fixed, so the persistent cases run side by side, each a `cloudcarbon`
# process with its own fake GCS: (connector, export, fault, requests it hits).
PERSISTENT_GCS = [
    ("gcp", "gcp", "slowdown", gcs_data_reads),  # JSON lines: the tail check reads through gcsfs first
    ("gcp", "gcp-parquet", "slowdown", gcs_data_reads),  # Parquet: DuckDB reads through gcsfs
    ("gcp", "gcp-parquet", "throttle", gcs_data_reads),
    ("gcp", "gcp-parquet", "timeout", gcs_data_reads),
    ("gcp", "gcp-parquet", "reset", gcs_data_reads),
    ("gcp", "gcp-parquet", "truncate", gcs_data_reads),
    ("gcp", "gcp-parquet", "slowdown", gcs_object_listing),
    ("focus", "focus", "slowdown", gcs_data_reads),
]
# The CLI as a process, with the connector's GCS timeouts shortened as in the fixture above.
SHORT_TIMEOUTS_CLI = (
    "import sys; from cloudcarbon.connectors import remote; "
    f"remote.GCS_TIMEOUTS = {GCS_TIMEOUTS!r}; from cloudcarbon.cli import main; sys.exit(main())"
)


@pytest.mark.slow
def test_persistent_gcs_faults_are_one_line_after_bounded_retries(exports, tmp_path, monkeypatch):
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    seeded = {name: tmp_path / f"seeded-{name}.duckdb" for name in {case[0] for case in PERSISTENT_GCS}}
    for name, store in seeded.items():
        seeded_store(name, tmp_path, store)
    runs = []
    with ExitStack() as stack:
        for number, (name, export, fault, on) in enumerate(PERSISTENT_GCS):
            fake = stack.enter_context(serve(GCSHandler))
            fake.faults.stall_seconds = READ_TIMEOUT * 2
            path, _ = exports[export]
            upload(fake, "billing", f"export/2025-01/{path.name}", path)
            db = tmp_path / f"store-{number}.duckdb"
            shutil.copy(seeded[name], db)
            before = fingerprint(db)
            fake.faults.inject(fault, 10_000, on)
            home = tmp_path / f"home-{number}"
            home.mkdir()
            env = {**os.environ, **gcs_environment(fake.url, home)}
            process = subprocess.Popen([sys.executable, "-c", SHORT_TIMEOUTS_CLI, "--db", str(db), "ingest", name,
                                        "gs://billing/export/"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       text=True, env=env)
            runs.append((number, fake, db, before, process, time.perf_counter()))
        ended: dict[int, float] = {}
        deadline = time.perf_counter() + 180
        while len(ended) < len(runs) and time.perf_counter() < deadline:
            ended |= {number: time.perf_counter() for number, *_, process, _ in runs
                      if number not in ended and process.poll() is not None}
            time.sleep(0.1)
        for number, fake, db, before, process, started in runs:
            code, _, err = finish(process, timeout=1)
            elapsed = ended[number] - started
            case = PERSISTENT_GCS[number]
            one_line_from_process(code, err, "gs://billing/export/", "after retries", CAUSES[case[2]])
            # Every request is tried GCS_TRIES times with backoff in between; an ingest gives up on the first
            # request that still fails.
            assert GCS_TRIES <= fake.faults.seen <= 2 * GCS_TRIES, (case, fake.faults.seen)
            assert GCS_BACKOFF_SECONDS <= elapsed < 120, (case, elapsed)
            assert fingerprint(db) == before, case  # a partial download never becomes a partial period


# --- Azure Blob Storage: `ingest azure az://...` and `ingest focus az://...` ---------------------------

TRANSIENT_AZURE = ["slowdown", "500", "timeout", "reset", "truncate"]


@pytest.mark.parametrize("fault", TRANSIENT_AZURE)
def test_a_transient_azure_fault_is_retried(azure, exports, db, fault):
    path, expected = exports["azure"]
    upload(azure, "cost-exports", f"daily/20251001-20251031/{path.name}", path)
    azure.faults.inject(fault, 1, azure_data_reads)
    started = time.perf_counter()
    run_here(db, "ingest", "azure", "az://cost-exports/daily/")
    assert azure.faults.seen >= 2  # the faulted read was tried again ...
    # ... after a backoff (jittered by up to random_jitter_range either way)
    assert time.perf_counter() - started >= AZURE_CONFIG["initial_backoff"] - AZURE_CONFIG["random_jitter_range"]
    assert period_state(db) == expected
    doctor_here(db)


@pytest.mark.parametrize("fault", ["slowdown", "timeout"])
def test_a_transient_azure_fault_under_focus_is_retried(azure, exports, db, fault):
    path, expected = exports["focus"]
    upload(azure, "focus-exports", f"2025-03/{path.name}", path)
    azure.faults.inject(fault, 1, azure_data_reads)
    run_here(db, "ingest", "focus", "az://focus-exports/2025-03/")
    assert azure.faults.seen >= 2
    assert period_state(db) == expected


PERSISTENT_AZURE = [("azure", "slowdown", azure_data_reads), ("azure", "timeout", azure_data_reads),
                    ("azure", "truncate", azure_data_reads), ("azure", "reset", everything),
                    ("azure", "slowdown", azure_listing), ("focus", "slowdown", azure_data_reads)]


@pytest.mark.parametrize(("name", "fault", "on"), PERSISTENT_AZURE,
                         ids=[f"{name}-{fault}-{on.__name__}" for name, fault, on in PERSISTENT_AZURE])
def test_a_persistent_azure_fault_is_one_line_after_bounded_retries(azure, exports, tmp_path, db, name, fault, on):
    path, _ = exports[name]
    upload(azure, "exports", f"2025/{path.name}", path)
    before = seeded_store(name, tmp_path, db)
    azure.faults.inject(fault, 10_000, on)
    started = time.perf_counter()
    one_line_error(run_here(db, "ingest", name, "az://exports/2025/", expect=None), "az://exports/2025/",
                   "after retries", CAUSES[fault])
    # Every request is tried at most 1 + AZURE_RETRIES times; an ingest makes a handful (adlfs probes a
    # prefix as a blob, then as a folder, before it lists it).
    assert AZURE_RETRIES + 1 <= azure.faults.seen <= 8 * (AZURE_RETRIES + 1), azure.faults.seen
    assert time.perf_counter() - started < 30
    assert fingerprint(db) == before  # a partial download never becomes a partial period


# --- S3 under `ingest focus s3://...`: moto behind the fault-injecting proxy of test_faults.py --------


@pytest.fixture(scope="module")
def moto_proxy() -> Iterator[tuple[str, FaultProxy, str]]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    proxy = FaultProxy(upstream=f"http://{host}:{port}")
    relay = ThreadingHTTPServer(("127.0.0.1", 0), proxy_handler(proxy))
    relay.daemon_threads = True
    relay.handle_error = lambda request, address: None  # a reset we caused is not a test failure
    threading.Thread(target=relay.serve_forever, daemon=True).start()
    yield proxy.upstream, proxy, f"http://127.0.0.1:{relay.server_address[1]}"
    relay.shutdown()
    relay.server_close()
    server.stop()


S3_MAX_ATTEMPTS, S3_READ_RETRIES = 2, 2


@pytest.fixture
def flaky_s3(moto_proxy, exports, monkeypatch, tmp_path) -> FaultProxy:
    """Bucket `focus` holding the FOCUS export, reached through the proxy with short timeouts and few retries."""
    pytest.importorskip("boto3")
    moto, proxy, proxy_url = moto_proxy
    client = s3_behind_proxy(moto, proxy, proxy_url, monkeypatch, tmp_path, max_attempts=S3_MAX_ATTEMPTS,
                             read_retries=S3_READ_RETRIES, read_timeout=READ_TIMEOUT)
    client.create_bucket(Bucket="focus")
    path, _ = exports["focus"]
    client.put_object(Bucket="focus", Key=f"2025-03/{path.name}", Body=path.read_bytes())
    return proxy


def s3_data_reads(method: str, path: str) -> bool:
    return method == "GET" and path.split("?")[0].endswith((".csv", ".parquet"))


@pytest.mark.parametrize("fault", ["slowdown", "timeout", "truncate"])
def test_a_transient_s3_fault_under_focus_is_retried(flaky_s3, exports, db, fault):
    flaky_s3.inject(fault, 1, s3_data_reads)
    run_here(db, "ingest", "focus", "s3://focus/2025-03/")
    assert flaky_s3.seen >= 2
    assert period_state(db) == exports["focus"][1]


@pytest.mark.parametrize(("fault", "on"), [("slowdown", s3_data_reads), ("reset", everything)],
                         ids=["slowdown-data_reads", "reset-everything"])
def test_a_persistent_s3_fault_under_focus_is_one_line(flaky_s3, tmp_path, db, fault, on):
    before = seeded_store("focus", tmp_path, db)
    flaky_s3.inject(fault, 10_000, on)
    line = one_line_error(run_here(db, "ingest", "focus", "s3://focus/2025-03/", expect=None), "s3://focus/")
    assert "retry" in line.lower() or "check" in line.lower(), line
    assert 2 <= flaky_s3.seen <= 4 * S3_READ_RETRIES * S3_MAX_ATTEMPTS, flaky_s3.seen
    assert fingerprint(db) == before


# ---------------------------------------------------------------------------------------------
# The API paths: BigQuery (`ingest gcp --table`) and the Consumption API (`ingest azure --scope`),
# answered at their HTTP edge by `responses`
# ---------------------------------------------------------------------------------------------

TABLE = "shop-prod.billing.gcp_billing_export_resource_v1_01ABCD_234567_89EF01"
BQ_QUERIES = "https://bigquery.googleapis.com/bigquery/v2/projects/billing-proj/queries"
GOOGLE_TOKEN = "https://oauth2.googleapis.com/token"
BQ_UNAVAILABLE = {"error": {"code": 503, "message": "The service is currently unavailable.", "status": "UNAVAILABLE",
                            "errors": [{"reason": "backendError", "message": "The service is currently unavailable."}]}}


@pytest.fixture
def google_adc(tmp_path, monkeypatch) -> None:
    """Application Default Credentials of a signed-in user: google-auth trades the refresh token for an
    access token at Google's token endpoint, which the test answers."""
    key = tmp_path / "adc.json"
    key.write_text('{"type": "authorized_user", "client_id": "id.apps.googleusercontent.com", '
                   '"client_secret": "not-secret", "refresh_token": "refresh-token"}')
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key))
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))
    monkeypatch.setenv("GCE_METADATA_IP", "127.0.0.1:9")
    monkeypatch.setattr(bigquery_runner, "RETRY_DEADLINES", {"request": 1.5, "job": 3.0})


def bigquery_ingest(db: Path, expect: int | None = 0):
    return run_here(db, "ingest", "gcp", "--table", TABLE, "--billing-project", "billing-proj", "--month",
                       "2025-01", "--no-catalog", expect=expect)


@responses.activate
def test_a_transient_bigquery_fault_is_retried(google_adc, tmp_path, db):
    import requests
    from test_gcp import _bigquery_response

    answer = _bigquery_response(gcpfiles.mixed_rows(), tmp_path)
    responses.post(GOOGLE_TOKEN, json={"access_token": "token", "expires_in": 3600, "token_type": "Bearer"})
    responses.post(BQ_QUERIES, json=answer)
    clean = tmp_path / "clean.duckdb"
    bigquery_ingest(clean)  # the same answer without a fault, for comparison
    responses.calls.reset()
    responses.replace(responses.POST, BQ_QUERIES, status=503, json=BQ_UNAVAILABLE)
    responses.post(BQ_QUERIES, body=requests.exceptions.ConnectionError("Connection reset by peer"))
    responses.post(BQ_QUERIES, json=answer)
    bigquery_ingest(db)
    queries = [call for call in responses.calls if call.request.url.startswith(BQ_QUERIES)]
    assert len(queries) == 3  # a 503, a dropped connection, then the answer
    assert period_state(db) == period_state(clean) and period_state(db)
    doctor_here(db)


@responses.activate
def test_a_persistent_bigquery_fault_is_one_line_after_bounded_retries(google_adc, tmp_path, db):
    before = seeded_store("gcp", tmp_path, db)
    responses.post(GOOGLE_TOKEN, json={"access_token": "token", "expires_in": 3600, "token_type": "Bearer"})
    responses.post(BQ_QUERIES, status=503, json=BQ_UNAVAILABLE)
    started = time.perf_counter()
    line = one_line_error(bigquery_ingest(db, expect=None), f"BigQuery {TABLE}", "after retries", "unavailable")
    assert "token" not in line.lower()
    queries = [call for call in responses.calls if call.request.url.startswith(BQ_QUERIES)]
    assert len(queries) >= 3, len(queries)  # retried, with backoff, until the deadlines
    assert time.perf_counter() - started < 30
    assert fingerprint(db) == before


CONSUMPTION_RETRY = {"retry_total": 2, "retry_backoff_factor": 0.1, "retry_backoff_max": 0.2}
SCOPE = f"/subscriptions/{azurefiles.SUBSCRIPTION}"
USAGE_DETAILS = f"https://management.azure.com{SCOPE}/providers/Microsoft.Consumption/usageDetails"
ARM_UNAVAILABLE = {"error": {"code": "ServiceUnavailable", "message": "The service is temporarily unavailable."}}


def consume(db: Path) -> object:
    """`ingest azure --scope` as a library call with a fixed token (the CLI signs in with
    DefaultAzureCredential); the CLI prints any InputError as its one line."""
    from test_azure import FakeCredential

    from cloudcarbon.connectors.azure.consumption import ingest_consumption
    from cloudcarbon.periods import window
    from cloudcarbon.store import open_store

    with open_store(db) as con:
        return ingest_consumption(con, SCOPE, window("2025-10"), credential=FakeCredential())


@responses.activate
def test_a_transient_consumption_api_fault_is_retried(tmp_path, db, monkeypatch):
    import requests
    from test_azure import LEGACY_VM, MODERN_TRANSFER

    from cloudcarbon.connectors.azure import consumption

    monkeypatch.setattr(consumption, "RETRY", CONSUMPTION_RETRY)
    responses.get(USAGE_DETAILS, json={"value": [LEGACY_VM, MODERN_TRANSFER]})
    clean = tmp_path / "clean.duckdb"
    consume(clean)
    responses.calls.reset()
    responses.replace(responses.GET, USAGE_DETAILS, status=503, json=ARM_UNAVAILABLE)
    responses.get(USAGE_DETAILS, body=requests.exceptions.ConnectionError("Connection reset by peer"))
    responses.get(USAGE_DETAILS, json={"value": [LEGACY_VM, MODERN_TRANSFER]})
    consume(db)
    assert [getattr(call.response, "status_code", None) for call in responses.calls] == [503, None, 200]
    assert period_state(db) == period_state(clean) and period_state(db)
    doctor_here(db)


@responses.activate
def test_a_persistent_consumption_api_fault_is_one_line_after_bounded_retries(tmp_path, db, monkeypatch):
    from cloudcarbon.connectors.azure import consumption
    from cloudcarbon.errors import InputError

    monkeypatch.setattr(consumption, "RETRY", CONSUMPTION_RETRY)
    before = seeded_store("azure", tmp_path, db)
    responses.get(USAGE_DETAILS, status=503, json=ARM_UNAVAILABLE)
    with pytest.raises(InputError) as raised:
        consume(db)
    line = str(raised.value)
    assert len(line.splitlines()) == 1 and line.startswith(f"Consumption API {SCOPE}: HTTP 503"), line
    assert len(responses.calls) == 1 + CONSUMPTION_RETRY["retry_total"]
    assert fingerprint(db) == before
