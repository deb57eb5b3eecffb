"""The monthly FinOps report's content: every figure from SQL over the store, gathered into one JSON-ready
document (`build_report`), which report/write.py renders. The HTML shows only numbers from the document,
so the page, the JSON and the CSV always agree.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd

from cloudcarbon.budget import Budget, check
from cloudcarbon.errors import InputError, UsageError, shown
from cloudcarbon.estimation import footprint_sql, prepare, row_params
from cloudcarbon.footprint import footprint
from cloudcarbon.forecast import METHOD as FORECAST_METHOD
from cloudcarbon.forecast import forecast
from cloudcarbon.output import provenance, records
from cloudcarbon.periods import Window, add_months, parse_month
from cloudcarbon.queries import read_query
from cloudcarbon.recommend import shared_workloads, store_workloads_sql
from cloudcarbon.report.opportunities import Opportunities, opportunities
from cloudcarbon.unknowns import unknowns

BREAKDOWNS = ("provider", "account", "region", "service")
TOP_RESOURCES = 10
TOP_FORECAST = 10  # services in the forecast table
TREND_MONTHS = 12
# Footprint field -> FOCUS column (or x_ extension) in the CSV/JSON rows.
FOCUS_COLUMNS = {
    "provider": "ProviderName",
    "account": "SubAccountId",
    "region": "RegionId",
    "service": "ServiceName",
    "vcpu_hours": "x_VcpuHours",
    "gpu_hours": "x_GpuHours",
    "energy_kwh": "x_EnergyKwh",
    "energy_kwh_low": "x_EnergyKwhLow",
    "energy_kwh_high": "x_EnergyKwhHigh",
    "operational_kgco2e": "x_OperationalKgCO2e",
    "operational_kgco2e_low": "x_OperationalKgCO2eLow",
    "operational_kgco2e_high": "x_OperationalKgCO2eHigh",
    "embodied_kgco2e": "x_EmbodiedKgCO2e",
    "embodied_kgco2e_low": "x_EmbodiedKgCO2eLow",
    "embodied_kgco2e_high": "x_EmbodiedKgCO2eHigh",
    "total_kgco2e": "x_TotalKgCO2e",
    "total_kgco2e_low": "x_TotalKgCO2eLow",
    "total_kgco2e_high": "x_TotalKgCO2eHigh",
    "cost": "EffectiveCost",
    "currency": "BillingCurrency",
}
# The tag in which `ingest focus` keeps a FOCUS 1.3+ HostProviderName that is another entity than the service
# provider (connectors/focus/normalize.sql); elsewhere the host is the provider itself.
HOST_TAG = "tag:x_HostProviderName"
FIGURES = ("energy_kwh", "operational_kgco2e", "embodied_kgco2e", "total_kgco2e", "water_l")
TAG_KEY = re.compile(r"[\w.:/@+=-]{1,128}")


@dataclass
class Report:
    """One month's report: `document` is what report.json holds; `rows` the FOCUS-keyed CSV rows."""

    month: str
    by_tag: str | None
    document: dict[str, Any]
    rows: pd.DataFrame
    opportunities: Opportunities


def _window(first: date, months: int = 1) -> Window:
    return Window(datetime.combine(first, datetime.min.time()),
                  datetime.combine(add_months(first, months), datetime.min.time()))


