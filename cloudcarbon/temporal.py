"""`footprint --temporal hourly`: hourly bill lines costed at their hour's grid intensity (the shipped hour-of-day
x month profile per grid zone, coefficients/data/grid_hourly.csv) instead of the annual average, with the change
against the annual figure. Computed from usage (the stored footprint holds days), summed by the --by keys and the
hour before any coefficient is applied."""

from __future__ import annotations

import duckdb
import pandas as pd

from cloudcarbon.estimation import footprint_sql, prepare, row_params, summed_usage_sql
from cloudcarbon.footprint import group_expressions, parse_by
from cloudcarbon.periods import ALL_TIME, Window
from cloudcarbon.queries import quote_identifier, read_query

BASIS = ("operational CO2e at each hour's grid intensity: the annual figure x the zone's hour-of-day x month ratio "
         "(coef_grid_hourly; average intensity, not marginal); lines longer than an hour and zones without a "
         "profile keep the annual figure (hourly_energy_share says how much was placed by hour)")
FIGURES = ("vcpu_hours", "gpu_hours", "energy_kwh", "energy_kwh_low", "energy_kwh_high",
           "operational_kgco2e", "operational_kgco2e_low", "operational_kgco2e_high",
           "embodied_kgco2e", "embodied_kgco2e_low", "embodied_kgco2e_high",
           "total_kgco2e", "total_kgco2e_low", "total_kgco2e_high",
           "operational_kgco2e_annual", "temporal_change_kgco2e", "temporal_change_pct", "hourly_energy_share",
           "cost", "currency")


def hourly_footprint(con: duckdb.DuckDBPyConnection, *, by: str | list[str] | None = None,
                     window: Window = ALL_TIME) -> pd.DataFrame:
    """The footprint grouped by the --by keys with each hour's operational CO2e at that hour's intensity."""
    keys = parse_by(by)
    prepare(con)
    params = row_params(window)
    grouped = group_expressions(keys, params)
    hours = ["hour(charge_period_start) AS x_hour_utc", "month(charge_period_start) AS x_month_of_year",
             "coalesce(charge_period_end - charge_period_start <= INTERVAL 1 HOUR, false) AS x_hourly"]
    outputs = ", ".join(f"g{number} AS {quote_identifier(key)}" for number, key in enumerate(keys))
    month_first = [quote_identifier("month")] if "month" in keys else []
    order = ", ".join([*month_first, "total_kgco2e DESC NULLS LAST", *map(quote_identifier, keys)])
    sql = f"""
        WITH fp AS ({footprint_sql(summed_usage_sql([*grouped, *hours]))}),
        grouped AS ({read_query('footprint_hourly')})
        SELECT {outputs + ',' if outputs else ''} {', '.join(FIGURES)} FROM grouped ORDER BY {order}
    """
    return con.execute(sql, params).df()[[*keys, *FIGURES]]
