"""When a planned job emits least within a window (`estimate --duration H --window START/END`).

The job's annual-figure footprint (estimate's requested row) is reshaped by the shipped hour-of-day x month
profile of its grid zone (coef_grid_hourly, ratios to the annual mean) in queries/time_shift.sql; a zone without
a profile keeps the flat annual figure and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb
import pandas as pd

from cloudcarbon import grid_signals
from cloudcarbon.errors import UsageError
from cloudcarbon.queries import read_query

# Longest window searched: a year of hourly candidates.
MAX_WINDOW = timedelta(days=366)
PROFILE_BASIS = "hour-of-day x month profile"
FALLBACK_BASIS = "annual-average fallback"
LIVE_BASIS = "live forecast where it covers the window, hour-of-day x month profile elsewhere"


@dataclass(frozen=True)
class Window:
    start: datetime  # UTC, naive
    end: datetime
    duration_h: float


def _instant(text: str, part: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"--window {part} {text!r} is not an ISO-8601 time; give e.g. 2026-12-07T00:00/"
                         "2026-12-14T00:00 (UTC unless an offset such as +01:00 is given)") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def parse_window(window: str | None, duration: float | None) -> Window | None:
    """The window and duration as given to the CLI, checked; None when neither is given."""
    if window is None and duration is None:
        return None
    if window is None or duration is None:
        raise UsageError("--duration and --window go together: give both, e.g. --duration 48 "
                         "--window 2026-12-07T00:00/2026-12-14T00:00")
    if duration <= 0:
        raise UsageError(f"--duration {duration:g}: give the job's length in hours, above 0")
    start_text, slash, end_text = window.partition("/")
    if not slash or not start_text.strip() or not end_text.strip():
        raise UsageError(f"--window {window!r}: give START/END, e.g. 2026-12-07T00:00/2026-12-14T00:00")
    start, end = _instant(start_text, "start"), _instant(end_text, "end")
    if end <= start:
        raise UsageError(f"--window {window!r}: the end is not after the start")
    if end - start > MAX_WINDOW:
        raise UsageError(f"--window {window!r} is longer than {MAX_WINDOW.days} days; give a shorter window")
    if timedelta(hours=duration) > end - start:
        raise UsageError(f"--duration {duration:g} h is longer than the window ({(end - start) / timedelta(hours=1):g} "
                         "h); widen the window or shorten the job")
    return Window(start, end, float(duration))


_JOBS_SQL = """
CREATE OR REPLACE TEMP VIEW shift_jobs AS
SELECT i.job, z.zone, i.operational_kgco2e AS op, i.operational_kgco2e_low AS op_low,
       i.operational_kgco2e_high AS op_high, i.embodied_kgco2e AS emb, i.embodied_kgco2e_low AS emb_low,
       i.embodied_kgco2e_high AS emb_high
FROM shift_input i
LEFT JOIN (SELECT provider, region, any_value(zone ORDER BY year DESC) AS zone FROM coef_grid
           GROUP BY provider, region) z ON z.provider = lower(i.provider) AND z.region = i.region
"""
_LABELS_SQL = f"""
SELECT r.*, j.zone,
       CASE WHEN s.source IS NOT NULL THEN '{LIVE_BASIS}'
            WHEN p.source IS NULL THEN '{FALLBACK_BASIS}' ELSE '{PROFILE_BASIS}' END AS hourly_basis,
       coalesce(s.signal, 'average') AS hourly_signal,
       concat_ws('; ', s.source, coalesce(p.source, CASE WHEN j.zone IS NULL THEN 'no region, so no grid zone'
                               ELSE 'no hourly profile for zone ' || j.zone END || ': flat annual figure'))
           AS hourly_source,
       p.licence AS hourly_licence
FROM shifted r JOIN shift_jobs j USING (job)
LEFT JOIN (SELECT zone, any_value(source ORDER BY month, hour_utc) AS source,
                  string_agg(DISTINCT licence, '; ') AS licence
           FROM coef_grid_hourly GROUP BY zone) p ON p.zone = j.zone
LEFT JOIN (SELECT zone, any_value(signal) AS signal, any_value(source) || ' (' || count(*) || ' h)' AS source
           FROM shift_signal GROUP BY zone) s ON s.zone = j.zone
ORDER BY r.job, r.role DESC
"""
# Each job's zone with its place and the annual figure a forecast is a ratio to (the year nearest the window).
_PLACES_SQL = """
SELECT j.zone, any_value(r.latitude) AS latitude, any_value(r.longitude) AS longitude,
       arg_min(g.gco2e_per_kwh, abs(g.year - $year)) AS annual
