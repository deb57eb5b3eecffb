"""Every registered connector (connectors/__init__.py), whatever it reads, keeps the same contract: its command
is `cloudcarbon ingest NAME`, its example export ingests and re-ingests to the same store, a cut-off or empty
file is one line naming it with the store unchanged, it ships its SQL and example, and it imports no other
connector. A new connector is covered here by adding its name to the registry."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import fingerprint, one_line_error

from cloudcarbon import connectors
from cloudcarbon.cli import cli

ROOT = Path(__file__).resolve().parents[1]
NAMES = connectors.NAMES


def ingest(db: Path, name: str, path: Path):
    return CliRunner().invoke(cli, ["--db", str(db), "ingest", name, str(path)])


def stored(db: Path, table: str = "usage") -> list[tuple]:
    """What the store holds of the table a connector writes: every stored column but the ingest id."""
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f"SELECT * EXCLUDE (x_ingest_id) FROM {table} ORDER BY ALL").fetchall()


@pytest.mark.parametrize("name", NAMES)
def test_the_command_is_ingest_name(name: str) -> None:
    registered = connectors.get(name)
    assert registered.name == name and registered.command.name == name.replace("_", "-")
    assert cli.get_command(None, "ingest").get_command(None, name) is registered.command  # type: ignore[union-attr]
    assert registered.reads and registered.example_path() is not None and registered.example_path().is_file()


@pytest.mark.parametrize("name", NAMES)
def test_the_example_ingests_and_reingests_to_the_same_store(name: str, tmp_path: Path) -> None:
    registered = connectors.get(name)
    db, example = tmp_path / "store.duckdb", registered.example_path()
    first = ingest(db, name, example)
    assert first.exit_code == 0, first.output
    assert "ingested 1 file(s)" in first.stderr and "period(s)" in first.stderr
    once = stored(db, registered.table)
    assert once
    again = ingest(db, name, example)
    assert again.exit_code == 0, again.output
    assert stored(db, registered.table) == once  # a period re-ingested is replaced, never added to


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("damage", ["empty", "cut mid-line", "header only", "binary"])
def test_a_damaged_export_is_one_line_and_changes_nothing(name: str, damage: str, tmp_path: Path) -> None:
    db, example = tmp_path / "store.duckdb", connectors.get(name).example_path()
    assert ingest(db, name, example).exit_code == 0
    before = fingerprint(db)
    text = example.read_bytes()
    damaged = tmp_path / f"damaged{example.suffix}"
    damaged.write_bytes({"empty": b"", "cut mid-line": text[: len(text) // 2 + 7],
                         "header only": text.split(b"\n", 1)[0] + b"\n",
                         "binary": bytes(range(256)) * 8}[damage])
    one_line_error(ingest(db, name, damaged), str(damaged))
    assert fingerprint(db) == before


@pytest.fixture(scope="module")
def wheel_files(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The files of a wheel built from this checkout, as pip would install them."""
    out = tmp_path_factory.mktemp("wheel")
    # From a copy: a build writes build/ and *.egg-info beside the sources, and xdist workers may build at once.
    source = shutil.copytree(ROOT, out / "src", ignore=shutil.ignore_patterns(
        ".venv", ".git", "build", "*.egg-info", "__pycache__", "tests", "benchmarks", "artifacts"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(source)],
                   check=True, capture_output=True, timeout=600)
    (wheel,) = out.glob("cloudcarbon-*.whl")
    with zipfile.ZipFile(wheel) as opened:
        return set(opened.namelist())


@pytest.mark.parametrize("name", NAMES)
def test_the_package_ships_the_connector_with_its_sql_and_example(name: str, wheel_files: set[str]) -> None:
    """No packaging edit for a new connector: setup.py finds every folder, with its code, SQL and example."""
    folder = ROOT / "connectors" / name
    shipped = {f"cloudcarbon/connectors/{name}/{path.name}" for path in folder.iterdir()
               if path.suffix in (".py", ".sql") or path.name == connectors.get(name).example}
    assert shipped and shipped <= wheel_files, sorted(shipped - wheel_files)
    assert not list((ROOT / "queries").glob(f"{name}_*.sql")), "a connector's SQL lives in its own folder"


@pytest.mark.parametrize("name", NAMES)
def test_no_connector_imports_another(name: str) -> None:
    others = {f"cloudcarbon.connectors.{other}" for other in NAMES if other != name}
    for source in (ROOT / "connectors" / name).glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for module in modules:
                assert not any(module == o or module.startswith(o + ".") for o in others), (source.name, module)


def test_every_connector_folder_is_registered() -> None:
    folders = {p.parent.name for p in (ROOT / "connectors").glob("*/__init__.py")}
    assert folders == set(NAMES)
