"""The progress bar follows a real DuckDB statement from another thread and returns its result."""

from __future__ import annotations

import duckdb
import pytest

from cloudcarbon.progress import run_with_progress


def test_progress_returns_the_result_and_reports_to_stderr(capsys):
    con = duckdb.connect()
    query = "SELECT count(*) FROM range(20000000) t(x) WHERE x % 7 = 3"
    result = run_with_progress(con, "counting", lambda: con.execute(query).fetchall(), enabled=True)
    assert result == [(2857143,)]
    assert capsys.readouterr().out == ""  # progress never touches stdout


def test_progress_re_raises_errors_in_the_callers_thread():
    con = duckdb.connect()
    with pytest.raises(duckdb.CatalogException):
        run_with_progress(con, "failing", lambda: con.execute("SELECT * FROM missing").fetchall(), enabled=True)
