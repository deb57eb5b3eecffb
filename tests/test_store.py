"""The store: where it lives (--db > CLOUDCARBON_DB > default), how it is migrated, that re-ingesting
replaces instead of doubling, and that a busy, missing or foreign store file, or one a newer release wrote,
is one clear line."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import platformdirs
import pytest
from click.testing import CliRunner
from conftest import fingerprint, one_line_error
from curfiles import item, write_cur
from storecommands import COMMANDS, MONTH, command_args, get, served

from cloudcarbon import store
from cloudcarbon.cli import cli
from cloudcarbon.demo import run_demo


def totals(db: Path) -> dict[tuple[str, str], tuple[int, float, float]]:
    """(billing account, YYYY-MM) -> (rows, usage amount, effective cost) held by the store."""
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            """
            SELECT billing_account_id, strftime(billing_period_start, '%Y-%m'), count(*),
                   round(sum(consumed_quantity), 6), round(sum(effective_cost), 6)
            FROM usage GROUP BY ALL ORDER BY ALL
            """
        ).fetchall()
    return {(account, period): (n, amount, cost) for account, period, n, amount, cost in rows}


def lines(count: int, amount: float, **fields: object) -> list[dict]:
    """`count` distinct usage lines of `amount` hours at 0.1 per hour."""
    return [item(amount=amount, cost=amount / 10, resource_id=f"i-{n:04d}", **fields) for n in range(count)]


FEB = {"period": "2025-02", "start": "2025-02-01T00:00:00Z", "end": "2025-02-01T01:00:00Z"}


# ---------------------------------------------------------------------------------------------
# Migrations
# ---------------------------------------------------------------------------------------------


MIGRATIONS = [(version, name) for version, name, _ in store.migrations()]
LATEST = MIGRATIONS[-1][0]


def test_a_new_store_records_its_migrations_once(db):
    assert [v for v, _ in MIGRATIONS] == list(range(1, LATEST + 1))  # numbered without gaps
    with store.open_store(db) as con:
        assert con.execute("SELECT version, name FROM schema_migrations ORDER BY 1").fetchall() == MIGRATIONS
        tables = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        assert {"schema_migrations", "usage", "ingests", "ingest_periods"} <= tables
    # Reopening (writable and read-only) applies nothing again.
    with store.open_store(db) as con:
        assert store.migrate(con) == LATEST
        counts = con.execute("SELECT count(*), count(applied_at) FROM schema_migrations").fetchall()
        assert counts == [(LATEST, LATEST)]
    with store.open_store(db, read_only=True) as con:
        assert store.schema_version(con) == LATEST


def test_an_older_store_is_upgraded_in_place_keeping_its_data(tmp_path, run, db):
    """A store written by an older release (only migration 1) opens, upgrades, and keeps its rows."""
    _, _, first = store.migrations()[0]
    with duckdb.connect(str(db)) as con:
        for statement in con.extract_statements(first):
            con.execute(statement)
        con.execute("INSERT INTO schema_migrations VALUES (1, 'initial', now())")
        con.execute(
            "INSERT INTO usage (charge_period_start, billing_period_start, provider_name, billing_account_id, "
            "x_usage_kind, x_ingest_id) VALUES ('2024-01-01', '2024-01-01', 'AWS', '1', 'other', 'old')"
        )
    run("footprint", "--format", "json")  # read-only commands upgrade too
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT max(version) FROM schema_migrations").fetchall() == [(LATEST,)]
        assert con.execute("SELECT count(*) FROM usage WHERE x_ingest_id = 'old'").fetchall() == [(1,)]
        columns = {c for (c,) in con.execute("SELECT column_name FROM information_schema.columns "
                                             "WHERE table_name = 'usage'").fetchall()}
    assert "x_storage_class" in columns


def test_the_cli_creates_a_migrated_store_on_first_ingest(tmp_path, run, db):
    assert not db.exists()
    run("ingest", "aws", str(write_cur(tmp_path / "cur.parquet", lines(1, 1.0))))
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT max(version) FROM schema_migrations").fetchall() == [(LATEST,)]


@pytest.fixture(scope="module")
def newer_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store as the next release would leave it: one migration past ours, adding a column."""
    path = tmp_path_factory.mktemp("newer") / "newer.duckdb"
    run_demo(str(path))
    with duckdb.connect(str(path)) as con:
        con.execute("ALTER TABLE usage_line ADD COLUMN x_from_the_future VARCHAR")
        con.execute("INSERT INTO schema_migrations VALUES ($1, 'from_the_future', now())", [LATEST + 1])
    return path


def newer_schema_line(line: str, db: Path) -> None:
    assert f"store {db} has schema version {LATEST + 1}, this cloudcarbon knows up to {LATEST}" in line, line
    assert "pip install -U cloudcarbon" in line and "--db" in line, line


