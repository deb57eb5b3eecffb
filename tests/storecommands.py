"""Every command that opens a store, with inputs it accepts, and `cloudcarbon serve` as a real subprocess:
for the tests that a store this cloudcarbon must not use (written by a newer release, or damaged) is
refused by all of them (test_store.py, test_damaged_store.py).
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import azurefiles
import gcpfiles
from curfiles import item, write_cur
from faulthelpers import CLOUDCARBON
from test_focus import row as focus_row
from test_focus import write_focus

# A month the demo store holds (`cloudcarbon demo`: 2026-08 to 2026-10).
MONTH = "2026-09"


# id -> arguments (after --db) of each command that opens the store; {NAME} is an input file of inputs().
COMMANDS = {
    "footprint": ["footprint", "--by", "month,service"],
    "footprint-trace": ["footprint", "--trace", "--format", "csv"],
    "unknowns": ["unknowns"],
    "report": ["report", "--month", MONTH, "--output", "{report}"],
    "whatif": ["whatif", "--month", MONTH],
    "recommend-region": ["recommend-region", "--month", MONTH],
    "ingest-aws": ["ingest", "aws", "{cur}"],
    "ingest-gcp": ["ingest", "gcp", "{gcp}"],
    "ingest-azure": ["ingest", "azure", "{azure}"],
    "ingest-focus": ["ingest", "focus", "{focus}"],
    "ingest-onprem": ["ingest", "onprem", "{inventory}", "--inventory", "dc-1"],
    "run-monthly": ["run-monthly", "--config", "{config}", "--month", "2025-01"],
    "demo": ["demo"],
    "doctor": ["doctor"],
    "doctor-deep": ["doctor", "--deep"],
    "backup": ["backup", "{backup}"],
}


def inputs(folder: Path) -> dict[str, str]:
    """Small exports of every connector, a run-monthly config and output paths, written to `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    cur = write_cur(folder / "cur.parquet", [item(resource_id=f"i-{n}") for n in range(3)])
    inventory = folder / "inventory.csv"
    inventory.write_text("server,month,hours,location,vcpus,cpu_model\ndb-1,2025-01,744,DE,32,Xeon Gold 6248\n")
    config = folder / "cloudcarbon.toml"
    config.write_text(f'[report]\noutput = "reports/{{month}}"\n[[sources]]\ntype = "aws"\n'
                      f"paths = [{json.dumps(str(cur))}]\n")
    files = {
        "cur": cur,
        "gcp": gcpfiles.write_jsonl(folder / "gcp.jsonl", gcpfiles.mixed_rows()),
        "azure": azurefiles.write_export(folder / "azure.csv", azurefiles.mixed_rows()),
        "focus": write_focus(folder / "focus.csv", [focus_row(), focus_row(ResourceId="i-2")]),
        "inventory": inventory,
        "config": config,
        "report": folder / "report",
        "backup": folder / "backup.duckdb",
    }
    return {name: str(path) for name, path in files.items()}


def command_args(command: str, folder: Path) -> list[str]:
    """The arguments of COMMANDS[command], its input files written to `folder`."""
    given = inputs(folder)
    return [arg.format(**given) for arg in COMMANDS[command]]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def served(db: Path) -> Iterator[str]:
    """A real `cloudcarbon serve` over `db` on loopback; yields its base URL. Each request opens the store
    afresh, so a test may replace the file between requests."""
    port = _free_port()
    process = subprocess.Popen([*CLOUDCARBON, "--db", str(db), "serve", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.communicate()[1]
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()  # our own child, by its handle
        process.communicate(timeout=30)


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
