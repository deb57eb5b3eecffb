"""Property-based tests (hypothesis) over format detection and parsing: random bytes, truncated archives,
wrong encodings, mangled headers and hostile values. Each input either ingests under a documented rule
(METHODOLOGY.md, "Data rules") or fails with one `Error:` line, exit 1 and the store unchanged; none
crashes with a traceback.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import azurefiles
import duckdb
import gcpfiles
import pytest
from click.testing import CliRunner, Result
from conftest import fingerprint, one_line_error
from curfiles import item, write_cur
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_focus import row as focus_row
from test_focus import write_focus

from cloudcarbon import connectors
from cloudcarbon.cli import cli
from cloudcarbon.usage_store import delete_groups

FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SUFFIXES = [".csv", ".csv.gz", ".csv.zip", ".parquet"]
counter = itertools.count()


def ingest(db: Path, *files: Path) -> Result:
    return CliRunner().invoke(cli, ["--db", str(db), "ingest", "aws", *map(str, files)])


def fails_cleanly(result: Result) -> str:
    """Exit 1 with one `Error:` line and no traceback (what one_line_error checks, without names)."""
    return one_line_error(result)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One store holding a month, shared by the examples that must all fail; returns (db, fingerprint)."""
    folder = tmp_path_factory.mktemp("fuzz-seeded")
    db = folder / "store.duckdb"
    assert ingest(db, write_cur(folder / "seed.parquet", [item(payer="999999999999")])).exit_code == 0
    return db, fingerprint(db)


def fresh(folder: Path, name: str) -> Path:
    """A new file name per hypothesis example (function-scoped tmp_path is shared by examples)."""
    path = folder / f"{next(counter)}" / name
    path.parent.mkdir(parents=True)
    return path


# ---------------------------------------------------------------------------------------------
# Random bytes and truncated files: never a traceback, never a change
# ---------------------------------------------------------------------------------------------


@FUZZ
@given(data=st.binary(min_size=1, max_size=2048), suffix=st.sampled_from(SUFFIXES))
def test_random_bytes_fail_in_one_line(seeded, tmp_path, data, suffix):
    db, before = seeded
    path = fresh(tmp_path, "cur" + suffix)
    path.write_bytes(data)
    line = fails_cleanly(ingest(db, path))
    assert str(path) in line
    assert fingerprint(db) == before


