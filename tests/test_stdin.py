"""`-` as a SOURCE reads an export piped in (CSV, gzip, zip, Parquet, JSON lines: told apart by their first
bytes), streamed to a temporary file that is removed afterwards; the store and the log record it as `-`."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from conftest import one_line_error, usage_error

from cloudcarbon import connectors
from cloudcarbon.cli import cli
from cloudcarbon.demo import DEMO_FILE

PIPED = ["aws", "gcp", "azure", "focus"]  # the connectors on the file-ingest template
CLOUDCARBON = Path(sys.executable).parent / "cloudcarbon"


def sources_recorded(db: Path) -> tuple[set[str], list[list[str]]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return ({f for (f,) in con.execute("SELECT DISTINCT x_source_file FROM usage").fetchall()},
                [files for (files,) in con.execute("SELECT source_files FROM ingests").fetchall()])


@pytest.mark.parametrize("name", PIPED)
@pytest.mark.parametrize("packed", ["plain", "gzip"])
def test_an_example_piped_in_is_ingested_and_recorded_as_stdin(name: str, packed: str, tmp_path: Path) -> None:
    data = connectors.get(name).example_path().read_bytes()
    db = tmp_path / "s.duckdb"
    result = CliRunner().invoke(cli, ["--db", str(db), "ingest", name, "-"],
                                input=gzip.compress(data) if packed == "gzip" else data)
    assert result.exit_code == 0, result.output
    assert sources_recorded(db) == ({"-"}, [["-"]])
    assert "/cloudcarbon-stdin-" not in result.stderr


def test_parquet_through_a_real_pipe(tmp_path: Path) -> None:
    demo = Path(__file__).resolve().parents[1] / "cloudcarbon" / "demo" / DEMO_FILE
    db = tmp_path / "s.duckdb"
    with demo.open("rb") as piped:
        done = subprocess.run([str(CLOUDCARBON), "--db", str(db), "ingest", "aws", "-"], stdin=piped,
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "(cur2-parquet): 6,285 rows read, 5,909 kept" in done.stderr
    assert sources_recorded(db) == ({"-"}, [["-"]])
    assert not list(Path("/tmp").glob("cloudcarbon-stdin-*/stdin.parquet"))


def test_stdin_beside_files_and_errors_name_the_pipe(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    example = connectors.get("aws").example_path()
    result = CliRunner().invoke(cli, ["--db", str(db), "ingest", "aws", str(example), "-"], input=b"")
    one_line_error(result, "- (stdin)", "empty")
    cut = example.read_bytes()[:-9]
    one_line_error(CliRunner().invoke(cli, ["--db", str(db), "ingest", "aws", "-"], input=cut), "- (stdin)",
                   "truncated")
    usage_error(CliRunner().invoke(cli, ["--db", str(db), "ingest", "aws", "-", "-"], input=b"x"), "-", "once")
    assert not db.exists() or sources_recorded(db) == (set(), [])
