"""Hour-of-day x month intensity profile per grid zone (coefficients/data/grid_hourly.csv), for time shifting.

Read from <reference>/grid-hourly/ (see its README): the Electricity Maps hourly profiles (life-cycle intensity,
consumption-based, ODbL) and, for zones Electricity Maps does not cover there, the EIA-930 balancing-authority
profiles (production-based, public domain). Each cell is stored as a ratio to its zone-year's hourly mean,
averaged over the years, so that intensity at an hour = coef_grid's annual figure x ratio: the profile reshapes
the annual figure the footprint already uses instead of replacing it (grids decarbonise year on year; the shape
travels better than the level).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

EM_FILE = "grid-hourly/profiles_hour-of-day_x_month_utc_electricitymaps.csv"
EIA_FILE = "grid-hourly/profiles_hour-of-day_x_month_utc_eia930.csv"
# EIA-930 balancing authorities -> Electricity Maps zone ids (coef_grid.zone), only where Electricity Maps has no
# hourly file here. CISO, ERCO, NYIS and PJM are covered by Electricity Maps; WAAT is suspect (README caveats).
EIA_ZONES = {"AZPS": "US-SW-AZPS", "BPAT": "US-NW-BPAT", "MISO": "US-MIDW-MISO", "SOCO": "US-SE-SOCO"}
# Sources are per row but terse (6,624 rows); the repositories and commits are in SOURCES.md.
EM_SOURCE = "Electricity Maps hourly {years} {zone}, life-cycle; UTC hour x month mean / year mean"
EIA_SOURCE = "US EIA-930 hourly {years} {ba}, production-based; UTC hour x month mean / year mean"
EM_LICENCE = "ODbL-1.0 (Electricity Maps)"
EIA_LICENCE = "public domain (US government work)"
COLUMNS = ["zone", "month", "hour_utc", "ratio", "ratio_min", "ratio_max", "years", "signal", "source", "licence"]

_SQL = """
WITH cells AS (
    SELECT zone, ba, year, month, hour_utc, ci, n_hours,
           sum(ci * n_hours) OVER (PARTITION BY zone, year) / sum(n_hours) OVER (PARTITION BY zone, year) AS year_mean
    FROM raw WHERE ci IS NOT NULL
)
SELECT zone, any_value(ba) AS ba, month, hour_utc,
       avg(ci / year_mean) AS ratio, min(ci / year_mean) AS ratio_min, max(ci / year_mean) AS ratio_max,
       string_agg(DISTINCT CAST(year AS VARCHAR), '-' ORDER BY CAST(year AS VARCHAR)) AS years
FROM cells GROUP BY zone, month, hour_utc
"""


def build_grid_hourly(reference: Path) -> pd.DataFrame:
    """One row per zone x month x UTC hour: the ratio of that hour's mean intensity to the annual mean."""
    con = duckdb.connect()
    con.execute(f"""CREATE TABLE raw AS
        SELECT zone_id AS zone, CAST(NULL AS VARCHAR) AS ba, year, month, hour_utc,
               ci_lca_gco2eq_per_kwh_mean AS ci, n_hours
        FROM read_csv('{reference / EM_FILE}', header = true)""")
    eia = ", ".join(f"('{ba}', '{zone}')" for ba, zone in EIA_ZONES.items())
    con.execute(f"""INSERT INTO raw
        SELECT z.zone, e.balancing_authority, e.year, e.month, e.hour_utc, e.avg_ci_gco2_per_kwh_mean, e.n_hours
        FROM read_csv('{reference / EIA_FILE}', header = true) e
        JOIN (VALUES {eia}) z(ba, zone) ON z.ba = e.balancing_authority""")
    frame = con.execute(_SQL).df()
    em = frame.ba.isna()
    years = frame.years.str.replace(r"^(\d{4}).*-(\d{4})$", r"\1-\2", regex=True)
    frame["signal"] = "average"
    frame["source"] = [EM_SOURCE.format(years=y, zone=z) if e else EIA_SOURCE.format(years=y, ba=b)
                       for e, y, z, b in zip(em, years, frame.zone, frame.ba, strict=True)]
    frame["licence"] = em.map({True: EM_LICENCE, False: EIA_LICENCE})
    frame["years"] = years
    for column in ("ratio", "ratio_min", "ratio_max"):
        frame[column] = frame[column].round(4)
    return frame[COLUMNS].sort_values(["zone", "month", "hour_utc"]).reset_index(drop=True)