@pytest.mark.parametrize("command", COMMANDS)
def test_a_store_from_a_newer_release_is_refused_by_every_command(tmp_path, newer_store, command):
    """A newer release's migration may change what a column means: reading or writing such a store with this
    release would misread it or write rows the newer one misreads."""
    db = tmp_path / "store.duckdb"
    shutil.copy(newer_store, db)
    before = fingerprint(db)
    args = command_args(command, tmp_path / "inputs")
    newer_schema_line(one_line_error(CliRunner().invoke(cli, ["--db", str(db), *args]), str(db)), db)
    assert fingerprint(db) == before
    assert not list(tmp_path.glob("store.duckdb.*"))  # no scratch store or marker left
    assert not (tmp_path / "inputs" / "backup.duckdb").exists()


def test_serve_refuses_a_store_from_a_newer_release(tmp_path, newer_store):
    db = tmp_path / "store.duckdb"
    shutil.copy(newer_store, db)
    with served(db) as url:
        for path in ("/api/footprint", f"/api/report?month={MONTH}", "/"):
            status, body = get(url + path)
            assert status == 503, (path, status, body)
            newer_schema_line(json.loads(body)["error"], db)


# ---------------------------------------------------------------------------------------------
# Where the store lives: --db > CLOUDCARBON_DB > platformdirs' user data dir
# ---------------------------------------------------------------------------------------------


def test_resolve_db_path_precedence(tmp_path, monkeypatch):
    assert store.resolve_db_path(None) == store.default_db_path()
    monkeypatch.setenv(store.DB_ENV_VAR, str(tmp_path / "env.duckdb"))
    assert store.resolve_db_path(None) == tmp_path / "env.duckdb"
    assert store.resolve_db_path(tmp_path / "flag.duckdb") == tmp_path / "flag.duckdb"
    assert store.resolve_db_path("~/x.duckdb") == Path.home() / "x.duckdb"


def test_the_default_is_in_the_user_data_dir_and_in_help():
    default = store.default_db_path()
    assert default.parent == Path(platformdirs.user_data_dir("cloudcarbon"))
    assert default.suffix == ".duckdb"
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert str(default) in " ".join(result.output.split())  # click re-wraps help text at spaces
    assert store.DB_ENV_VAR in result.output


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point platformdirs' user data dir into tmp_path, so the default store can be exercised for real."""
    if not sys.platform.startswith("linux"):
        pytest.skip("XDG_DATA_HOME moves the user data dir on Linux only")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "cloudcarbon" / "cloudcarbon.duckdb"


def ingest_without_db(tmp_path: Path, env: dict[str, str] | None = None) -> None:
    """An ingest with no --db at all (conftest's `run` always passes one)."""
    source = write_cur(tmp_path / "cur.parquet", lines(1, 1.0))
    result = CliRunner(env=env).invoke(cli, ["ingest", "aws", str(source)])
    assert result.exit_code == 0, (result.output, result.exception)


def test_without_db_or_env_the_default_store_is_used(tmp_path, data_home):
    ingest_without_db(tmp_path)
    assert data_home.exists()


def test_env_beats_the_default(tmp_path, data_home):
    ingest_without_db(tmp_path, env={store.DB_ENV_VAR: str(tmp_path / "env.duckdb")})
    assert (tmp_path / "env.duckdb").exists()
    assert not data_home.exists()


