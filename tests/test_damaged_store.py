"""A damaged store file (truncated, overwritten, bytes flipped or replaced) is refused in one line that says
so and how to rebuild it, by every command and by `serve`; nothing writes into it; `backup` never copies it.

DuckDB verifies a block's checksum when it reads the block, so damage a command does not read goes unseen by
that command: every command checks the file's length and reads the small tables at open, `doctor --deep`,
`backup` and every ingest (before it writes) read every block in use.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner, Result
from conftest import one_line_error
from curfiles import item, write_cur
from storecommands import MONTH, command_args, get, served

from cloudcarbon.cli import cli
from cloudcarbon.demo import run_demo


def overwrite(start: Callable[[int], int], length: int) -> Callable[[Path], None]:
    """Damage: `length` random bytes written at `start(file size)`."""

    def damage(path: Path) -> None:
        with path.open("r+b") as file:
            file.seek(start(path.stat().st_size))
            file.write(random.Random(length).randbytes(length))

    return damage


def flip_bytes(count: int) -> Callable[[Path], None]:
    def damage(path: Path) -> None:
        chooser = random.Random(count)
        data = bytearray(path.read_bytes())
        for offset in chooser.sample(range(len(data)), count):
            data[offset] ^= 0xFF
        path.write_bytes(bytes(data))

    return damage


# The corruption modes of the December 2026 adversarial pass, and DuckDB's two database headers.
MODES: dict[str, Callable[[Path], None]] = {
    "truncated-to-0": lambda path: os.truncate(path, 0),
    "truncated-to-4k": lambda path: os.truncate(path, 4096),
    "truncated-to-half": lambda path: os.truncate(path, path.stat().st_size // 2),
    "header-overwritten": overwrite(lambda size: 0, 4096),
    "database-headers-overwritten": overwrite(lambda size: 4096, 8192),
    "200-flipped-bytes": flip_bytes(200),
    "64k-random-mid-file": overwrite(lambda size: size // 2, 65536),
}
COMMANDS = ["footprint", "unknowns", "report", "whatif", "ingest-aws", "ingest-focus", "run-monthly", "demo",
            "doctor", "doctor-deep", "backup"]


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    run_demo(str(path))
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "absent"


def damaged_line(result: Result, db: Path) -> str:
    line = one_line_error(result, str(db), "damaged")
    assert "backup" in line and "re-ingest" in line, line
    return line


@pytest.mark.parametrize("mode", MODES)
def test_every_command_refuses_a_damaged_store_in_one_line(tmp_path, demo_store, mode):
    db = tmp_path / "store.duckdb"
    shutil.copy(demo_store, db)
    MODES[mode](db)
    damaged = digest(db)
    for command in COMMANDS:
        args = command_args(command, tmp_path / "inputs")
        result = CliRunner().invoke(cli, ["--db", str(db), *args])
        damaged_line(result, db)
        assert digest(db) == damaged, command  # nothing wrote into it
        assert sorted(p.name for p in tmp_path.iterdir()) == ["inputs", "store.duckdb"], command  # no scratch store
        assert not (tmp_path / "inputs" / "backup.duckdb").exists()


def test_serve_answers_503_naming_the_damage(tmp_path, demo_store):
    db = tmp_path / "store.duckdb"
    shutil.copy(demo_store, db)
    with served(db) as url:
        assert get(f"{url}/api/footprint")[0] == 200
        for mode, damage in MODES.items():
            shutil.copy(demo_store, db)
            damage(db)
            for path in ("/api/footprint", f"/api/report?month={MONTH}", "/api/unknowns"):
                status, body = get(url + path)
                assert status == 503, (mode, path, status, body)
                assert str(db) in body and "damaged" in body, (mode, body)
        shutil.copy(demo_store, db)
        assert get(f"{url}/api/footprint")[0] == 200  # a restored file is served again


# ---------------------------------------------------------------------------------------------
# Damage no read touches: found before any write, by doctor --deep and by backup
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def large_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200,000 lines with distinct resource ids: resource_id fills blocks of its own."""
    folder = tmp_path_factory.mktemp("large")
    one = write_cur(folder / "one.parquet", [item()])
    month = folder / "month.parquet"
    with duckdb.connect() as con:
        con.execute(f"""
            COPY (SELECT * REPLACE ('i-' || md5(n::VARCHAR) AS line_item_resource_id,
                                    n % 700 + 0.5 AS line_item_usage_amount)
                  FROM read_parquet('{one}'), range(200000) r(n))
            TO '{month}' (FORMAT parquet)
        """)
    db = folder / "store.duckdb"
    result = CliRunner().invoke(cli, ["--db", str(db), "ingest", "aws", str(month)])
    assert result.exit_code == 0, result.output
    return db


def blocks_of_only(db: Path, column: str) -> list[int]:
    """Blocks that hold data of `column` (table.column) and of nothing else."""
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        owners: dict[int, set[str]] = {}
        for table in tables:
            for name, block in con.execute(f"SELECT column_name, block_id FROM pragma_storage_info('{table}') "
                                           "WHERE block_id >= 0").fetchall():
                owners.setdefault(block, set()).add(f"{table}.{name}")
    return sorted(block for block, names in owners.items() if names == {column})


def test_damage_no_read_touches_is_found_before_an_ingest_writes(tmp_path, large_store):
    db = tmp_path / "store.duckdb"
    shutil.copy(large_store, db)
    clean = CliRunner().invoke(cli, ["--db", str(db), "footprint", "--by", "month,service", "--format", "csv"])
    assert clean.exit_code == 0, clean.output
    blocks = blocks_of_only(db, "usage_resource.resource_id")
    assert blocks, "resource_id shares every block; the store is too small for this test"
    # 64 KiB of random bytes inside a block only resource_id uses (block ids count from the 12 KiB of headers).
    with duckdb.connect(str(db), read_only=True) as con:
        block_size = con.execute("SELECT block_size FROM pragma_database_size()").fetchall()[0][0]
    overwrite(lambda size: 3 * 4096 + blocks[0] * block_size + 4096, 65536)(db)
    damaged = digest(db)

    def run(*args: str) -> Result:
        return CliRunner().invoke(cli, ["--db", str(db), *args])

    # A footprint by month reads no resource id: its figures are the store's, undamaged.
    same = run("footprint", "--by", "month,service", "--format", "csv")
    assert same.exit_code == 0 and same.stdout == clean.stdout, same.output
    # Reading the damaged block says so (the trace reads every usage row; grouped figures come from the stored
    # footprint, which holds no damage).
    damaged_line(run("footprint", "--trace"), db)
    # An ingest reads every block before it writes, and refuses; so do doctor --deep and backup.
    inputs = tmp_path / "inputs"
    for command in ("ingest-aws", "doctor-deep", "backup"):
        damaged_line(run(*command_args(command, inputs)), db)
    assert digest(db) == damaged
    assert not (inputs / "backup.duckdb").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inputs", "store.duckdb"]
