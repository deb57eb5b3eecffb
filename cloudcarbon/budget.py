"""Carbon and cost budgets per month. A budget names a group (everything, or one provider, account, region,
service or tag value) and a monthly limit in kgCO2e, in cost, or both; `check` sets the month's footprint beside
each limit. The footprint's central figure decides a breach; a limit below our high bound only is "at risk", as
the estimate's own range reaches it.

Budgets live in a TOML file as `[[budgets]]` tables, the same tables a run-monthly config may hold:

    [[budgets]]
    name = "ML team"          # optional: how lines name it (default: the group)
    tag = "team=ml"           # or account = "...", service = "...", region = "...", provider = "..."; none: all
    kgco2e = 500              # per month, total (operational + embodied), and/or
    cost = 20000              # per month, in the bill's currency
    currency = "USD"          # optional: the currency `cost` is in, checked against the bill's
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from cloudcarbon.errors import InputError, shown
from cloudcarbon.footprint import footprint
from cloudcarbon.periods import parse_month, window

# The keys a budget may name its group by, as `footprint --by` names them.
GROUPS = ("provider", "account", "region", "service", "tag")
LIMITS = ("kgco2e", "cost")
KEYS = {"name", *GROUPS, *LIMITS, "currency"}
TAG = re.compile(r"^([^=\s]+)=(.*)$")
COLUMNS = ("budget", "group", "month", "kgco2e", "kgco2e_low", "kgco2e_high", "kgco2e_budget", "kgco2e_pct",
           "cost", "currency", "cost_budget", "cost_pct", "status", "note")
TABLE_COLUMNS = {"budget": "budget", "month": "month", "kgco2e": "kgCO2e", "kgco2e_budget": "budget kgCO2e",
                 "kgco2e_pct": "% used", "cost": "cost", "cost_budget": "budget cost", "cost_pct": "% used ",
                 "status": "status"}


@dataclass(frozen=True)
class Budget:
    name: str
    key: str | None  # a footprint --by key (tag:KEY for tags); None: the whole store
    value: str | None
    kgco2e: float | None
    cost: float | None
    currency: str | None

    @property
    def group(self) -> str:
        if self.key is None:
            return "all usage"
        return f"{self.key[4:]}={self.value}" if self.key.startswith("tag:") else f"{self.key}={self.value}"


def _limit(where: str, value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise InputError(f"{where}: give a positive number per month, e.g. 500 (it is {value!r})")
    return float(value)


def _budget(path: Path, number: int, table: object) -> Budget:
    where = f"{path}: budgets[{number}]"
    if not isinstance(table, dict):
        raise InputError(f"{where}: each budget is a [[budgets]] table, e.g. tag = \"team=ml\", kgco2e = 500")
    unknown = sorted(set(table) - KEYS)
    if unknown:
        raise InputError(f"{where}.{unknown[0]}: not a budget field; choose from {', '.join(sorted(KEYS))}")
    groups = [key for key in GROUPS if key in table]
    if len(groups) > 1:
        raise InputError(f"{where}: names {' and '.join(groups)}; a budget covers one group, so give one of them")
    key = value = None
    if groups:
        (key,) = groups
        value = table[key]
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"{where}.{key}: give the {key} as text, e.g. {key} = \"...\"")
        if key == "tag":
            match = TAG.match(value)
            if not match:
                raise InputError(f"{where}.tag: {shown(value)} is not KEY=VALUE; write e.g. tag = \"team=ml\"")
            key, value = f"tag:{match.group(1)}", match.group(2)
    kgco2e = _limit(f"{where}.kgco2e", table.get("kgco2e"))
    cost = _limit(f"{where}.cost", table.get("cost"))
    if kgco2e is None and cost is None:
        raise InputError(f"{where}: has no limit; add kgco2e = N (per month) or cost = N, or both")
    currency = table.get("currency")
    if currency is not None and (not isinstance(currency, str) or not re.fullmatch(r"[A-Za-z]{3}", currency)):
        raise InputError(f"{where}.currency: give an ISO 4217 code such as \"USD\" (it is {currency!r})")
    name = table.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise InputError(f"{where}.name: give the budget a name as text, or leave it out")
    budget = Budget("", key, value, kgco2e, cost, currency.upper() if currency else None)
    return Budget(name.strip() if name else budget.group, key, value, kgco2e, cost, budget.currency)


def load_budgets(path: str | Path) -> list[Budget]:
    """The `[[budgets]]` of a TOML file (a budgets file or a run-monthly config), validated."""
    config = Path(path)
    try:
        data = tomllib.loads(config.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"--config {config}: no such file; write one with [[budgets]] tables (README, "
                         "'Budgets')") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InputError(f"--config {config}: not valid TOML ({error}); fix the file") from None
    tables = data.get("budgets")
    if not isinstance(tables, list) or not tables:
        raise InputError(f"{config}: no [[budgets]]; add one, e.g. [[budgets]] tag = \"team=ml\" kgco2e = 500")
    return [_budget(config, number, table) for number, table in enumerate(tables)]


def latest_month(con: duckdb.DuckDBPyConnection) -> str:
    months = footprint(con, by="month")
    if months.empty:
        raise InputError("the store holds no usage yet; ingest a billing export first, e.g. cloudcarbon ingest aws "
                         "PATH")
    return str(months["month"].max())


def _pct(used: float | None, limit: float | None) -> float | None:
    return None if used is None or limit is None else 100 * used / limit


def check(con: duckdb.DuckDBPyConnection, budgets: list[Budget], month: str | None = None) -> pd.DataFrame:
    """One row per budget for `month` (default: the latest month in the store): use, limit, percentage, status
    (breach, at risk, ok) and a note."""
    month = month or latest_month(con)
    span = window(f"{parse_month(month):%Y-%m}")
    totals = footprint(con, by="month", window=span)
    if totals.empty:
        raise InputError(f"--month {month}: the store holds no usage for that month; ingest its billing export first")
    # One footprint query per grouping key, however many budgets use it.
    by_key = {key: footprint(con, by=key, window=span) for key in {b.key for b in budgets if b.key}}
    rows = []
    for budget in budgets:
        frame = by_key[budget.key] if budget.key else totals
        if budget.key:
            frame = frame[frame[budget.key].astype("string") == budget.value]
        rows.append(_row(budget, month, frame))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _row(budget: Budget, month: str, frame: pd.DataFrame) -> dict:
    notes = []
    if frame.empty:
        kg = low = high = 0.0
        cost, currency = 0.0, budget.currency
        notes.append("no usage for this group in the month: check the spelling against `cloudcarbon footprint --by "
                     f"{budget.key}`")
    else:
        kg, low, high = (float(frame[c].sum()) for c in ("total_kgco2e", "total_kgco2e_low", "total_kgco2e_high"))
        currencies = sorted(set(frame["currency"].dropna()))
        currency = currencies[0] if len(currencies) == 1 else ("MIXED" if currencies else None)
        cost = float(frame["cost"].sum()) if currency not in (None, "MIXED") else None
    if budget.cost is not None and cost is not None and budget.currency and currency and budget.currency != currency:
        notes.append(f"the budget is in {budget.currency}, the bill in {currency}: cost not compared")
        cost_checked = None
    elif budget.cost is not None and cost is None:
        notes.append("cost unknown or in several currencies: cost not compared")
        cost_checked = None
    else:
        cost_checked = cost
    breaches = []
    if budget.kgco2e is not None and kg > budget.kgco2e:
        breaches.append(f"{kg:,.1f} kgCO2e over the {budget.kgco2e:,.1f} kgCO2e budget "
                        f"({_pct(kg, budget.kgco2e):.0f} %)")
    if budget.cost is not None and cost_checked is not None and cost_checked > budget.cost:
        breaches.append(f"{cost_checked:,.2f} {currency} over the {budget.cost:,.2f} {currency} budget "
                        f"({_pct(cost_checked, budget.cost):.0f} %)")
    if breaches:
        status = "breach"
        notes = [*breaches, *notes]
    elif budget.kgco2e is not None and high > budget.kgco2e:
        status = "at risk"
        notes.insert(0, f"within budget at our central estimate, over it at our high bound ({high:,.1f} kgCO2e)")
    else:
        status = "ok"
    return {"budget": budget.name, "group": budget.group, "month": month, "kgco2e": kg, "kgco2e_low": low,
            "kgco2e_high": high, "kgco2e_budget": budget.kgco2e, "kgco2e_pct": _pct(kg, budget.kgco2e),
            "cost": cost, "currency": currency, "cost_budget": budget.cost,
            "cost_pct": _pct(cost_checked, budget.cost), "status": status, "note": "; ".join(notes) or None}
