"""Shared fixtures: a store file per test, a CLI runner bound to it, and a store fingerprint."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner, Result

from cloudcarbon.cli import cli

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "reference" / "samples"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "store.duckdb"


@pytest.fixture
def run(db: Path):
    """Invoke the CLI against the test's store; returns click's Result (stdout, stderr apart)."""

    def invoke(*args: str, expect: int | None = 0) -> Result:
        result = CliRunner().invoke(cli, ["--db", str(db), *args])
        if expect is not None:
            assert result.exit_code == expect, (result.exit_code, result.stdout, result.stderr, result.exception)
        return result

    return invoke


def fingerprint(db: Path) -> str:
    """A digest of every row of every table, to prove a failed command changed nothing."""
    if not db.exists():
        return "absent"
    digest = hashlib.sha256()
    with duckdb.connect(str(db), read_only=True) as con:
        for (table,) in con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall():
            rows = con.execute(f'SELECT * FROM "{table}" ORDER BY ALL').fetchall()
            digest.update(f"{table}:{rows!r}".encode())
    return digest.hexdigest()
