"""Shared fixtures: a store file per test, a CLI runner bound to it, and a store fingerprint; what the run has
(Chromium, the shared reference data) is said in its header."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from browser import INSTALL_CHROMIUM, find_chromium
from click.testing import CliRunner, Result
from hypothesis import settings

from cloudcarbon.cli import cli
from cloudcarbon.demo import run_demo

# The property tests draw the same examples on every run, so that CI passes or fails on the code alone (a failure
# found by chance on one run would block an unrelated change); HYPOTHESIS_PROFILE=explore draws new ones.
settings.register_profile("repeatable", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

# Public source tables and real billing samples, kept beside the checkout (../shared/reference), not in it.
REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"
SAMPLES = REFERENCE / "samples"


def no_reference(path: Path = REFERENCE) -> str:
    """The skip reason of a test that reads the shared reference data."""
    return f"needs {path}, absent: the shared reference data (../shared/reference beside the checkout, not in the " \
           "repository)"


def pytest_report_header() -> list[str]:
    chromium = find_chromium()
    found = chromium is not None and chromium.exists()
    return [f"chromium: {chromium}" if found else f"chromium: none, the browser tests will skip: {INSTALL_CHROMIUM}",
            f"shared reference data: {REFERENCE}" + ("" if REFERENCE.is_dir() else " absent, the tests of real "
                                                                                     "samples will skip")]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "store.duckdb"


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled demo, ingested once per session (per xdist worker), for tests that only read it."""
    path = tmp_path_factory.mktemp("demo-store") / "demo.duckdb"
    run_demo(str(path))
    return path


@pytest.fixture
def demo_copy(demo_store: Path, tmp_path: Path) -> Path:
    """A copy of the session's demo store that the test may change."""
    copy = tmp_path / "demo.duckdb"
    shutil.copy(demo_store, copy)
    return copy


@pytest.fixture
def run(db: Path):
    """Invoke the CLI against the test's store; returns click's Result (stdout, stderr apart)."""

    def invoke(*args: str, expect: int | None = 0) -> Result:
        result = CliRunner().invoke(cli, ["--db", str(db), *args])
        if expect is not None:
            assert result.exit_code == expect, (result.exit_code, result.stdout, result.stderr, result.exception)
        return result

    return invoke


@pytest.fixture(autouse=True)
def _no_user_store(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's CLOUDCARBON_DB must never leak into a test run (it would be written to).
    monkeypatch.delenv("CLOUDCARBON_DB", raising=False)
    monkeypatch.delenv("CLOUDCARBON_MEMORY_LIMIT", raising=False)
    # Live grid-intensity forecasts only where a test sets a token (test_grid_signals.py).
    for name in ("CLOUDCARBON_ELECTRICITYMAPS_TOKEN", "CLOUDCARBON_WATTTIME_USERNAME", "CLOUDCARBON_WATTTIME_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    # Writers wait 5 s for readers here, not the default minute, so busy-store tests end quickly
    # (subprocesses inherit it); test_writer_fairness.py tests the default.
    monkeypatch.setenv("CLOUDCARBON_LOCK_WAIT", "5")


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder the test makes read-only; made writable again so pytest can clean up."""
    folder = tmp_path / "ro"
    folder.mkdir()
    yield folder
    folder.chmod(0o755)


def fingerprint(db: Path) -> str:
    """A digest of every row of every table, to prove a failed command changed nothing. Values are
    cast to text inside DuckDB (fetching TIMESTAMPTZ into Python would need pytz)."""
    if not db.exists():
        return "absent"
    digest = hashlib.sha256()
    with duckdb.connect(str(db), read_only=True) as con:
        for (table,) in con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall():
            rows = con.execute(f'SELECT CAST(COLUMNS(*) AS VARCHAR) FROM "{table}" ORDER BY ALL').fetchall()
            digest.update(f"{table}:{rows!r}".encode())
    return digest.hexdigest()


def usage_error(result: Result, *names: str) -> str:
    """A usage error: exit 2, a single `Error:` line naming `names`, no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output and "unexpected" not in lines[0]
    for name in names:
        assert name in lines[0], (name, lines[0])
    return lines[0]


def one_line_error(result: Result, *names: str) -> str:
    """A handled failure: exit 1, a single `Error:` line naming `names`, no traceback."""
    assert result.exit_code == 1, (result.exit_code, result.output)
    # An exception escaping the CLI (instead of click's clean exit) is what prints a traceback.
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("Error: "), line
    assert "Traceback" not in result.output
    # CloudcarbonGroup's catch-all wording ("Error: unexpected KeyError: ..."): a user mistake must not be reported
    # as a bug. (A reader's own words may say "unexpected character" about the file: that is the file's fault.)
    assert not line.startswith("Error: unexpected "), line
    for name in names:
        assert name in line, (name, line)
    return line