FROM shift_input i JOIN shift_jobs j USING (job)
LEFT JOIN coef_regions r ON r.provider = lower(i.provider) AND r.region = i.region
JOIN coef_grid g ON g.provider = lower(i.provider) AND g.region = i.region
WHERE j.zone IS NOT NULL
GROUP BY j.zone
"""


def best_starts(con: duckdb.DuckDBPyConnection, jobs: pd.DataFrame, window: Window) -> pd.DataFrame:
    """Per job of `jobs` (columns job, provider, region and the annual-figure operational and embodied kgCO2e
    with low/high), two rows: 'start now' (the window's start) and 'best start' (least total CO2e; earliest on
    ties), with the saving against now and the profile's basis, signal, source and licence."""
    con.register("shift_input", jobs)
    con.execute(_JOBS_SQL)
    signals = grid_signals.Signals()
    if grid_signals.configured():
        places = [grid_signals.Place(*row) for row in
                  con.execute(_PLACES_SQL, {"year": window.start.year}).fetchall() if row[3]]
        signals = grid_signals.forecasts(places, window.start, window.end)
    con.register("shift_signal", signals.frame.astype({"hour": "datetime64[us]", "ratio": "float64"}))
    params = {"start": window.start, "end": window.end, "duration_h": window.duration_h}
    con.execute(f"CREATE OR REPLACE TEMP TABLE shifted AS {read_query('time_shift')}", params)
    rows = con.execute(_LABELS_SQL).df()
    rows.attrs["signal_notes"] = signals.notes
    return rows


def best_start(con: duckdb.DuckDBPyConnection, requested: pd.Series, window: Window) -> pd.DataFrame:
    """best_starts for estimate's requested job alone."""
    return best_starts(con, requested.to_frame().T.assign(job=0), window)


# The when-to-run rows' own columns, after the requested row's.
COLUMNS = ("start_utc", "end_utc", "saving_kgco2e", "saving_pct", "intensity_ratio", "zone", "hourly_basis",
           "hourly_signal", "hourly_source", "hourly_licence")


def with_timing(frame: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """estimate's frame with the 'start now' and 'best start' rows after the requested row: the requested job's
    figures with the operational and total CO2e (and the intensity) of that start."""
    requested = frame.iloc[[0]]
    timed = pd.concat([requested] * len(rows), ignore_index=True).assign(
        role=rows.role, operational_kgco2e=rows.op, operational_kgco2e_low=rows.op_low,
        operational_kgco2e_high=rows.op_high, total_kgco2e=rows.total, total_kgco2e_low=rows.total_low,
        total_kgco2e_high=rows.total_high,
        intensity_gco2e_per_kwh=requested.intensity_gco2e_per_kwh.iloc[0] * rows.intensity_ratio,
        **{column: rows[column] for column in COLUMNS})
    return pd.concat([requested, timed, frame.iloc[1:]], ignore_index=True).reindex(
        columns=[*frame.columns, *COLUMNS])


def where_and_when(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame, window: Window) -> pd.DataFrame:
    """recommend-region's candidates with each one's best start in the window: its CO2e then (low/high), the
    saving against the current region started now, and `when_rank` (1 = least CO2e over where and when)."""
    shifted = best_starts(con, rows.reset_index(drop=True).assign(job=lambda f: f.index), window)
    best = shifted[shifted.role == "best start"].set_index("job").sort_index()
    now = shifted[(shifted.role == "start now")].set_index("job").sort_index()
    current_now = now.total[rows.reset_index(drop=True).current.to_numpy()]
    baseline = current_now.iloc[0] if len(current_now) else float("nan")
    return rows.reset_index(drop=True).assign(
        best_start_utc=best.start_utc, best_kgco2e=best.total, best_kgco2e_low=best.total_low,
        best_kgco2e_high=best.total_high, now_kgco2e=now.total, saving_vs_now_kgco2e=baseline - best.total,
        when_rank=best.total.rank(method="first").astype(int), hourly_basis=best.hourly_basis,
        hourly_source=best.hourly_source, hourly_licence=best.hourly_licence)


def assumptions(rows: pd.DataFrame, window: Window) -> list[str]:
    """What the when-to-run answer rests on, for the output's assumptions."""
    first = rows.iloc[0]
    return [f"time shifting: candidate starts every hour from {window.start:%Y-%m-%dT%H:%M}Z while a "
            f"{window.duration_h:g} h job ends by {window.end:%Y-%m-%dT%H:%M}Z ({int(first.candidates)} "
            "candidates); energy spread evenly over the job's hours",
            f"hourly_basis: {first.hourly_basis} (zone {first.zone}); {first.hourly_signal} intensity"
            f"{', not marginal' if first.hourly_signal == 'average' else ' (marginal: what one more kWh emits)'}; "
            f"source: {first.hourly_source}" + (f"; licence {first.hourly_licence}" if first.hourly_licence else ""),
            "the profile is a typical hour of day by month (ratios to the annual mean) applied to the annual "
            "figure; the weather of the actual day is known only where a live forecast covers it",
            *rows.attrs.get("signal_notes", [])]
