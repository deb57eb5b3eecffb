"""An ingest reads its exports into a scratch store beside the store and moves the finished rows in with one
short transaction, so readers keep answering while it works, and nothing is left behind when it fails or
is killed."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import duckdb
from click.testing import CliRunner
from conftest import fingerprint, one_line_error
from curfiles import item, write_cur
from faulthelpers import cloudcarbon, finish, period_state
from test_load_10m import month_sql

from cloudcarbon.cli import cli
from cloudcarbon.staging import _claim


def scratch_stores(db) -> list:
    return sorted(db.parent.glob(f"{db.name}.staging-*"))


def test_readers_answer_from_the_old_store_while_an_ingest_reads_its_export(tmp_path, run, db):
    run("ingest", "aws", str(write_cur(tmp_path / "first.parquet", [item()])))
    before = run("footprint", "--by", "account", "--format", "csv").stdout
    export = tmp_path / "month.parquet"
    with duckdb.connect() as con:
        con.execute(f"COPY ({month_sql(600_000)}) TO '{export}' (FORMAT parquet)")
    writer = cloudcarbon(db, "ingest", "aws", str(export))
    answers = []
    while writer.poll() is None:
        if scratch_stores(db):  # the ingest is under way (its scratch store goes once the rows are in)
            result = run("footprint", "--by", "account", "--format", "csv", expect=None)
            if result.exit_code == 0:
                answers.append(result.stdout)
            else:
                one_line_error(result, "busy", "retry", str(db))  # the rows are moving in
        time.sleep(0.05)
    code, _, err = finish(writer)
    assert code == 0, err
    after = run("footprint", "--by", "account", "--format", "csv").stdout
    assert after != before
    assert set(answers) <= {before, after}  # the store as it was or as it is, never a part of the new rows
    assert answers.count(before) > 0  # answered from the old store while the ingest read its export
    assert scratch_stores(db) == []


def test_a_failed_ingest_leaves_the_store_as_it_was_and_no_scratch_store(tmp_path, run, db):
    run("ingest", "aws", str(write_cur(tmp_path / "first.parquet", [item()])))
    before = fingerprint(db)
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1" + bytes(range(256)) * 8)
    one_line_error(run("ingest", "aws", str(broken), expect=1), str(broken))
    bad_hours = write_cur(tmp_path / "bad.parquet", [item(amount=10_000.0)])  # more hours than January has
    one_line_error(run("ingest", "aws", str(bad_hours), expect=1), str(bad_hours))
    assert fingerprint(db) == before
    assert scratch_stores(db) == []


def test_scratch_stores_of_killed_ingests_are_removed_and_live_ones_kept(tmp_path, run, db):
    run("ingest", "aws", str(write_cur(tmp_path / "first.parquet", [item()])))
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = db.with_name(f"{db.name}.staging-{int(gone.stdout)}")
    for path in (dead, dead.with_name(dead.name + ".wal")):
        path.write_bytes(b"left by a killed ingest")
    (dead.with_name(dead.name + ".tmp")).mkdir()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        busy = db.with_name(f"{db.name}.staging-{alive.pid}")
        busy.write_bytes(b"another ingest, still reading its export")
        run("ingest", "aws", str(write_cur(tmp_path / "second.parquet", [item(amount=2.0)])))
    finally:
        alive.kill()  # our own child, by its handle
        alive.wait()
    assert scratch_stores(db) == [busy]
    assert period_state(db) == {("012345678901", "2025-01"): (1, 1, 2.0)}


def test_a_store_whose_path_holds_quotes_and_globs_takes_ingests(tmp_path):
    from click.testing import CliRunner

    from cloudcarbon.cli import cli

    folder = tmp_path / "it's [a] store; DROP TABLE usage"
    db = folder / "o'brien*.duckdb"
    for amount in (1.0, 3.0):  # the second restates the month through the same scratch-store path
        export = write_cur(tmp_path / f"cur-{amount}.parquet", [item(amount=amount)])
        result = CliRunner().invoke(cli, ["--db", str(db), "ingest", "aws", str(export)])
        assert result.exit_code == 0, result.output
    assert period_state(db) == {("012345678901", "2025-01"): (1, 1, 3.0)}
    assert scratch_stores(db) == []


def _stored(db, account: str) -> tuple:
    """An account's usage rows (without the ingest's id), ingest periods and stored footprint, as text."""
    with duckdb.connect(str(db), read_only=True) as con:
        usage = con.execute("SELECT CAST(COLUMNS(* EXCLUDE (x_ingest_id)) AS VARCHAR) FROM usage "
                            "WHERE billing_account_id = $a ORDER BY ALL", {"a": account}).fetchall()
        periods = con.execute("SELECT CAST(COLUMNS(* EXCLUDE (ingest_id)) AS VARCHAR) FROM ingest_periods "
                              "WHERE billing_account_id = $a ORDER BY ALL", {"a": account}).fetchall()
        figures = con.execute("SELECT CAST(COLUMNS(* EXCLUDE (coefficients_version, tool_version)) AS VARCHAR) "
                              "FROM footprint WHERE billing_account_id = $a ORDER BY ALL", {"a": account}).fetchall()
        unfinished = con.execute("SELECT count(*) FROM ingests WHERE finished_at IS NULL").fetchall()[0][0]
    return usage, periods, figures, unfinished


def test_a_first_ingest_becomes_the_store_with_what_a_copy_would_hold(tmp_path, run, db):
    """With no store yet, the finished scratch store takes the store's name instead of being copied (issue #17):
    the same rows, periods and stored emissions as an ingest copied into an existing store, nothing left over."""
    export = write_cur(tmp_path / "a.parquet", [item(payer="111111111111"),
                                                item(payer="111111111111", usage_type="BoxUsage:c5.xlarge")])
    run("ingest", "aws", str(export))
    assert scratch_stores(db) == [] and not list(tmp_path.glob("*.wal"))
    other = tmp_path / "other.duckdb"  # the copy path: a store that exists already
    CliRunner().invoke(cli, ["--db", str(other), "ingest", "aws",
                             str(write_cur(tmp_path / "b.parquet", [item(payer="222222222222")]))])
    copied = CliRunner().invoke(cli, ["--db", str(other), "ingest", "aws", str(export)])
    assert copied.exit_code == 0, copied.output
    first = _stored(db, "111111111111")
    assert first == _stored(other, "111111111111")
    assert first[0] and first[2] and first[3] == 0
    totals = run("footprint", "--by", "account", "--format", "json").stdout
    assert json.loads(totals)["rows"][0]["total_kgco2e"] > 0
    run("ingest", "aws", str(write_cur(tmp_path / "c.parquet", [item(payer="333333333333")])))  # then copied in
    assert {r[0] for r in duckdb.connect(str(db), read_only=True).execute(
        "SELECT DISTINCT billing_account_id FROM usage").fetchall()} == {"111111111111", "333333333333"}


def test_a_store_that_appears_meanwhile_is_never_replaced(tmp_path):
    """Two first ingests at once: the scratch store takes the name only if no store holds it (a link, not a
    rename), so the later one moves its rows in as usual."""
    scratch, store = tmp_path / "s.duckdb.staging-1", tmp_path / "s.duckdb"
    scratch.write_bytes(b"scratch")
    store.write_bytes(b"store")
    assert not _claim(scratch, store) and store.read_bytes() == b"store"
    store.unlink()
    leftover = tmp_path / "s.duckdb.wal"  # a log a store left behind is never replayed into the scratch store
    leftover.write_bytes(b"log")
    assert not _claim(scratch, store) and not store.exists()
    leftover.unlink()
    assert _claim(scratch, store) and store.read_bytes() == b"scratch"
