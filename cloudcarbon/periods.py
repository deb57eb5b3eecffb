"""The --month / --since / --until window shared by every command."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from cloudcarbon.errors import InputError


@dataclass(frozen=True)
class Window:
    """A half-open [since, until) range of charge periods; None on a side means unbounded."""

    since: datetime | None = None
    until: datetime | None = None

    def label(self) -> str:
        if self.since is None and self.until is None:
            return "all data"
        start = f"{self.since:%Y-%m-%d}" if self.since else "…"
        end = f"{self.until:%Y-%m-%d}" if self.until else "…"
        return f"{start} to {end} (exclusive)"


ALL_TIME = Window()


def _first_of_next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def parse_month(text: str, option: str = "--month") -> date:
    try:
        return datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise InputError(f"{option} {text!r}: expected a month as YYYY-MM, e.g. 2025-01") from None


def _parse_day(text: str, option: str) -> date:
    for pattern in ("%Y-%m-%d", "%Y-%m"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise InputError(f"{option} {text!r}: expected a date as YYYY-MM-DD (or a month YYYY-MM)")


def window(month: str | None = None, since: str | None = None, until: str | None = None) -> Window:
    """Turn the three options into a window; --month excludes the other two."""
    if month and (since or until):
        raise InputError("--month cannot be combined with --since/--until; use one or the other")
    if month:
        first = parse_month(month)
        return Window(datetime.combine(first, datetime.min.time()),
                      datetime.combine(_first_of_next_month(first), datetime.min.time()))
    start = _parse_day(since, "--since") if since else None
    end = _parse_day(until, "--until") if until else None
    if start and end and end <= start:
        raise InputError(f"--until {until} must be after --since {since}")
    return Window(
        datetime.combine(start, datetime.min.time()) if start else None,
        datetime.combine(end, datetime.min.time()) if end else None,
    )
