"""`whatif`: what each of the 4M levers (Map, Machine, Mechanization, Model; Patterson et al. 2022) would
change per workload and in total, CO2e (with low/high) and cost, every assumption printed.

Each lever is a transformation of the usage rows (queries/whatif_levers.sql) evaluated by the footprint
query itself; the Map lever takes each workload's best region from the recommend-region ranking.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pandas as pd

from cloudcarbon.coefficients import loader
from cloudcarbon.errors import UsageError
from cloudcarbon.estimation import footprint_sql, prepare, row_params
from cloudcarbon.periods import ALL_TIME, Window
from cloudcarbon.queries import read_query
from cloudcarbon.recommend import (
    NO_CONSTRAINTS,
    Constraints,
    Ranking,
    ranked,
    shared_workloads,
    store_workloads_sql,
    window_hours,
)

LEVERS = ("map", "machine", "mechanization", "model")
MODEL_FACTOR_RANGE = "Patterson et al. 2022 report 5-10x less compute for sparse or distilled models"

COLUMNS = (
    "workload", "scenario", "kgco2e", "kgco2e_low", "kgco2e_high", "kgco2e_saved", "pct_saved",
    "energy_kwh", "operational_kgco2e", "embodied_kgco2e", "cost", "cost_delta", "migration_cost", "currency",
    "applied", "note",
)


@dataclass
class WhatIf:
    rows: pd.DataFrame
    assumptions: list[str] = field(default_factory=list)


def parse_levers(levers: str | None) -> list[str]:
    chosen = [x.strip() for x in (levers or ",".join(LEVERS)).split(",") if x.strip()]
    for lever in chosen:
        if lever not in LEVERS:
            raise UsageError(f"--lever {lever!r}: choose from {', '.join(LEVERS)}")
    return chosen


def _selection(model_tags: tuple[str, ...], model_accounts: tuple[str, ...]) -> tuple[str, dict]:
    """SQL condition choosing the workloads the Model lever applies to, with its parameters."""
    tags = []
    for tag in model_tags:
        key, sep, value = tag.partition("=")
        if not sep or not key:
            raise UsageError(f"--model-tag {tag!r}: give KEY=VALUE, e.g. --model-tag team=ml")
        tags.append({"k": key, "v": value})
    condition = ("(list_has_any($model_accounts, [sub_account_id])"
                 " OR len(list_filter($model_tags, lambda t: tags[t.k] = t.v)) > 0)")
    return condition, {"model_accounts": list(model_accounts), "model_tags": tags}


def whatif(
    con: duckdb.DuckDBPyConnection,
    *,
    levers: str | None = None,
    by: str | None = None,
    window: Window = ALL_TIME,
    model_factor: float | None = None,
    model_tags: tuple[str, ...] = (),
    model_accounts: tuple[str, ...] = (),
    onprem_pue: float | None = None,
    cloud_pue: float | None = None,
    constraints: Constraints = NO_CONSTRAINTS,
    ranking: Ranking | None = None,
    workloads: str | None = None,
) -> WhatIf:
    """Current versus each lever and all combined, per workload and in total. `ranking`: recommend-region's
    ranking of the same workloads, window and constraints, when the caller has it (the Map lever's best
    region per workload; ranking is most of the work). `workloads`: SQL reading the window's workloads already
    summed by the default keys (recommend.shared_workloads with `false AS x_model_selected`: no Model lever)."""
    chosen = parse_levers(levers)
    prepare(con)
    onprem = onprem_pue if onprem_pue is not None else loader.constant(con, "onprem_pue")
    cloud, cloud_basis = _cloud_pue(con, cloud_pue)
    for name, value in (("--onprem-pue", onprem), ("--cloud-pue", cloud)):
        if value < 1:
            raise UsageError(f"{name} {value:g}: a PUE is at least 1")
    if model_factor is not None and not model_factor > 0:
        raise UsageError(f"--model-factor {model_factor:g}: give a factor greater than 0, e.g. 5")
    selected, select_params = _selection(model_tags, model_accounts)
    model_on = "model" in chosen and model_factor is not None and bool(model_tags or model_accounts)
    # The workload SQL sums usage; the Model selection must be part of what it groups by.
    workloads_sql, params = store_workloads_sql(by, [f"{selected if model_on else 'false'} AS x_model_selected"])
    params.update(since=window.since, until=window.until)
    if model_on:
        params.update(select_params)

    if workloads is not None:
        return _whatif(con, workloads, chosen, ranking, window, constraints, model_on=model_on,
                       model_factor=model_factor, onprem=onprem, cloud=cloud, cloud_basis=cloud_basis)
    # The month's usage summed into workloads once, for the ranking and the levers alike.
    with shared_workloads(con, "whatif_workloads", workloads_sql, params) as summed:
        return _whatif(con, summed, chosen, ranking, window, constraints, model_on=model_on,
                       model_factor=model_factor, onprem=onprem, cloud=cloud, cloud_basis=cloud_basis)


def _whatif(con: duckdb.DuckDBPyConnection, workloads: str, chosen: list[str], ranking: Ranking | None,
            window: Window, constraints: Constraints, *, model_on: bool, model_factor: float | None, onprem: float,
            cloud: float, cloud_basis: str) -> WhatIf:
    if ranking is None:
        with ranked(con, workloads, {}, constraints, cost_basis="billed", top=1, with_excluded=False,
                    window_hours=window_hours(con, window)) as rows:
            ranking = rows.read(con)
    best = ranking.rows
    # One region per workload (ties broken by name), and only a move that lowers CO2e.
    best = best[(best["rank"] == 1) & ~best.current & (best.kgco2e_saved > 0)].drop_duplicates("workload")
    if "map" not in chosen:
        best = best.iloc[0:0]
    con.register("map_choice", pd.DataFrame({
        "x_workload": best.workload, "region": best.region, "cost_delta": best.cost_delta.astype("float64"),
        "migration_cost": best.migration_cost.astype("float64")}))
    sql = f"""
        WITH workloads AS ({workloads}),
        fp AS ({footprint_sql(read_query('whatif_levers'))})
        SELECT * FROM ({read_query('whatif_totals')})
    """
    all_params = {**row_params(), "model_factor": model_factor if model_on else 1.0,
                  "onprem_pue": onprem, "cloud_pue": cloud}
    frame = con.execute(sql, all_params).df()
    frame["applied"] = True
    frame["note"] = None
    notes = {
        "map": frame.map_region.map(lambda r: f"best region {r}" if isinstance(r, str) else None),
        "machine": frame.machine_note,
        "mechanization": f"cloud rows: on-premises counterfactual at PUE {onprem:g}; negative saving = what the "
                         "cloud already saves",
        "model": f"compute / {model_factor:g} for selected workloads" if model_on else None,
        "combined": "model, machine and map together",
    }
    for lever, note in notes.items():
        mask = frame.scenario == lever
        frame.loc[mask, "note"] = note[mask] if isinstance(note, pd.Series) else note
    frame.loc[(frame.scenario == "mechanization") & frame.onprem, "note"] = (
        f"on-premises servers: the same servers at cloud PUE {cloud:g}; cloud cost not modelled")
    frame.loc[(frame.scenario == "combined") & frame.onprem, "note"] = (
        f"model, machine and map together, at cloud PUE {cloud:g}; cloud cost not modelled")
    frame.loc[(frame.scenario == "machine") & frame.machine_note.isna(), ["applied", "note"]] = (
        False, "no newer generation for these instance types in coef_machine_upgrades")
    frame.loc[(frame.scenario == "map") & frame.map_region.isna(), ["applied", "note"]] = (
        False, "no allowed region with lower CO2e")
    frame.loc[(frame.scenario == "map") & frame.onprem, "note"] = "not applied: on-premises sites do not move"
    frame.loc[(frame.scenario == "machine") & frame.onprem, "note"] = (
        "not applied: no upgrade table for on-premises servers")
    if not model_on:
        reason = ("not applied: give --model-factor and select workloads with --model-tag KEY=VALUE or "
                  "--model-account ID (never applied silently)")
        frame.loc[frame.scenario == "model", ["applied", "note"]] = (False, reason)
    wanted = ["current", *chosen, "combined"]
    frame = frame[frame.scenario.isin(wanted)]
    frame["scenario"] = pd.Categorical(frame.scenario, categories=wanted, ordered=True)
    frame = frame.sort_values(["workload", "scenario"])
    totals = _totals(frame)
    out = pd.concat([frame, totals], ignore_index=True)[list(COLUMNS)]
    out["scenario"] = out.scenario.astype(str)
    assumptions = [
        "map: each workload moved to its rank-1 region of recommend-region (" + constraints.rule() + ")",
        "machine: same work on the newer generation; hours scale by capacity and the cited throughput ratio "
        "(coefficients/data/machine_upgrades.csv); cost at on-demand prices of the region, null if unknown",
        f"mechanization: facility energy scaled by PUE; cloud rows at on-premises PUE {onprem:g} "
        "(coef_constants onprem_pue, Uptime Institute 2024, or --onprem-pue); on-premises inventory rows at cloud "
        f"PUE {cloud:g} ({cloud_basis})",
        f"model: {MODEL_FACTOR_RANGE}; applied only as given by --model-factor to selected workloads",
        "combined: model, machine and map together; on-premises rows also at the cloud PUE (for cloud usage, "
        "mechanization is a counterfactual)",
    ]
    return WhatIf(out, assumptions)


def _cloud_pue(con: duckdb.DuckDBPyConnection, given: float | None) -> tuple[float, str]:
    """The PUE on-premises servers would run at in the cloud: given, else the providers' latest fleet mean."""
    if given is not None:
        return given, "--cloud-pue"
    fleets = con.execute(
        """
        SELECT provider, arg_max(pue, year) AS pue, max(year) AS year FROM coef_pue
        WHERE region = '*' AND provider IN (SELECT provider FROM coef_providers WHERE cloud_pue_mean)
        GROUP BY provider ORDER BY provider
        """
    ).fetchall()
    mean = sum(pue for _, pue, _ in fleets) / len(fleets)
    listed = ", ".join(f"{provider} {pue:g} ({year})" for provider, pue, year in fleets)
    return round(mean, 3), f"mean of the latest fleet PUEs in coef_pue: {listed}; or --cloud-pue"


def _totals(frame: pd.DataFrame) -> pd.DataFrame:
    """One 'TOTAL' row per scenario (pandas at the edge, over a handful of summary rows)."""
    if frame.empty:  # no usage in the window: nothing to total
        return frame
    # A total cost is unknown as soon as one workload's is (never a partial sum passed off as the total).
    sums = frame.groupby("scenario", observed=True)[
        ["kgco2e", "kgco2e_low", "kgco2e_high", "energy_kwh", "operational_kgco2e", "embodied_kgco2e", "cost",
         "migration_cost"]
    ].agg(lambda s: s.sum(skipna=False)).reset_index()
    current = sums.loc[sums.scenario == "current"].iloc[0]
    sums["kgco2e_saved"] = current.kgco2e - sums.kgco2e
    sums["pct_saved"] = 100 * sums.kgco2e_saved / current.kgco2e if current.kgco2e else None
    sums["cost_delta"] = sums.cost - current.cost
    sums["workload"] = "TOTAL"
    sums["currency"] = frame.currency.iloc[0] if frame.currency.nunique() == 1 else "MIXED"
    sums["applied"] = frame.groupby("scenario", observed=True).applied.any().values
    sums["note"] = None
    return sums

