"""An ingest that leaves rows out says how many and why, by reason, with the first data row of each: taxes,
credits and fees are read and counted, never silently dropped."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from curfiles import item, write_cur
from test_focus import row as focus_row
from test_focus import write_focus

from cloudcarbon.cli import cli


def ingest(db: Path, name: str, *paths: Path) -> str:
    result = CliRunner().invoke(cli, ["--db", str(db), "ingest", name, *map(str, paths)])
    assert result.exit_code == 0, result.output
    return result.stderr


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_cur_lines_left_out_are_counted_by_line_type_with_their_first_row(tmp_path: Path, suffix: str) -> None:
    lines = [item(resource_id=f"i-{n}") for n in range(5)]
    lines[1] = item(line_type="Tax", amount=0, cost=3.2)
    lines[3] = item(line_type="Credit", amount=0, cost=-1.0)
    lines.append(item(line_type="Tax", amount=0, cost=0.4))
    line = ingest(tmp_path / "s.duckdb", "aws", write_cur(tmp_path / f"cur{suffix}", lines))
    assert "6 rows read, 3 kept (3 not usage: 2 line type Tax (first: data row 2), 1 line type Credit (first: " \
           "data row 4))" in line, line


def test_several_files_name_the_file_of_the_first_row(tmp_path: Path) -> None:
    a = write_cur(tmp_path / "a.csv", [item(resource_id="i-a")])
    b = write_cur(tmp_path / "b.csv", [item(resource_id="i-b"), item(line_type="Fee", amount=0, cost=5.0)])
    line = ingest(tmp_path / "s.duckdb", "aws", a, b)
    assert f"(1 not usage: 1 line type Fee (first: {b} data row 2))" in line, line


def test_focus_rows_left_out_are_counted_by_charge_category(tmp_path: Path) -> None:
    rows = [focus_row(ResourceId="i-1"), focus_row(ChargeCategory="Purchase", ConsumedQuantity=None,
                                                    ConsumedUnit=None, EffectiveCost=100.0)]
    line = ingest(tmp_path / "s.duckdb", "focus", write_focus(tmp_path / "f.csv", rows))
    assert "2 rows read, 1 kept (1 not usage: 1 ChargeCategory Purchase (first: data row 2))" in line, line


def test_nothing_left_out_says_nothing_more(tmp_path: Path) -> None:
    line = ingest(tmp_path / "s.duckdb", "aws", write_cur(tmp_path / "cur.csv", [item()]))
    assert "1 rows read, 1 kept;" in line and "not usage" not in line, line