@FUZZ
@given(data=st.binary(min_size=1, max_size=512), suffix=st.sampled_from(SUFFIXES))
def test_a_cur_header_followed_by_garbage_fails_in_one_line(seeded, tmp_path, data, suffix):
    """Bytes that start like a real export get past the first sniff, so the parsers see them."""
    db, before = seeded
    valid = write_cur(fresh(tmp_path, "valid" + suffix), [item()], "legacy" if suffix != ".parquet" else "cur2")
    raw = valid.read_bytes()
    path = fresh(tmp_path, "cur" + suffix)
    path.write_bytes(raw[: len(raw) // 3] + data)
    result = ingest(db, path)
    if result.exit_code == 0:  # garbage that happens to parse as more CSV cells is still rows with the rules applied
        assert suffix == ".csv"
        return
    fails_cleanly(result)
    assert fingerprint(db) == before


def forty_lines() -> list[dict]:
    return [item(amount=n + 1.0, cost=(n + 1) / 10, resource_id=f"i-{n:05d}") for n in range(40)]


@FUZZ
@given(suffix=st.sampled_from([".csv.gz", ".csv.zip", ".parquet", ".csv"]), cut=st.floats(0.01, 0.99))
def test_a_truncated_file_fails_in_one_line(seeded, tmp_path, suffix, cut):
    db, before = seeded
    path = write_cur(fresh(tmp_path, "cur" + suffix), forty_lines(), "legacy" if suffix != ".parquet" else "cur2")
    raw = path.read_bytes()
    keep = max(1, int(len(raw) * cut))
    assume(not (suffix == ".csv" and raw[keep - 1:keep] == b"\n"))  # a cut at a line end is a shorter, valid file
    path.write_bytes(raw[:keep])
    fails_cleanly(ingest(db, path))
    assert fingerprint(db) == before


# ---------------------------------------------------------------------------------------------
# Encodings: UTF-8 (with or without BOM) is read; anything else is one line saying so
# ---------------------------------------------------------------------------------------------


ENCODINGS = [
    ("utf-8", b"", True),
    ("utf-8", b"\xef\xbb\xbf", True),  # Excel's UTF-8 BOM
    ("utf-16-le", b"\xff\xfe", False),
    ("utf-16-be", b"\xfe\xff", False),
    ("latin-1", b"", False),
]


@pytest.mark.parametrize(("encoding", "bom", "readable"), ENCODINGS,
                         ids=[f"{e}{'-bom' if b else ''}" for e, b, _ in ENCODINGS])
def test_encodings(seeded, tmp_path, encoding, bom, readable):
    db, before = (tmp_path / "own.duckdb", "absent") if readable else seeded
    utf8 = write_cur(tmp_path / "utf8.csv", [item(operation="RunInstances:Café-Zürich")], "legacy")
    path = tmp_path / "cur.csv"
    path.write_bytes(bom + utf8.read_text(encoding="utf-8").encode(encoding))
    result = ingest(db, path)
    if readable:
        assert result.exit_code == 0, result.output
        with duckdb.connect(str(db), read_only=True) as con:
            assert con.execute("SELECT x_operation FROM usage WHERE x_source_file = ?", [str(path)]).fetchall() == [
                ("RunInstances:Café-Zürich",)]
        return
    line = fails_cleanly(result)
    assert str(path) in line
    assert fingerprint(db) == before


# ---------------------------------------------------------------------------------------------
# Headers: dropped, duplicated and reordered columns
# ---------------------------------------------------------------------------------------------

REQUIRED_LEGACY = ["bill/PayerAccountId", "bill/BillingPeriodStartDate", "lineItem/UsageAccountId",
                   "lineItem/LineItemType", "lineItem/UsageStartDate", "lineItem/UsageType", "lineItem/UsageAmount"]


def read_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def write_rows(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return path


@FUZZ
@given(data=st.data())
def test_mangled_headers(seeded, tmp_path, data):
    """Reorder, drop or duplicate columns: missing required columns are named; a reordered file reads the
    same; a duplicated column is refused by name (which copy holds the truth is unknowable)."""
    db, before = seeded
    rows = read_rows(write_cur(fresh(tmp_path, "v.csv"), forty_lines(), "legacy"))
    header = rows[0]
    order = data.draw(st.permutations(range(len(header))))
    dropped = data.draw(st.sets(st.sampled_from(header), max_size=3))
    duplicated = data.draw(st.sets(st.sampled_from(header), max_size=1))
    keep = [i for i in order if header[i] not in dropped]
    mangled = [[row[i] for i in keep] + [row[header.index(d)] for d in sorted(duplicated)] for row in rows]
    path = write_rows(fresh(tmp_path, "cur.csv"), mangled)
    result = ingest(db, path)
    missing = [c for c in REQUIRED_LEGACY if c in dropped and c not in duplicated]  # a dropped column re-added
    duplicate = [d for d in duplicated if d not in dropped]
    if missing or duplicate:
        line = fails_cleanly(result)
        assert fingerprint(db) == before
        assert any(name in line for name in [*missing, *duplicate]) or "required CUR column" in line, line
        return
    assert result.exit_code == 0, result.output
    with duckdb.connect(str(db)) as con:  # undo, so that the shared store stays as seeded
        stored = con.execute("SELECT count(*), sum(consumed_quantity) FROM usage WHERE x_source_file = ?",
                             [str(path)]).fetchall()
        ingest_id = con.execute("SELECT DISTINCT x_ingest_id FROM usage WHERE x_source_file = ?",
                                [str(path)]).fetchall()[0][0]
        delete_groups(con, "x_ingest_id = $id", {"id": ingest_id})
        con.execute("DELETE FROM ingest_periods WHERE ingest_id = ?", [ingest_id])
        con.execute("DELETE FROM ingests WHERE ingest_id = ?", [ingest_id])
    assert stored == [(40, sum(range(1, 41)))]


# ---------------------------------------------------------------------------------------------
# Values: the data rules, as a model. Generate lines, predict the outcome, compare with the store.
# ---------------------------------------------------------------------------------------------

HOURS_IN_JANUARY = 31 * 24
amounts = st.one_of(
    st.floats(-1e6, 1e6, allow_nan=False), st.just(math.nan), st.just(math.inf), st.just(-math.inf),
    st.just(1e300), st.just(-1e300), st.floats(HOURS_IN_JANUARY + 1, 1e6),
)
starts = st.one_of(
    st.integers(0, HOURS_IN_JANUARY - 1).map(lambda h: f"2025-01-{1 + h // 24:02d}T{h % 24:02d}:00:00Z"),
    st.sampled_from(["2024-12-31T23:00:00Z", "2025-02-01T00:00:00Z", "2025-03-15T10:00:00Z", "1999-01-01T00:00:00Z"]),
)


@st.composite
def usage_line(draw: st.DrawFn) -> dict:
    amount = draw(amounts)
    return item(
        amount=amount,
        cost=draw(st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(math.nan), st.just(1e300))),
        currency=draw(st.sampled_from(["USD", "EUR", "JPY", "CNY"])),
        start=draw(starts),
        end=None,
        resource_id=f"i-{draw(st.integers(0, 10**6))}",
    )


def broken_rule(line: dict) -> str | None:
    """What METHODOLOGY.md's data rules say about one usage line (None: it is kept as it is)."""
    amount, cost = line["amount"], line["cost"]
    if not math.isfinite(amount) or not math.isfinite(cost):
        return "not a finite number"
    if abs(amount) > 1e15 or abs(cost) > 1e15:
        return "beyond any real bill"
    if not line["start"].startswith("2025-01"):
        return "outside its billing period"
    if amount > HOURS_IN_JANUARY:
        return "more instance-hours than"
    return None


# Distinct resources: identical copies of a line are kept once (test_duplicates.py), which this model leaves out.
@FUZZ
@given(lines=st.lists(usage_line(), min_size=1, max_size=6, unique_by=lambda line: line["resource_id"]),
       suffix=st.sampled_from([".parquet", ".csv"]))
def test_values_follow_the_data_rules(tmp_path, lines, suffix):
    folder = fresh(tmp_path, "x").parent
    db = folder / "store.duckdb"
    assert ingest(db, write_cur(folder / "seed.parquet", [item(payer="999999999999")])).exit_code == 0
    before = fingerprint(db)
    path = write_cur(folder / f"cur{suffix}", lines, "cur2" if suffix == ".parquet" else "legacy")
    result = ingest(db, path)
    broken = [rule for rule in map(broken_rule, lines) if rule]
    if broken:
        line = fails_cleanly(result)
        assert str(path) in line and "fix or re-export" in line
        assert any(rule in line for rule in broken), (line, broken)
        assert fingerprint(db) == before
        return
    assert result.exit_code == 0, result.output
    with duckdb.connect(str(db), read_only=True) as con:
        stored = con.execute(
            "SELECT resource_id, consumed_quantity, effective_cost, billing_currency FROM usage "
            "WHERE x_source_file = ? ORDER BY ALL", [str(path)]
        ).fetchall()
    # Negative amounts and costs (corrections) are kept as billed; each row keeps its own currency.
    assert stored == sorted((line["resource_id"], line["amount"], line["cost"], line["currency"]) for line in lines)


def test_mixed_currencies_are_kept_per_row_and_never_summed_into_one(tmp_path, run, db):
    lines = [item(currency="USD", cost=10.0, resource_id="i-1"), item(currency="EUR", cost=5.0, resource_id="i-2")]
    run("ingest", "aws", str(write_cur(tmp_path / "cur.parquet", lines)))
    by_account = list(csv.DictReader(io.StringIO(run("footprint", "--by", "account", "--format", "csv").stdout)))
    assert [row["currency"] for row in by_account] == ["MIXED"]
    by_resource = csv.DictReader(io.StringIO(run("footprint", "--by", "resource", "--format", "csv").stdout))
    assert {row["currency"] for row in by_resource} == {"USD", "EUR"}


def test_dates_are_read_as_utc_whatever_the_machine_time_zone(tmp_path):
    """A month boundary line must stay in its month on a machine set to New York or Tokyo."""
    path = write_cur(tmp_path / "cur.csv", [item(start="2025-01-31T23:00:00Z", end="2025-02-01T00:00:00Z"),
                                             item(start="2025-01-01T00:00:00Z", resource_id="i-2")], "legacy")
    script = Path(sys.executable).parent / "cloudcarbon"
    for zone in ("America/New_York", "Asia/Tokyo"):
        db = tmp_path / f"{zone.replace('/', '-')}.duckdb"
        done = subprocess.run([str(script), "--db", str(db), "ingest", "aws", str(path)], capture_output=True,
                              text=True, env={**os.environ, "TZ": zone})
        assert done.returncode == 0, done.stderr
        with duckdb.connect(str(db), read_only=True) as con:
            rows = con.execute("SELECT strftime(billing_period_start, '%Y-%m'), strftime(charge_period_start, "
                               "'%Y-%m-%d %H') FROM usage ORDER BY 2").fetchall()
        assert rows == [("2025-01", "2025-01-01 00"), ("2025-01", "2025-01-31 23")], zone



# ---------------------------------------------------------------------------------------------
# The other connectors' format detection: random bytes and truncated files, for each container
# ---------------------------------------------------------------------------------------------

CONNECTOR_FUZZ = settings(FUZZ, max_examples=30)


def _gcp_export(path: Path) -> Path:
    writer = {".parquet": gcpfiles.write_parquet, ".jsonl": gcpfiles.write_jsonl}.get(path.suffix, gcpfiles.write_csv)
    return writer(path, gcpfiles.mixed_rows())


def _focus_export(path: Path) -> Path:
    return write_focus(path, [focus_row(ResourceId=f"i-{n}", ConsumedQuantity=n + 1.0) for n in range(40)])


# connector -> (suffixes its detection accepts, builder of a valid export at a path)
CONNECTOR_FORMATS = {
    "gcp": ([".csv", ".jsonl", ".parquet"], _gcp_export),
    "azure": ([".csv", ".csv.gz", ".parquet"], lambda path: azurefiles.write_export(path, azurefiles.mixed_rows())),
    "focus": ([".csv", ".csv.gz", ".parquet"], _focus_export),
}
# Every other registered connector is fuzzed from the example export in its folder, so a new one is covered.
def _copy_of(example: Path):
    return lambda path: Path(shutil.copyfile(example, path))


CONNECTOR_FORMATS |= {c.name: ([c.example_path().suffix], _copy_of(c.example_path()))
                      for c in connectors.every() if c.name not in CONNECTOR_FORMATS}
CONNECTOR_CASES = [(name, suffix) for name, (suffixes, _) in CONNECTOR_FORMATS.items() for suffix in suffixes]


def ingest_with(connector: str, db: Path, path: Path) -> Result:
    return CliRunner().invoke(cli, ["--db", str(db), "ingest", connector, str(path)])


def undo_ingest_of(db: Path, path: Path) -> int:
    """Remove what an ingest of `path` stored (so that the shared store stays as seeded); its row count. Usage
    connectors write usage, the providers' carbon exports provider_emissions (connectors/base.py, `table`)."""
    count = 0
    with duckdb.connect(str(db)) as con:
        for table, periods, log in (("usage", "ingest_periods", "ingests"),
                                    ("provider_emissions", "provider_ingest_periods", "provider_ingests")):
            ids = [i for (i,) in con.execute(f"SELECT DISTINCT x_ingest_id FROM {table} WHERE x_source_file = ?",
                                             [str(path)]).fetchall()]
            count += con.execute(f"SELECT count(*) FROM {table} WHERE x_source_file = ?", [str(path)]).fetchall()[0][0]
            for ingest_id in ids:
                if table == "usage":
                    delete_groups(con, "x_ingest_id = $id", {"id": ingest_id})
                else:
                    con.execute(f"DELETE FROM {table} WHERE x_ingest_id = ?", [ingest_id])
                con.execute(f"DELETE FROM {periods} WHERE ingest_id = ?", [ingest_id])
                con.execute(f"DELETE FROM {log} WHERE ingest_id = ?", [ingest_id])
                # and the emissions the ingest stored for its periods, by day and by month
                # (cloudcarbon/stored_footprint.py)
                for stored in ("footprint", "footprint_monthly"):
                    con.execute(f"DELETE FROM {stored} WHERE (billing_account_id, billing_period_start) IN "
                                "(SELECT (billing_account_id, billing_period_start) FROM footprint_periods "
                                "WHERE ingest_id = ?)", [ingest_id])
                con.execute("DELETE FROM footprint_periods WHERE ingest_id = ?", [ingest_id])
    return count


@CONNECTOR_FUZZ
@given(data=st.binary(min_size=1, max_size=2048), case=st.sampled_from(CONNECTOR_CASES))
def test_connectors_random_bytes_fail_in_one_line(seeded, tmp_path, data, case):
    connector, suffix = case
    db, before = seeded
    path = fresh(tmp_path, "export" + suffix)
    path.write_bytes(data)
    fails_cleanly(ingest_with(connector, db, path))
    assert fingerprint(db) == before


@CONNECTOR_FUZZ
@given(case=st.sampled_from(CONNECTOR_CASES), cut=st.floats(0.01, 0.99))
def test_connectors_truncated_files_ingest_or_fail_in_one_line(seeded, tmp_path, case, cut):
    """A cut file either fails in one line with the store unchanged or, for line-based text (a cut at a
    row boundary is a shorter, valid export), ingests fewer rows than the whole."""
    connector, suffix = case
    _, build = CONNECTOR_FORMATS[connector]
    db, before = seeded
    whole = build(fresh(tmp_path, "whole" + suffix))
    raw = whole.read_bytes()
    path = fresh(tmp_path, "export" + suffix)
    path.write_bytes(raw[: max(1, int(len(raw) * cut))])
    result = ingest_with(connector, db, path)
    if result.exit_code == 0:
        assert suffix in (".csv", ".jsonl"), (connector, suffix, result.output)
        assert 0 < undo_ingest_of(db, path) < 40, result.output
    else:
        fails_cleanly(result)
    assert fingerprint(db) == before


@pytest.mark.parametrize("connector, suffix", [("gcp", ".csv"), ("gcp", ".jsonl"), ("focus", ".csv")])
def test_a_file_cut_at_a_line_end_ingests_fewer_rows(seeded, tmp_path, connector, suffix):
    """The case the property above reaches only by chance: a text export cut just after a line ends is a valid,
    shorter export; it ingests, and undoing it leaves the shared store as seeded (every stored table included)."""
    _, build = CONNECTOR_FORMATS[connector]
    db, before = seeded
    raw = build(fresh(tmp_path, "whole" + suffix)).read_bytes()
    path = fresh(tmp_path, "export" + suffix)
    path.write_bytes(raw[: raw.index(b"\n", len(raw) // 2) + 1])
    result = ingest_with(connector, db, path)
    assert result.exit_code == 0, result.output
    assert 0 < undo_ingest_of(db, path) < 40, result.output
    assert fingerprint(db) == before
