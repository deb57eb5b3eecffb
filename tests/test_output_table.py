"""The table format shows at most TABLE_LIMIT rows and says how many more there are (rich lays out a row in about a
millisecond: 14,000 rows of a 10M-line month took 14 s to the terminal)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from cloudcarbon.output import TABLE_LIMIT, emit, emit_query

ROWS = "SELECT i AS row_no, 'r' || i AS name FROM range(1, $n + 1) t(i)"


def _frame(rows: int) -> pd.DataFrame:
    return pd.DataFrame({"row_no": range(1, rows + 1), "name": [f"r{i}" for i in range(1, rows + 1)]})


def _names(text: str) -> set[str]:
    """The name cells of the table's body rows."""
    rows = [line.split("│") for line in text.splitlines() if line.startswith("│")]
    return {cells[2].strip() for cells in rows if len(cells) > 3}


def _words(text: str) -> str:
    """The text with its line breaks and padding collapsed (rich folds a caption to the table's width)."""
    return " ".join(text.split())


@pytest.mark.parametrize("extra", [0, 1, 250])
def test_a_frame_table_shows_the_first_rows_and_counts_the_rest(tmp_path: Path, extra: int) -> None:
    out = tmp_path / "table.txt"
    emit(_frame(TABLE_LIMIT + extra), "table", str(out), title="t")
    text = out.read_text(encoding="utf-8")
    names, words = _names(text), _words(text)
    assert f"r{TABLE_LIMIT}" in names and f"r{TABLE_LIMIT + 1}" not in names
    assert len(names) == TABLE_LIMIT
    caption = f"the first {TABLE_LIMIT:,} of {TABLE_LIMIT + extra:,} rows"
    assert (caption in words) == (extra > 0)
    assert ("--format csv, json or parquet with --output FILE writes every row" in words) == (extra > 0)


@pytest.mark.parametrize("extra", [0, 1, 10_000])
def test_a_query_table_reads_one_row_past_the_limit_and_says_more_follow(tmp_path: Path, extra: int) -> None:
    out = tmp_path / "table.txt"
    with duckdb.connect() as con:
        emit_query(con, ROWS, {"n": TABLE_LIMIT + extra}, "table", str(out), title="t")
    text = out.read_text(encoding="utf-8")
    names = _names(text)
    assert len(names) == TABLE_LIMIT and f"r{TABLE_LIMIT}" in names
    assert (f"the first {TABLE_LIMIT:,} rows of more" in _words(text)) == (extra > 0)


def test_every_row_of_a_csv_is_written_whatever_the_table_shows(tmp_path: Path) -> None:
    out = tmp_path / "rows.csv"
    with duckdb.connect() as con:
        emit_query(con, ROWS, {"n": TABLE_LIMIT + 7}, "csv", str(out))
    assert len(out.read_text(encoding="utf-8").splitlines()) == TABLE_LIMIT + 7 + 1  # and the header
