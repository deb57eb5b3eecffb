"""A value the store requires (the NOT NULL columns: period start, billing period, billing account) that a
usage row leaves empty or unreadable fails the ingest in one line naming the file, the data row and the
column, for every connector and container; it never reaches the store as NULL ("unexpected
ConstraintException ... report it"). Cut-off text files are the common way this happens."""

from __future__ import annotations

import csv
from pathlib import Path

import azurefiles
import gcpfiles
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from conftest import fingerprint, one_line_error
from curfiles import item, write_cur
from test_focus import row as focus_row
from test_focus import write_focus
from test_fuzz import undo_ingest_of

from cloudcarbon.cli import cli


@pytest.fixture
def seeded(tmp_path: Path, run, db: Path) -> str:
    run("ingest", "aws", str(write_cur(tmp_path / "seed.parquet", [item(payer="999999999999")])))
    return fingerprint(db)


def blank_csv(path: Path, data_row: int, column: str, value: str = "") -> Path:
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    rows[data_row][rows[0].index(column)] = value
    with path.open("w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return path


def blank_parquet(path: Path, data_row: int, column: str, value: str | None = None) -> Path:
    table = pq.read_table(path)
    values = table.column(column).to_pylist()
    values[data_row - 1] = value
    index = table.schema.get_field_index(column)
    pq.write_table(table.set_column(index, column, pa.array(values, pa.string())), path)
    return path


AWS_CASES = [  # (style, suffix, column as the file spells it)
    ("legacy", ".csv", "bill/PayerAccountId"),
    ("legacy", ".csv", "bill/BillingPeriodStartDate"),
    ("legacy", ".csv", "lineItem/UsageStartDate"),
    ("cur2", ".parquet", "bill_billing_period_start_date"),
    ("cur2", ".parquet", "line_item_usage_start_date"),
]


@pytest.mark.parametrize(("style", "suffix", "column"), AWS_CASES)
def test_aws_empty_required_value(tmp_path, seeded, run, db, style, suffix, column):
    path = write_cur(tmp_path / f"cur{suffix}", [item(resource_id=f"i-{n}") for n in range(3)], style)
    (blank_csv if suffix == ".csv" else blank_parquet)(path, 2, column)
    one_line_error(run("ingest", "aws", str(path), expect=1), str(path), "data row 2", column, "empty")
    assert fingerprint(db) == seeded


AZURE_CASES = [  # (suffix, column, value): a cut-off last field makes the file's date style unknowable
    (".csv", "BillingPeriodStartDate", "10/01/2"),
    (".csv", "BillingPeriodStartDate", "2025-10-0"),
    (".parquet", "BillingPeriodStartDate", "10/0"),
]


@pytest.mark.parametrize(("suffix", "column", "value"), AZURE_CASES)
def test_azure_unreadable_billing_period_date(tmp_path, seeded, run, db, suffix, column, value):
    rows = [azurefiles.vm("Standard_D4s_v3", 5, ResourceId=f"vm-{n}") for n in range(3)]
    path = azurefiles.write_export(tmp_path / f"export{suffix}", rows)
    (blank_csv if suffix == ".csv" else blank_parquet)(path, 3, column, value)
    one_line_error(run("ingest", "azure", str(path), expect=1), str(path), "data row 3", column)
    assert fingerprint(db) == seeded


GCP_WRITERS = {".csv": gcpfiles.write_csv, ".jsonl": gcpfiles.write_jsonl, ".parquet": gcpfiles.write_parquet}


# (The Parquet writer types timestamps, so an empty usage_start_time exists only in text.)
GCP_CASES = [(".csv", "billing_account_id"), (".jsonl", "billing_account_id"), (".parquet", "billing_account_id"),
             (".csv", "usage_start_time"), (".jsonl", "usage_start_time")]


@pytest.mark.parametrize(("suffix", "field"), GCP_CASES)
def test_gcp_empty_required_value(tmp_path, seeded, run, db, suffix, field):
    rows = [gcpfiles.row(), gcpfiles.row()]
    rows[1][field] = None
    path = GCP_WRITERS[suffix](tmp_path / f"export{suffix}", rows)
    one_line_error(run("ingest", "gcp", str(path), expect=1), str(path), "data row 2", field, "empty")
    assert fingerprint(db) == seeded


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.parametrize("column", ["BillingAccountId", "ChargePeriodStart", "BillingPeriodStart"])
def test_focus_empty_required_value(tmp_path, seeded, run, db, suffix, column):
    path = write_focus(tmp_path / f"export{suffix}", [focus_row(), focus_row(ResourceId="i-2", **{column: None})])
    one_line_error(run("ingest", "focus", str(path), expect=1), str(path), "data row 2", column, "empty")
    assert fingerprint(db) == seeded


def _exports(folder: Path) -> list[tuple[str, Path]]:
    """A valid text export of every connector (the containers a cut can leave readable)."""
    return [
        ("aws", write_cur(folder / "cur-legacy.csv", [item(resource_id=f"i-{n}") for n in range(6)], "legacy")),
        ("aws", write_cur(folder / "cur2.csv", [item(resource_id=f"i-{n}") for n in range(6)], "cur2")),
        ("azure", azurefiles.write_export(folder / "azure.csv", azurefiles.mixed_rows())),
        ("gcp", gcpfiles.write_csv(folder / "gcp.csv", gcpfiles.mixed_rows())),
        ("gcp", gcpfiles.write_jsonl(folder / "gcp.jsonl", gcpfiles.mixed_rows())),
        ("focus", write_focus(folder / "focus.csv", [focus_row(ResourceId=f"i-{n}") for n in range(6)])),
    ]


def test_a_file_cut_inside_the_last_field_of_any_line_fails_in_one_line_or_ingests(tmp_path, seeded, db):
    """The class test_fuzz found by chance (a truncated Azure CSV with a null date), tried at every line of
    every connector's text export: cut two characters before each line's end, where every field is still
    present but the last is incomplete."""
    for connector, whole in _exports(tmp_path):
        raw = whole.read_bytes()
        ends = [i for i, byte in enumerate(raw) if byte == ord("\n")][1:]  # after the header
        for end in ends:
            path = tmp_path / f"cut-{end}-{whole.name}"
            path.write_bytes(raw[:end - 2 - (raw[end - 1:end] == b"\r")])
            result = CliRunner().invoke(cli, ["--db", str(db), "ingest", connector, str(path)])
            if result.exit_code == 0:  # a shorter value that still reads is a valid line: kept, then undone
                assert undo_ingest_of(db, path) > 0, result.output
                continue
            one_line_error(result, str(path))
    assert fingerprint(db) == seeded
