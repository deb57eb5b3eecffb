"""What the report and the service offer as "what next": recommend-region and whatif over the store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from cloudcarbon.output import records
from cloudcarbon.periods import Window
from cloudcarbon.recommend import NO_CONSTRAINTS, Constraints, recommend_from_store
from cloudcarbon.whatif import whatif

# Each is called as function(con, window=..., by=...) and returns an object with `rows` (a DataFrame) and
# `assumptions` (list of str): recommend.Ranking, whatif.WhatIf.
ANALYSES: dict[str, Callable[..., Any]] = {
    "recommend-region": recommend_from_store,
    "whatif": whatif,
}
TOP = 10
# What the report shows of each analysis (the service returns every row and column).
REPORT_COLUMNS = {
    "recommend-region": ("workload", "instance_type", "region", "kgco2e", "kgco2e_saved", "pct_saved", "cost_delta",
                         "migration_cost", "payback_months", "currency", "intensity_gco2e_per_kwh", "pue", "pareto",
                         "cost_note"),
    "whatif": ("workload", "scenario", "kgco2e", "kgco2e_low", "kgco2e_high", "kgco2e_saved", "pct_saved",
               "cost_delta", "migration_cost", "currency", "note"),
}

# Column headers in words with units, for readers without the field glossary.
HEADERS = {
    "recommend-region": {
        "workload": "Workload", "instance_type": "Instance type", "region": "Best region",
        "kgco2e": "CO2e there (kg)", "kgco2e_saved": "CO2e saved (kg)",
        "pct_saved": "CO2e saved (%)", "cost_delta": "Cost change a month",
        "migration_cost": "One-off cost to move the data", "payback_months": "Pays back in (months)",
        "currency": "Currency", "intensity_gco2e_per_kwh": "Grid intensity there (gCO2e/kWh)", "pue": "PUE there",
        "pareto": "Best CO2e-for-cost trade-off", "cost_note": "Cost note"},
    "whatif": {
        "workload": "Scope", "scenario": "Lever", "kgco2e": "CO2e with the lever (kg)", "kgco2e_low": "Low (kg)",
        "kgco2e_high": "High (kg)", "kgco2e_saved": "CO2e saved (kg)", "pct_saved": "CO2e saved (%)",
        "cost_delta": "Cost change a month", "migration_cost": "One-off cost to move the data",
        "currency": "Currency", "note": "How"},
}


@dataclass
class Result:
    """One analysis over the store: its rows and the assumptions behind them."""

    rows: pd.DataFrame
    assumptions: list[str]


def run_analysis(name: str, con: duckdb.DuckDBPyConnection, *, window: Window, by: str | None = None,
                 constraints: Constraints = NO_CONSTRAINTS) -> Result:
    """Run `name` over the store for `window` (ranked and priced as `constraints` say)."""
    found = ANALYSES[name](con, window=window, by=by, constraints=constraints)
    return Result(found.rows, list(found.assumptions))


def highlights(name: str, result: Result) -> pd.DataFrame:
    """The rows worth a report line: each workload's best move (recommend-region), the totals per
    scenario (whatif); largest saving first."""
    rows = result.rows
    if name == "recommend-region":
        rows = rows[(rows["rank"] == 1) & ~rows["current"].astype(bool) & (rows["kgco2e_saved"] > 0)]
    elif name == "whatif":
        totals = rows[rows["workload"] == "TOTAL"]
        rows = totals if len(totals) else rows
        rows = rows[~counterfactual(rows)]
    rows = rows.sort_values("kgco2e_saved", ascending=False).head(TOP)
    return rows[[c for c in REPORT_COLUMNS[name] if c in rows.columns]]


def decisions(name: str, result: Result) -> list[str]:
    """recommend-region's best moves as sentences a budget holder acts on: what moves where, the CO2e saved and
    what it costs (or why that is not known). Built from the highlighted rows (at most TOP)."""
    if name != "recommend-region":
        return []
    rows = result.rows
    here = rows[rows["current"].astype(bool)].drop_duplicates("workload").set_index("workload")["region"]
    lines = []
    for row in rows.loc[highlights(name, result).index].to_dict("records"):  # every column: the move's data too
        what = row["instance_type"] if pd.notna(row["instance_type"]) and row["instance_type"] else (
            "usage without an instance type")
        cost = (f"{row['cost_delta']:+,.2f} {row['currency']} a month" if pd.notna(row["cost_delta"])
                else f"cost change unknown ({row['cost_note'] or 'no price'})")
        lines.append(f"Move {what} ({row['workload']}) from {here.get(row['workload'], 'its region')} to "
                     f"{row['region']}: −{row['pct_saved']:.0f} % CO2e ({row['kgco2e_saved']:,.1f} kg a month), "
                     f"{cost}{_one_off(row)}.")
    return lines


def _one_off(row: dict[str, Any]) -> str:
    """', one-off 310.00 USD to move 2,048 GB (pays back in 3.1 months)' where the move carries stored data."""
    gb, cost = row.get("migration_gb"), row.get("migration_cost")
    if not gb or pd.isna(gb) or gb <= 0:
        return ""
    if cost is None or pd.isna(cost):
        return f", moving its {gb:,.0f} GB of data at a cost not known ({row.get('migration_note') or 'no price'})"
    payback = row.get("payback_months")
    back = f" (pays back in {payback:,.1f} months)" if payback is not None and pd.notna(payback) else ""
    return f", one-off {cost:,.2f} {row['currency']} to move {gb:,.0f} GB{back}"


def counterfactual(rows: pd.DataFrame) -> pd.Series:
    """Whatif rows that are context, not a saving: cloud usage moved on-premises (mechanization) emits more, as
    the cloud's lower PUE already saves it; shown apart from the levers that would save."""
    return (rows["scenario"] == "mechanization") & (rows["kgco2e_saved"] < 0)


def context(name: str, result: Result) -> list[dict[str, Any]]:
    """The counterfactual totals of `name` (whatif only): what the cloud already saves against on-premises."""
    if name != "whatif":
        return []
    totals = result.rows[result.rows["workload"] == "TOTAL"]
    rows = totals[counterfactual(totals)]
    return records(rows[["scenario", "kgco2e", "kgco2e_saved"]].assign(kgco2e_saved=-rows["kgco2e_saved"])
                   .rename(columns={"kgco2e_saved": "kgco2e_more"}))


@dataclass
class Opportunities:
    """Each analysis's highlights and assumptions for the report."""

    results: dict[str, Result]

    def document(self) -> dict[str, Any]:
        return {name: {"rows": records(highlights(name, result)), "headers": HEADERS[name],
                       "decisions": decisions(name, result),
                       "context": context(name, result),
                       "workloads": int(result.rows["workload"].nunique()) if "workload" in result.rows else None,
                       "assumptions": result.assumptions}
                for name, result in self.results.items()}


def opportunities(con: duckdb.DuckDBPyConnection, window: Window, workloads: str) -> Opportunities:
    """Both analyses over the same summed `workloads` (recommend.shared_workloads), ranking the workloads'
    regions once: whatif's Map lever takes recommend-region's best."""
    # The report shows each workload's best move only (highlights): its rank-1 candidates, beside where it runs.
    moves = recommend_from_store(con, window=window, workloads=workloads, top=1)
    levers = whatif(con, window=window, ranking=moves, workloads=workloads)
    return Opportunities({"recommend-region": Result(moves.rows, list(moves.assumptions)),
                          "whatif": Result(levers.rows, list(levers.assumptions))})
