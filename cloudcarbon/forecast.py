"""A forecast of next month's and the calendar year's emissions and cost per group, from the months in the store
(`footprint --forecast`, the report). Method (METHODOLOGY.md, "Forecast"): a least-squares linear trend over the
last BASIS_MONTHS complete months (at least three), else the last month repeated; a 95 % prediction interval
around it, widened by our estimate's own low/high. The year adds the months held to the months forecast."""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb
import pandas as pd

from cloudcarbon.errors import InputError
from cloudcarbon.footprint import footprint, parse_by
from cloudcarbon.periods import Window
from cloudcarbon.queries import read_query

BASIS_MONTHS = 6
Z = 1.96  # two-sided 95 % interval
METHOD = (f"linear trend (least squares) over the last {BASIS_MONTHS} complete months held, at least 3 (else the "
          "last month repeated); range: 95 % prediction interval, widened by the estimate's own low/high; months "
          "without usage count as 0; the current, unfinished month is left out")
COLUMNS = ("basis_months", "next_month", "next_kgco2e", "next_kgco2e_low", "next_kgco2e_high", "next_cost",
           "next_cost_low", "next_cost_high", "currency", "year", "year_kgco2e", "year_kgco2e_low",
           "year_kgco2e_high", "year_cost", "year_months_held", "year_months_forecast", "method")


def forecast(con: duckdb.DuckDBPyConnection, *, by: str | list[str] | None = None, until: date | None = None,
             today: date | None = None) -> pd.DataFrame:
    """Per group of the --by keys (month excluded: it is the time axis; none: the whole store), the forecast of
    the month after the last complete month held (up to `until`, exclusive) and of that month's calendar year."""
    keys = [key for key in parse_by(by) if key != "month"] if by else []
    open_month = (today or datetime.now(UTC).date()).replace(day=1)
    end = min(until, open_month) if until else open_month
    history = footprint(con, by=["month", *keys], window=Window(None, datetime.combine(end, datetime.min.time())))
    if history.empty:
        raise InputError(f"--forecast: the store holds no complete month before {end:%Y-%m}; ingest a billing export "
                         "first")
    named = {key: f"k{number}" for number, key in enumerate(keys)}
    frame = history.rename(columns=named)
    con.register("forecast_input", frame)
    try:
        group = f"to_json([{', '.join(named.values())}])" if keys else "'all'"
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE forecast_history AS
            SELECT {group} AS g, {', '.join([*named.values(), ''])}
                   year(CAST(month || '-01' AS DATE)) * 12 + month(CAST(month || '-01' AS DATE)) - 1 AS x,
                   total_kgco2e AS kg, total_kgco2e_low AS kg_low, total_kgco2e_high AS kg_high, cost, currency
            FROM forecast_input""")
        result = con.execute(f"""
            WITH f AS ({read_query('forecast')}),
            k AS (SELECT g, {', '.join([*named.values(), ''])}
                         CASE WHEN count(DISTINCT currency) > 1 THEN 'MIXED' ELSE any_value(currency) END AS currency
                  FROM forecast_history GROUP BY ALL)
            SELECT k.* EXCLUDE (g), f.* EXCLUDE (g, year), CAST(f.year AS INTEGER) AS year,
                   strftime(make_date(CAST(f.next_x // 12 AS INTEGER), CAST(f.next_x % 12 + 1 AS INTEGER), 1),
                            '%Y-%m') AS next_month
            FROM f JOIN k USING (g)
            ORDER BY f.next_kgco2e DESC, f.next_cost DESC, g""", {"basis_months": BASIS_MONTHS, "z": Z}).df()
    finally:
        con.unregister("forecast_input")
    result = result.rename(columns={v: k for k, v in named.items()}).assign(method=METHOD)
    return result[[*keys, *COLUMNS]]
