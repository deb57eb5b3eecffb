"""Bad input never half-loads and never shows a traceback: exit 1, one `Error:` line that names the file
(and the data row and column where the code knows them), and the store exactly as it was."""

from __future__ import annotations

import csv
import gzip
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from conftest import SAMPLES, fingerprint, no_reference, one_line_error
from curfiles import item, write_cur


def month(count: int = 40, **fields: object) -> list[dict]:
    """`count` distinct hourly lines, enough that a cut in the middle lands inside the data."""
    return [item(amount=n + 1, cost=(n + 1) / 10, resource_id=f"i-{n:06d}", **fields) for n in range(count)]


@pytest.fixture
def seeded(tmp_path: Path, run, db: Path) -> str:
    """A store already holding a month, so 'unchanged' is a real claim; returns its fingerprint."""
    good = tmp_path / "good"
    good.mkdir()
    run("ingest", "aws", str(write_cur(good / "seed.parquet", month(payer="999999999999"))))
    return fingerprint(db)


def rewrite_csv(path: Path, change: Callable[[list[list[str]]], list[list[str]]]) -> Path:
    """Edit a plain CSV CUR file as rows (header first) and write it back the way AWS does."""
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    with path.open("w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(change(rows))
    return path


def set_value(rows: list[list[str]], data_row: int, column: str, value: str) -> list[list[str]]:
    rows[data_row][rows[0].index(column)] = value  # rows[0] is the header, so data row N is rows[N]
    return rows


# ---------------------------------------------------------------------------------------------
# Broken files: each builder makes one bad file and says what the error line must contain.
# ---------------------------------------------------------------------------------------------


def truncated_csv_gz(folder: Path) -> tuple[Path, list[str]]:
    path = write_cur(folder / "cur.csv.gz", month(200), "legacy")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path, ["truncated"]


def truncated_csv(folder: Path) -> tuple[Path, list[str]]:
    path = write_cur(folder / "cur.csv", month(), "cur2")
    data = path.read_bytes()
    cut = len(data) // 2
    while data[cut - 1 : cut] == b"\n":  # make sure the cut falls inside a line
        cut += 1
    path.write_bytes(data[:cut])
    return path, ["truncated"]


def truncated_parquet(folder: Path) -> tuple[Path, list[str]]:
    path = write_cur(folder / "cur.parquet", month(), "cur2")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path, ["Parquet"]


def junk_parquet(folder: Path) -> tuple[Path, list[str]]:
    path = folder / "cur.parquet"
    path.write_bytes(b"this is a text file someone renamed\n")
    return path, ["Parquet"]


def not_a_zip(folder: Path) -> tuple[Path, list[str]]:
    path = folder / "cur.csv.zip"
    path.write_bytes(b"lineItem/UsageType\nBoxUsage:m5.large\n")
    return path, ["zip"]


def empty_file(suffix: str) -> Callable[[Path], tuple[Path, list[str]]]:
    def build(folder: Path) -> tuple[Path, list[str]]:
        path = folder / f"cur{suffix}"
        path.write_bytes(b"")
        return path, ["empty"]

    return build


def header_only_csv(folder: Path) -> tuple[Path, list[str]]:
    path = write_cur(folder / "cur.csv", month(1), "legacy")
    path.write_text(path.read_text().splitlines()[0] + "\n")
    return path, ["no line items"]


def header_only_parquet(folder: Path) -> tuple[Path, list[str]]:
    path = write_cur(folder / "cur.parquet", month(1), "cur2")
    pq.write_table(pq.read_table(path).slice(0, 0), path)
    return path, ["no line items"]


def missing_column(folder: Path) -> tuple[Path, list[str]]:
    path = write_cur(folder / "cur.csv", month(), "cur2")
    rewrite_csv(path, lambda rows: [[v for c, v in zip(rows[0], r, strict=True) if c != "line_item_usage_amount"]
                                    for r in rows])
    return path, ["line_item_usage_amount", "missing"]


def bad_number(folder: Path) -> tuple[Path, list[str]]:
    path = write_cur(folder / "cur.csv", month(), "cur2")
    rewrite_csv(path, lambda rows: set_value(rows, 3, "line_item_usage_amount", "12x"))
    return path, ["data row 3", "line_item_usage_amount", "'12x'"]


def bad_number_gz(folder: Path) -> tuple[Path, list[str]]:
    # Compressed files must be located just as well: the row search reads through DuckDB too.
    plain = write_cur(folder / "plain.csv", month(), "cur2")
    rewrite_csv(plain, lambda rows: set_value(rows, 17, "line_item_unblended_cost", "1,5"))
    path = folder / "cur.csv.gz"
    path.write_bytes(gzip.compress(plain.read_bytes()))
    plain.unlink()
    return path, ["data row 17", "line_item_unblended_cost", "'1,5'"]


def bad_date(folder: Path) -> tuple[Path, list[str]]:
    path = write_cur(folder / "cur.csv", month(), "cur2")
    rewrite_csv(path, lambda rows: set_value(rows, 5, "line_item_usage_start_date", "2025-13-45T99:00:00Z"))
    return path, ["data row 5", "line_item_usage_start_date", "2025-13-45"]


BROKEN = {
    "truncated-csv-gz": truncated_csv_gz,
    "truncated-csv": truncated_csv,
    "truncated-parquet": truncated_parquet,
    "junk-parquet": junk_parquet,
    "zip-that-is-not-a-zip": not_a_zip,
    "empty-csv": empty_file(".csv"),
    "empty-csv-gz": empty_file(".csv.gz"),
    "empty-parquet": empty_file(".parquet"),
    "header-only-csv": header_only_csv,
    "header-only-parquet": header_only_parquet,
    "missing-required-column": missing_column,
    "unparseable-number": bad_number,
    "unparseable-number-in-gzip": bad_number_gz,
    "unparseable-date": bad_date,
}


@pytest.mark.parametrize("build", BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_file_fails_in_one_line_and_changes_nothing(tmp_path, seeded, run, db, build):
    path, expected = build(tmp_path)
    one_line_error(run("ingest", "aws", str(path), expect=1), str(path), *expected)
    assert fingerprint(db) == seeded


def test_corrupt_parquet_with_an_intact_footer_names_the_file(tmp_path, seeded, run, db):
    """Bit rot inside the data pages: the schema still reads, so detection passes and the failure
    comes from the load itself, the path a real damaged download takes."""
    path = write_cur(tmp_path / "cur.parquet", month(2000), "cur2")
    data = bytearray(path.read_bytes())
    data[200 : len(data) // 2] = b"\xab" * (len(data) // 2 - 200)
    path.write_bytes(bytes(data))
    one_line_error(run("ingest", "aws", str(path), expect=1), str(path), "Parquet")
    assert fingerprint(db) == seeded


def test_a_malformed_csv_row_is_not_called_an_encoding_problem(tmp_path, seeded, run, db):
    # An unterminated quote in the middle of the file: a CSV structure problem, not an encoding one.
    path = write_cur(tmp_path / "cur.csv", month(), "legacy")
    lines = path.read_text().splitlines(keepends=True)
    lines[7] = lines[7].replace(",", ',"', 1)
    path.write_text("".join(lines))
    line = one_line_error(run("ingest", "aws", str(path), expect=1), str(path))
    assert "UTF-8" not in line, line
    assert fingerprint(db) == seeded


def duckdb_threads() -> int:
    with duckdb.connect() as con:
        return int(con.execute("SELECT current_setting('threads')").fetchall()[0][0])


# With one thread the scan is in file order anyway, so the test could not fail.
@pytest.mark.skipif(duckdb_threads() < 2, reason="needs DuckDB to scan with 2+ threads")
def test_the_row_of_a_bad_value_is_right_in_a_large_file(tmp_path, seeded, run, db):
    """150k lines (~40 MB): DuckDB reads this in parallel chunks, so a row number taken from an
    unordered window over the scan points at the wrong line."""
    path = write_cur(tmp_path / "cur.csv", month(2), "cur2")
    rewrite_csv(path, lambda rows: set_value(rows, 2, "line_item_usage_amount", "12x"))
    header, row, bad = path.read_text().splitlines(keepends=True)
    with path.open("w") as handle:
        handle.write(header)
        handle.write(row * 149_989)
        handle.write(bad)  # data row 149,990
        handle.write(row * 10)
    for _ in range(3):  # the wrong number varies run to run; any wrong one fails
        one_line_error(run("ingest", "aws", str(path), expect=1), str(path), "data row 149990,")
    assert fingerprint(db) == seeded


# ---------------------------------------------------------------------------------------------
# Exports of other clouds and of FOCUS: say which format the file looks like.
# ---------------------------------------------------------------------------------------------

HAND_WRITTEN = {
    "gcp": ("billing_account_id,service.description,sku.description,usage_start_time,usage.amount,cost\n"
            "01ABCD-234567-89EFGH,Compute Engine,N2 Instance Core,2025-01-01 00:00:00 UTC,3600,0.03\n",
            "GCP"),
    "azure": ("SubscriptionGuid,MeterCategory,ConsumedService,UsageQuantity,Cost\n"
              "00000000-0000-0000-0000-000000000000,Virtual Machines,Microsoft.Compute,1,0.1\n",
              "Azure"),
    "focus": ("BillingAccountId,ChargePeriodStart,ProviderName,ServiceName,ConsumedQuantity,EffectiveCost\n"
              "123,2025-01-01T00:00:00Z,AWS,Amazon EC2,1,0.1\n",
              "FOCUS"),
}


@pytest.mark.parametrize(("text", "looks_like"), HAND_WRITTEN.values(), ids=HAND_WRITTEN.keys())
def test_a_foreign_export_is_named(tmp_path, seeded, run, db, text, looks_like):
    path = tmp_path / "export.csv"
    path.write_text(text)
    one_line_error(run("ingest", "aws", str(path), expect=1), str(path), f"{looks_like} ", "not an AWS")
    assert fingerprint(db) == seeded


REAL_FOREIGN = [
    pytest.param("gcp-billing/gcp-detailed-export_csv_koku_2022-08.csv", "GCP", id="gcp-detailed"),
    pytest.param("gcp-billing/gcp-standard-export_csv_koku_2020-11.csv", "GCP", id="gcp-standard"),
    pytest.param("azure-cost/ea-actual_csv_anonymized_2023-09_27rows.csv", "Azure", id="azure-ea"),
    pytest.param("azure-cost/legacy-payg_csv_PascalCase_koku_2019-07.csv", "Azure", id="azure-payg-pascal"),
    pytest.param("azure-cost/legacy-payg_csv_camelCase_koku_2019-07.csv", "Azure", id="azure-payg-camel"),
    # Not readable with DuckDB's strict CSV dialect: still named as Azure, not called broken.
    pytest.param("azure-cost/mca-actual_csv_camelCase_koku_2023-08.csv", "Azure", id="azure-mca"),
    pytest.param("focus/focus-1.0_sample_1000rows_aws-azure-oci.csv", "FOCUS", id="focus-sample"),
]


@pytest.mark.parametrize(("relative", "looks_like"), REAL_FOREIGN)
def test_a_real_foreign_export_is_named(seeded, run, db, relative, looks_like):
    path = SAMPLES / relative
    if not path.exists():
        pytest.skip(no_reference(path))
    one_line_error(run("ingest", "aws", str(path), expect=1), str(path), f"{looks_like} ", "not an AWS")
    assert fingerprint(db) == seeded


# ---------------------------------------------------------------------------------------------
# Sources that resolve to nothing
# ---------------------------------------------------------------------------------------------


def test_a_nonexistent_path(tmp_path, seeded, run, db):
    missing = str(tmp_path / "no-such-export.csv")
    one_line_error(run("ingest", "aws", missing, expect=1), missing, "no such file")
    assert fingerprint(db) == seeded


def test_a_glob_matching_nothing(tmp_path, seeded, run, db):
    pattern = str(tmp_path / "exports" / "*.parquet")
    one_line_error(run("ingest", "aws", pattern, expect=1), pattern, "matches no file")
    assert fingerprint(db) == seeded


def test_an_empty_directory(tmp_path, seeded, run, db):
    folder = tmp_path / "empty"
    folder.mkdir()
    one_line_error(run("ingest", "aws", str(folder), expect=1), str(folder), "empty")
    assert fingerprint(db) == seeded


def test_a_directory_without_data_files(tmp_path, seeded, run, db):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "README.txt").write_text("billing exports go here\n")
    (folder / "notes.json").write_text("{}\n")
    one_line_error(run("ingest", "aws", str(folder), expect=1), str(folder), "no CUR data files")
    assert fingerprint(db) == seeded


# ---------------------------------------------------------------------------------------------
# --debug, and a failure part-way through a multi-file ingest
# ---------------------------------------------------------------------------------------------


def cli_process(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real entry point in a child process: CliRunner catches exceptions, a user's terminal does not."""
    env = {k: v for k, v in os.environ.items() if k != "CLOUDCARBON_DB"}
    return subprocess.run(
        [sys.executable, "-c", "from cloudcarbon.cli import main; main()", "--db", str(db), *args],
        capture_output=True, text=True, timeout=60, env=env, check=False,
    )


def test_debug_shows_the_traceback_and_plain_mode_does_not(tmp_path, db):
    path, _ = truncated_csv_gz(tmp_path)
    plain = cli_process(db, "ingest", "aws", str(path))
    assert plain.returncode == 1
    assert "Traceback" not in plain.stderr
    assert plain.stderr.strip().startswith("Error: ") and len(plain.stderr.strip().splitlines()) == 1
    debug = cli_process(db, "--debug", "ingest", "aws", str(path))
    assert debug.returncode != 0
    assert "Traceback (most recent call last)" in debug.stderr
    assert "InputError" in debug.stderr and str(path) in debug.stderr


def test_a_bad_second_file_leaves_the_store_unchanged(tmp_path, seeded, run, db):
    folder = tmp_path / "export"
    folder.mkdir()
    good = write_cur(folder / "a-good.csv", month(payer="111111111111"), "cur2")
    bad, _ = bad_number(folder)  # folder/cur.csv, sorts after a-good.csv
    one_line_error(run("ingest", "aws", str(good), str(bad), expect=1), str(bad), "data row 3")
    one_line_error(run("ingest", "aws", str(folder), expect=1), str(bad), "data row 3")
    assert fingerprint(db) == seeded


def test_a_failure_after_the_first_batch_is_inserted_rolls_back(tmp_path, seeded, run, db):
    """Two formats make two INSERT batches in one transaction: the Parquet rows go in first, then the
    CSV's bad value fails the second INSERT. The rollback must take the first batch out again."""
    good = write_cur(tmp_path / "a.parquet", month(payer="111111111111"), "cur2")
    bad, expected = bad_number(tmp_path)
    one_line_error(run("ingest", "aws", str(good), str(bad), expect=1), str(bad), *expected)
    assert fingerprint(db) == seeded
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM usage WHERE billing_account_id = '111111111111'").fetchall() == [(0,)]