def _totals(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    keys = [f"{f}{s}" for f in FIGURES for s in ("", "_low", "_high")]
    totals = {k: row[k] for k in ("vcpu_hours", "gpu_hours", *keys, "water_onsite_l", "water_grid_l", "cost",
                                  "currency")}
    cost = row["cost"]
    totals["kgco2e_per_1000_cost"] = row["total_kgco2e"] / cost * 1000 if cost else None
    return totals


def _change(current: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, float | None]:
    """Relative change against the previous month, per headline figure (None where undefined)."""
    fields = ("total_kgco2e", "operational_kgco2e", "embodied_kgco2e", "energy_kwh", "water_l", "cost",
              "kgco2e_per_1000_cost")
    if previous is None:
        return dict.fromkeys(fields)
    return {f: (current[f] - previous[f]) / previous[f] if current[f] is not None and previous[f] else None
            for f in fields}


def _with_share(frame: pd.DataFrame) -> pd.DataFrame:
    total = frame["total_kgco2e"].sum()
    return frame.assign(share=frame["total_kgco2e"] / total if total else None)


def _account_names(con: duckdb.DuckDBPyConnection, span: Window) -> pd.DataFrame:
    return con.execute(read_query("report_account_names"), {"since": span.since, "until": span.until}).df()


def _breakdown(con: duckdb.DuckDBPyConnection, key: str, span: Window, names: pd.DataFrame) -> pd.DataFrame:
    frame = _with_share(footprint(con, by=key, window=span))
    if key == "account":
        frame = frame.merge(names, how="left", left_on="account", right_on="sub_account_id")
        frame = frame.drop(columns="sub_account_id").rename(columns={"sub_account_name": "account_name"})
    return frame


def _top_resources(con: duckdb.DuckDBPyConnection, span: Window, team_tag: str) -> pd.DataFrame:
    """The resources that emit most, with what names them where the bill says: instance type, Name and team tag."""
    frame = footprint(con, by=f"resource,service,region,account,instance_type,tag:Name,tag:{team_tag}", window=span)
    frame = frame.rename(columns={"tag:Name": "name_tag", f"tag:{team_tag}": "team_tag"})
    return frame[frame["resource"].notna()].head(TOP_RESOURCES).assign(team_tag_key=team_tag)


def _sources(con: duckdb.DuckDBPyConnection, workloads: str) -> pd.DataFrame:
    """Distinct coefficient sources behind the footprint of the window's summed `workloads`, with the footprint's
    own (default) parameters, so the sources follow the query the figures came from."""
    sql = f"WITH fp AS ({footprint_sql(workloads)}) SELECT * FROM ({read_query('report_sources')})"
    return con.execute(sql, row_params()).df()


def _data_quality(con: duckdb.DuckDBPyConnection, span: Window, trend_span: Window) -> dict[str, Any]:
    found = unknowns(con, window=span)
    by_reason = (found.groupby("reason", sort=False)[["rows", "cost", "cost_share"]].sum().reset_index()
                 if len(found) else found[["reason", "rows", "cost", "cost_share"]])
    restated = con.execute(read_query("report_restated"),
                           {"since": trend_span.since, "until": trend_span.until}).df()
    return {
        "unknowns_by_reason": records(by_reason),
        "unknowns_top": records(found.head(10)),
        "unknown_rows": len(found),
        "restated": records(restated),
    }


def _focus_rows(con: duckdb.DuckDBPyConnection, span: Window, tag: str | None, names: pd.DataFrame) -> pd.DataFrame:
    """The month's footprint by provider, host provider, account, region and service (and tag), with FOCUS keys:
    ServiceProviderName and HostProviderName as FOCUS 1.3+ names them, and ProviderName (the service provider)
    for consumers of FOCUS 1.2 and older."""
    by = ["provider", HOST_TAG, "account", "region", "service", *([f"tag:{tag}"] if tag else [])]
    frame = footprint(con, by=by, window=span)
    frame = frame.merge(names, how="left", left_on="account", right_on="sub_account_id").drop(columns="sub_account_id")
    focus = frame.rename(columns={**FOCUS_COLUMNS, "sub_account_name": "SubAccountName"}).drop(columns=HOST_TAG)
    focus.insert(0, "ChargePeriodStart", f"{span.since:%Y-%m-%dT%H:%M:%SZ}")
    focus.insert(1, "ChargePeriodEnd", f"{span.until:%Y-%m-%dT%H:%M:%SZ}")
    focus = focus.assign(ServiceProviderName=frame["provider"],
                         HostProviderName=frame[HOST_TAG].where(frame[HOST_TAG].notna(), frame["provider"]))
    if tag:
        # FOCUS carries tags as one JSON object per row.
        tags = frame[f"tag:{tag}"].map(lambda v: json.dumps({tag: v}) if isinstance(v, str) else "{}")
        focus = focus.drop(columns=f"tag:{tag}", errors="ignore").assign(Tags=tags)
    leading = ["ChargePeriodStart", "ChargePeriodEnd", "ProviderName", "ServiceProviderName", "HostProviderName",
               "SubAccountId", "SubAccountName", "RegionId", "ServiceName", *(["Tags"] if tag else []),
               "EffectiveCost", "BillingCurrency"]
    return focus[[*leading, *(c for c in focus.columns if c not in leading)]]


def _forecast(con: duckdb.DuckDBPyConnection, first: date) -> dict[str, Any]:
    """Next month and the year from the months up to the report's (`footprint --forecast`): in total and for the
    services that emit most."""
    until = add_months(first, 1)
    try:
        return {"method": FORECAST_METHOD, "total": records(forecast(con, until=until)),
                "by_service": records(forecast(con, by="service", until=until).head(TOP_FORECAST)), "note": None}
    except InputError as error:  # only the current, unfinished month is held: nothing to forecast from yet
        return {"method": FORECAST_METHOD, "total": [], "by_service": [], "note": str(error)}


def _sci(con: duckdb.DuckDBPyConnection, first: date, units: str | None) -> dict[str, Any]:
    """SCI per functional unit for the report's month (`cloudcarbon sci --units FILE`), when a units file is given."""
    if units is None:
        return {"rows": [], "method": None}
    from cloudcarbon.sci import METHOD, sci

    frame = sci(con, units=units)
    month = frame[frame["month"] == f"{first:%Y-%m}"]
    return {"rows": records(month), "method": METHOD,
            "uncovered_kgco2e": frame.attrs["uncovered_kgco2e"].get(f"{first:%Y-%m}")}


def _priced(totals: dict[str, Any] | None, usd_per_tonne: float | None) -> dict[str, float] | None:
    """What the month's emissions cost at a carbon price (USD per tonne), with the range of the emissions."""
    if usd_per_tonne is None or totals is None:
        return None
    return {"usd_per_tonne": usd_per_tonne, **{f"usd{suffix}": totals[f"total_kgco2e{suffix}"] / 1000 * usd_per_tonne
                                               for suffix in ("", "_low", "_high")}}


def _reconciled(con: duckdb.DuckDBPyConnection, first: date) -> dict[str, Any]:
    """Our figures beside the providers' own for the month (`cloudcarbon reconcile --by provider,service`), or
    which months their figures cover when they do not cover this one."""
    from cloudcarbon.reconcile import COMPARED, reconcile

    held = [m for (m,) in con.execute("SELECT DISTINCT strftime(billing_period_start, '%Y-%m') FROM provider_emissions "
                                      "ORDER BY 1").fetchall()]
    if f"{first:%Y-%m}" not in held:
        return {"rows": [], "months_held": held, "compared": COMPARED}
    rows = reconcile(con, month=f"{first:%Y-%m}", by="provider,service")
    return {"rows": records(rows), "months_held": held, "compared": COMPARED}


def build_report(con: duckdb.DuckDBPyConnection, month: str, *, by_tag: str | None = None,
                 missing_sources: Sequence[str] = (), budgets: Sequence[Budget] = (),
                 carbon_price: float | None = None, units: str | None = None) -> Report:
    """Everything the monthly report shows for `month` (YYYY-MM), from the store behind `con`.
    `missing_sources` names the sources a scheduled run could not update (the report says so)."""
    first = parse_month(month)
    if carbon_price is not None and not (math.isfinite(carbon_price) and carbon_price > 0):
        raise UsageError(f"--carbon-price {carbon_price:g}: give a price above 0 in USD per tonne of CO2e, e.g. 80")
    if by_tag is not None and not TAG_KEY.fullmatch(by_tag):
        raise UsageError(f"--by-tag {shown(by_tag)}: give a tag key such as team or cost_center")
    prepare(con)
    span, previous_span = _window(first), _window(add_months(first, -1))
    trend_span = Window(_window(add_months(first, 1 - TREND_MONTHS)).since, span.until)

    trend = footprint(con, by="month", window=trend_span)
    by_month = {row["month"]: row for row in records(trend)}
    if f"{first:%Y-%m}" not in by_month:
        held = ", ".join(sorted(by_month)) or "no month in the 12 before it either"
        raise InputError(f"--month {first:%Y-%m}: the store holds no usage for that month ({held}); "
                         "ingest its billing export first, e.g. cloudcarbon ingest aws PATH")
    months = [f"{add_months(first, n - TREND_MONTHS + 1):%Y-%m}" for n in range(TREND_MONTHS)]
    totals = _totals(by_month[f"{first:%Y-%m}"])
    previous = _totals(by_month.get(f"{add_months(first, -1):%Y-%m}"))
    names = _account_names(con, span)
    breakdowns = {key: records(_breakdown(con, key, span, names)) for key in BREAKDOWNS}
    if by_tag:
        tagged = _with_share(footprint(con, by=f"tag:{by_tag}", window=span))
        breakdowns[f"tag:{by_tag}"] = records(tagged.rename(columns={f"tag:{by_tag}": "tag"}))
    breakdowns["resource"] = records(_top_resources(con, span, by_tag or "team"))
    # The month's usage summed into workloads once, for the opportunities and the sources.
    sql, params = store_workloads_sql(None, ["false AS x_model_selected"])
    params.update(since=span.since, until=span.until)
    with shared_workloads(con, "report_workloads", sql, params) as workloads:
        found = opportunities(con, span, workloads)
        sources = _sources(con, workloads)
    freshness = con.execute(read_query("report_freshness")).df()

    document = {
        "meta": provenance(command="report", month=f"{first:%Y-%m}", period=span.label(), by_tag=by_tag,
                           previous_month=f"{add_months(first, -1):%Y-%m}", method="METHODOLOGY.md",
                           missing_sources=list(missing_sources)),
        "summary": {"totals": totals, "previous": previous, "change": _change(totals, previous),
                    "previous_period": previous_span.label(), "carbon_price": _priced(totals, carbon_price)},
        "freshness": records(freshness),
        "trend": [{"month": m, **{k: v for k, v in by_month.get(m, {}).items() if k != "month"}} for m in months],
        "breakdowns": breakdowns,
        "opportunities": found.document(),
        "budgets": records(check(con, list(budgets), f"{first:%Y-%m}")) if budgets else [],
        "forecast": _forecast(con, first),
        "sci": _sci(con, first, units),
        "reconcile": _reconciled(con, first),
        "data_quality": _data_quality(con, span, trend_span),
        "sources": records(sources),
    }
    return Report(f"{first:%Y-%m}", by_tag, document, _focus_rows(con, span, by_tag, names), found)
