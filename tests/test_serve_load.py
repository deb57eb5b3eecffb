"""`cloudcarbon serve` under load: a real uvicorn process on loopback over the demo store, hammered by a
bounded pool of parallel requests, keeps answering correctly (the same JSON for the same URL, 400 for bad
parameters, never a 500) with bounded memory; and while an `ingest aws` in another process writes the same
store, every request either answers or gets 503 with the one-line busy message, and the server survives.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from cloudcarbon.demo import run_demo

# Timing-sensitive: one after another on one xdist worker, never beside each other.
pytestmark = pytest.mark.xdist_group("serial")

psutil = pytest.importorskip("psutil")
pytest.importorskip("uvicorn")

DEMO = Path(__file__).resolve().parents[1] / "cloudcarbon" / "demo" / "demo-cur2.parquet"
CLOUDCARBON = Path(sys.executable).parent / "cloudcarbon"
THREADS, PER_THREAD, TIME_LIMIT = 8, 15, 12.0
RSS_GROWTH_LIMIT = 200 * 1024 * 1024
BUSY = re.compile(r"^store .+ is busy: (process \d+|another process) (has it open|is waiting to write to it); "
                  r"retry when it has finished$")

GOOD = [
    "/api/footprint?month=2026-10&by=service,region",
    "/api/footprint?by=month,service",
    "/api/footprint?since=2026-09&until=2026-11&by=instance_type&cpu_utilization=0.3",
    "/api/unknowns",
    "/api/unknowns?month=2026-09",
    "/api/report?month=2026-10",  # about a second of work: asked once per two threads, not in the mix
]
REPORT = GOOD[-1]
BAD = [
    "/api/footprint?by=nonsense",
    "/api/footprint?month=2026-13",
    "/api/footprint?cpu_utilization=7",
    "/api/unknowns?mnth=2026-10",
    "/api/report",
    "/api/report?month=october",
]
MIX = GOOD[:-1] + BAD


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    db: Path
    log: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def without_clock(value: object) -> object:
    """The JSON minus `generated_at` (the only field that may differ between two answers to one URL), floats
    to 12 significant digits (DuckDB's parallel sums may differ in the last bit from one run to the next)."""
    if isinstance(value, dict):
        return {k: without_clock(v) for k, v in value.items() if k != "generated_at"}
    if isinstance(value, list):
        return [without_clock(v) for v in value]
    if isinstance(value, float):
        return float(f"{value:.12g}")
    return value


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    db = tmp_path / "demo.duckdb"
    run_demo(str(db))
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as sink:
        process = subprocess.Popen([str(CLOUDCARBON), "--db", str(db), "serve", "--host", "127.0.0.1",
                                    "--port", str(port)], stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            get(f"{url}/openapi.json")
            break
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
    yield Server(url, process, db, log)
    process.terminate()  # our own child, by its handle
    process.wait(timeout=15)


def test_parallel_requests_answer_correctly_with_bounded_memory(server: Server) -> None:
    first = {}
    for path in GOOD:  # the reference answers, one at a time
        status, body = get(server.url + path)
        assert status == 200, (path, body)
        first[path] = without_clock(json.loads(body))
        assert first[path]["rows"], path  # the demo store really answers with data
    rss = psutil.Process(server.process.pid)
    sizes = [rss.memory_info().rss]
    started = time.monotonic()

    def worker(offset: int) -> list[tuple[str, int, str]]:
        answers = [(REPORT, *get(server.url + REPORT))] if offset % 2 == 0 else []
        for n in range(PER_THREAD):
            if time.monotonic() - started > TIME_LIMIT:
                break
            path = MIX[(offset + n) % len(MIX)]
            answers.append((path, *get(server.url + path)))
        return answers

    with ThreadPoolExecutor(THREADS) as pool:
        batches = [pool.submit(worker, offset) for offset in range(THREADS)]
        answers = [answer for batch in batches for answer in batch.result()]
    sizes.append(rss.memory_info().rss)
    assert len(answers) >= THREADS * 5, len(answers)  # the time limit left a real load
    for path, status, body in answers:
        if path in GOOD:
            assert status == 200, (path, status, body)
            assert without_clock(json.loads(body)) == first[path], path
        else:
            assert status == 400, (path, status, body)
            error = json.loads(body)["error"]
            assert error and "\n" not in error, body
    assert sizes[-1] - sizes[0] < RSS_GROWTH_LIMIT, sizes
    assert server.process.poll() is None
    assert "Traceback" not in server.log.read_text()


@pytest.fixture
def big_export(tmp_path: Path) -> Path:
    """The demo export repeated 20 times (~125k rows): an ingest of a second or two. Each copy's line items get
    their own ids (identical copies of a line would be dropped as duplicates)."""
    path = tmp_path / "big.parquet"
    duckdb.execute(f"""COPY (SELECT d.* REPLACE (d.identity_line_item_id || '-' || copy.range AS identity_line_item_id)
                            FROM read_parquet('{DEMO}') d, range(20) copy) TO '{path}' (FORMAT parquet)""")
    return path


def test_requests_beside_an_ingest_answer_or_say_busy(server: Server, big_export: Path) -> None:
    """The ingest starts while requests come one at a time (a writer waits only a few seconds for a gap
    between readers, so back-to-back parallel readers would starve it); once it holds the store, parallel
    requests hit it until it has finished."""
    before = {path: without_clock(json.loads(get(server.url + path)[1])) for path in GOOD}
    writer = subprocess.Popen([str(CLOUDCARBON), "--db", str(server.db), "ingest", "aws", str(big_export)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    answered = busy = 0
    deadline = time.monotonic() + 60

    def check(path: str, status: int, body: str) -> None:
        nonlocal answered, busy
        if status == 200:
            answered += 1
            assert json.loads(body)["rows"] is not None, path
            return
        assert status == 503, (path, status, body)
        error = json.loads(body)["error"]
        assert BUSY.match(error) and str(server.db) in error, error
        busy += 1

    while writer.poll() is None and busy == 0:  # one request at a time until the writer holds the store
        assert time.monotonic() < deadline, "the ingest did not start"
        check(GOOD[0], *get(server.url + GOOD[0]))
        time.sleep(0.1)
    with ThreadPoolExecutor(4) as pool:
        while writer.poll() is None:
            assert time.monotonic() < deadline, "the ingest did not finish"
            for path, (status, body) in zip(GOOD, pool.map(lambda p: get(server.url + p), GOOD), strict=True):
                check(path, status, body)
    _, err = writer.communicate()
    assert writer.returncode == 0, err
    assert busy > 0, answered  # the requests really met the writer
    assert server.process.poll() is None  # the server survived
    for path in GOOD:  # and answers, now with the new data
        status, body = get(server.url + path)
        assert status == 200, (path, status, body)
    after = without_clock(json.loads(get(server.url + GOOD[1])[1]))
    assert after != before[GOOD[1]]  # 20 times the demo is a different footprint
    assert "Traceback" not in server.log.read_text()