def test_a_subcommand_db_beats_env(tmp_path, data_home):
    source = write_cur(tmp_path / "cur.parquet", lines(1, 1.0))
    result = CliRunner(env={store.DB_ENV_VAR: str(tmp_path / "env.duckdb")}).invoke(
        cli, ["ingest", "aws", str(source), "--db", str(tmp_path / "flag.duckdb")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "flag.duckdb").exists()
    assert not (tmp_path / "env.duckdb").exists()


def test_the_group_db_beats_env(tmp_path, data_home):
    source = write_cur(tmp_path / "cur.parquet", lines(1, 1.0))
    result = CliRunner(env={store.DB_ENV_VAR: str(tmp_path / "env.duckdb")}).invoke(
        cli, ["--db", str(tmp_path / "flag.duckdb"), "ingest", "aws", str(source)]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "flag.duckdb").exists()
    assert not (tmp_path / "env.duckdb").exists()


# ---------------------------------------------------------------------------------------------
# Re-ingest: idempotent per (provider, account, period); restatements replace; others are kept
# ---------------------------------------------------------------------------------------------


def test_reingesting_the_same_file_is_idempotent(tmp_path, run, db):
    path = write_cur(tmp_path / "cur.csv", lines(4, 2.0), "legacy")
    first = run("ingest", "aws", str(path))
    assert "(new)" in first.stderr
    before = totals(db)
    second = run("ingest", "aws", str(path))
    assert "(replaced)" in second.stderr
    assert totals(db) == before == {("012345678901", "2025-01"): (4, 8.0, 0.8)}
    with duckdb.connect(str(db), read_only=True) as con:
        logged = con.execute(
            """
            SELECT p.rows_kept, p.rows_replaced, round(p.effective_cost, 6)
            FROM ingest_periods p JOIN ingests i USING (ingest_id) ORDER BY i.started_at
            """
        ).fetchall()
        assert con.execute("SELECT count(*) FROM ingests").fetchall() == [(2,)]
    assert logged == [(4, 0, 0.8), (4, 4, 0.8)]


def test_a_restated_period_replaces_the_old_rows(tmp_path, run, db):
    run("ingest", "aws", str(write_cur(tmp_path / "v1.parquet", lines(4, 2.0))))
    # AWS restates January: fewer lines, different amounts, a different file name.
    run("ingest", "aws", str(write_cur(tmp_path / "v2.csv.gz", lines(3, 5.0), "legacy")))
    assert totals(db) == {("012345678901", "2025-01"): (3, 15.0, 1.5)}


def test_other_accounts_and_periods_are_kept(tmp_path, run, db):
    run("ingest", "aws", str(write_cur(tmp_path / "jan-feb.parquet", lines(2, 1.0) + lines(2, 3.0, **FEB))))
    run("ingest", "aws", str(write_cur(tmp_path / "other-payer.parquet", lines(1, 7.0, payer="222222222222"))))
    # Restating January alone must not touch February or the other payer.
    run("ingest", "aws", str(write_cur(tmp_path / "jan.parquet", lines(5, 1.0))))
    assert totals(db) == {
        ("012345678901", "2025-01"): (5, 5.0, 0.5),
        ("012345678901", "2025-02"): (2, 6.0, 0.6),
        ("222222222222", "2025-01"): (1, 7.0, 0.7),
    }


# ---------------------------------------------------------------------------------------------
# A busy, missing or foreign store
# ---------------------------------------------------------------------------------------------

# Holds a read-write connection until its stdin closes, so it also exits if the test run dies.
HOLD = "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('ready', flush=True); sys.stdin.read()"


@dataclass
class Holder:
    """Another process with the store open for writing (DuckDB allows one writing process)."""

    process: subprocess.Popen[str]

    @property
    def pid(self) -> int:
        return self.process.pid

    def release(self) -> None:
        """Close its stdin and wait for it to exit, which drops the lock."""
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()  # our own child, by its handle
                self.process.wait()


@pytest.fixture
def seeded(tmp_path: Path, run, db: Path) -> str:
    """A store holding a month of data; returns its fingerprint."""
    run("ingest", "aws", str(write_cur(tmp_path / "seed.parquet", lines(2, 1.0))))
    return fingerprint(db)


@pytest.fixture
def holder(seeded: str, db: Path) -> Iterator[Holder]:
    # Depends on `seeded`: the store must exist (and the seed ingest needs the lock) before it is held.
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(db)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    held = Holder(process)
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        yield held
    finally:
        held.release()


@pytest.mark.parametrize("command", [["footprint"], ["unknowns"], ["ingest", "aws", "NEW"]],
                         ids=["footprint", "unknowns", "ingest"])
def test_a_busy_store_names_the_holder(tmp_path, holder, run, db, command):
    new = write_cur(tmp_path / "new.parquet", lines(1, 9.0, payer="333333333333"))
    args = [str(new) if arg == "NEW" else arg for arg in command]
    one_line_error(run(*args, expect=1), "busy", f"process {holder.pid}", str(db))


def test_a_refused_ingest_leaves_a_busy_store_unchanged(tmp_path, seeded, holder, run, db):
    new = write_cur(tmp_path / "new.parquet", lines(1, 9.0, payer="333333333333"))
    one_line_error(run("ingest", "aws", str(new), expect=1), "busy")
    holder.release()  # reading the store for the fingerprint needs the lock back
    assert fingerprint(db) == seeded
    run("ingest", "aws", str(new))  # and once released, the same ingest goes through
    assert ("333333333333", "2025-01") in totals(db)


def test_footprint_without_a_store_says_ingest_first(tmp_path, run, db):
    line = one_line_error(run("footprint", expect=1), str(db), "ingest")
    assert "no store" in line
    assert not db.exists()  # a read-only command must not leave an empty store behind


def test_a_file_that_is_not_duckdb(tmp_path, run, db):
    db.write_text("name,amount\nnot,a database\n")
    for command in (["footprint"], ["ingest", "aws", str(write_cur(tmp_path / "cur.parquet", lines(1, 1.0)))]):
        one_line_error(run(*command, expect=1), str(db), "DuckDB")
    assert db.read_text() == "name,amount\nnot,a database\n"  # never overwritten


def test_footprint_on_a_duckdb_file_that_is_not_a_store(run, db):
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE TABLE sales (id INTEGER)")
    one_line_error(run("footprint", expect=1), str(db), "not a cloudcarbon store")


@pytest.mark.parametrize("foreign_table", ["sales", "usage"])
def test_ingest_refuses_a_duckdb_file_that_is_not_a_store(tmp_path, run, db, foreign_table):
    with duckdb.connect(str(db)) as con:
        con.execute(f"CREATE TABLE {foreign_table} (id INTEGER)")
    before = fingerprint(db)
    one_line_error(run("ingest", "aws", str(write_cur(tmp_path / "cur.parquet", lines(1, 1.0))), expect=1),
                   str(db), "not a cloudcarbon store")
    assert fingerprint(db) == before
