"""Months and periods: one month arithmetic for every module, and a bounded window of months (2000-01 to 2099-12)
so that a month like 9999-12 is a usage error (exit 2) instead of a crash in the month after it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import usage_error

from cloudcarbon.cli import cli
from cloudcarbon.demo import run_demo
from cloudcarbon.errors import InputError
from cloudcarbon.periods import FIRST_MONTH, LAST_MONTH, add_months, parse_month, window


@pytest.mark.parametrize("first, months, expected", [
    (date(2026, 1, 1), -1, date(2025, 12, 1)),
    (date(2026, 12, 1), 1, date(2027, 1, 1)),
    (date(2026, 10, 1), -11, date(2025, 11, 1)),
    (date(2026, 10, 1), 0, date(2026, 10, 1)),
    (date(2000, 1, 1), -12, date(1999, 1, 1)),
    (date(2099, 12, 1), 1, date(2100, 1, 1)),
    (date(2026, 3, 17), 25, date(2028, 4, 1)),
])
def test_add_months(first: date, months: int, expected: date) -> None:
    assert add_months(first, months) == expected


def test_the_window_of_months() -> None:
    assert (date(2000, 1, 1), date(2099, 12, 1)) == (FIRST_MONTH, LAST_MONTH)
    assert parse_month("2000-01") == FIRST_MONTH and parse_month("2099-12") == LAST_MONTH
    assert window("2099-12").until.date() == date(2100, 1, 1)
    assert window(since="2000-01-01", until="2100-01-01").label() == "2000-01-01 to 2100-01-01 (exclusive)"
    for month in ("1999-12", "2100-01", "9999-12", "0001-01"):
        with pytest.raises(InputError, match=r"--month '\d{4}-\d\d': outside .*2000-01 to 2099-12"):
            parse_month(month)
    for option, value in (("since", "0001-01-01"), ("until", "9999-12-31"), ("since", "2100-01-02")):
        with pytest.raises(InputError, match=f"--{option} '{value}': outside"):
            window(**{option: value})


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    run_demo(str(path))
    return path


@pytest.mark.parametrize("command", [
    ["footprint", "--month", "9999-12"],
    ["unknowns", "--month", "9999-12"],
    ["whatif", "--month", "9999-12"],
    ["recommend-region", "--month", "9999-12"],
    ["report", "--month", "9999-12", "--output", "out"],
    ["footprint", "--since", "0001-01-01"],
    ["footprint", "--month", "2026-13"],
    ["footprint", "--month", "2026-10", "--since", "2026-01"],
], ids=lambda command: " ".join(command[:3]))
def test_a_month_outside_the_window_is_a_usage_error(demo_db: Path, tmp_path: Path, command: list[str]) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["--db", str(demo_db), *(str(out) if a == "out" else a for a in command)])
    usage_error(result, command[1])
    assert not out.exists()
