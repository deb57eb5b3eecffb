"""The --month / --since / --until window shared by every command, and the month arithmetic behind it.

Months run from FIRST_MONTH to LAST_MONTH (2000-01 to 2099-12): cloud billing starts in the 2000s, and the bound
keeps every month derived from a given one (the next, the twelve before it for a trend) inside Python's dates,
so a year-9999 period is a usage error that names the option instead of a crash.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from cloudcarbon.errors import UsageError, shown

FIRST_MONTH = date(2000, 1, 1)
LAST_MONTH = date(2099, 12, 1)
MONTHS = f"{FIRST_MONTH:%Y-%m} to {LAST_MONTH:%Y-%m}"


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

    def month_starts(self) -> list[date]:
        """The first days of the months the window touches (a bounded window; empty when open)."""
        if self.since is None or self.until is None:
            return []
        first, found = self.since.date().replace(day=1), []
        while first < self.until.date():
            found.append(first)
            first = add_months(first, 1)
        return found


ALL_TIME = Window()


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after the month of `day` (before it, if negative)."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


# The exclusive end of the window: --until may name it.
END = add_months(LAST_MONTH, 1)


def _within(day: date, text: str, option: str, last: date) -> date:
    if not FIRST_MONTH <= day <= last:
        raise UsageError(f"{option} {shown(text)}: outside the months cloudcarbon handles ({MONTHS}); "
                         "give one in that range")
    return day


def parse_month(text: str, option: str = "--month") -> date:
    try:
        first = datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise UsageError(f"{option} {shown(text)}: expected a month as YYYY-MM, e.g. 2025-01") from None
    return _within(first, text, option, LAST_MONTH)


def _parse_day(text: str, option: str) -> date:
    for pattern in ("%Y-%m-%d", "%Y-%m"):
        try:
            return _within(datetime.strptime(text, pattern).date(), text, option, END)
        except ValueError:
            continue
    raise UsageError(f"{option} {shown(text)}: expected a date as YYYY-MM-DD (or a month YYYY-MM)")


def _midnight(day: date | None) -> datetime | None:
    return datetime.combine(day, datetime.min.time()) if day else None


def window(month: str | None = None, since: str | None = None, until: str | None = None) -> Window:
    """Turn the three options into a window; --month excludes the other two."""
    if month and (since or until):
        raise UsageError("--month cannot be combined with --since/--until; use one or the other")
    if month:
        first = parse_month(month)
        return Window(_midnight(first), _midnight(add_months(first, 1)))
    start = _parse_day(since, "--since") if since else None
    end = _parse_day(until, "--until") if until else None
    if start and end and end <= start:
        raise UsageError(f"--until {shown(until)} must be after --since {shown(since)}")
    return Window(_midnight(start), _midnight(end))
