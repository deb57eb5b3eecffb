"""Software Carbon Intensity (Green Software Foundation, ISO/IEC 21031:2024): SCI = (E x I + M) / R per group and
month. Ours: E x I is our operational CO2e (location-based, annual average intensity), M our embodied CO2e, R the
functional units the user counts (requests, tokens, trained models, users), from a units CSV or from a numeric tag
on the bill. The figures come from `footprint` for the same month and groups, so SCI inherits their range.

Units CSV: `month` (YYYY-MM), `functional_unit` (a name), `count` (> 0), and optionally grouping columns named as
`footprint --by` names them (`account`, `service`, `region`, `provider`, `tag:team`, ...): the columns decide the
groups. A group with units but no footprint is listed with a note; footprint in no group of the file is counted.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from cloudcarbon.errors import InputError, UsageError, shown
from cloudcarbon.footprint import footprint, group_expressions
from cloudcarbon.groupings import GROUP_KEYS, parse_by
from cloudcarbon.periods import parse_month, window

REQUIRED = ("month", "functional_unit", "count")
FIGURES = ("operational_kgco2e", "embodied_kgco2e", "total_kgco2e", "total_kgco2e_low", "total_kgco2e_high")
COLUMNS = ("month", "functional_unit", "count", *FIGURES, "sci_gco2e_per_unit", "sci_gco2e_per_unit_low",
           "sci_gco2e_per_unit_high", "note")
METHOD = ("SCI = (E x I + M) / R (Green Software Foundation, ISO/IEC 21031:2024): E x I = our operational CO2e "
          "(location-based annual average intensity, not marginal), M = our embodied CO2e, R = the functional units "
          "given; range from our estimate's low/high")


# The first row of the units file (numbered as a spreadsheet shows it, the header being row 1) with a bad value.
BAD_UNIT_ROW = """
    SELECT row_index + 2, bad, CASE bad WHEN 'month' THEN month WHEN 'count' THEN count ELSE functional_unit END
    FROM (SELECT *, CASE
            WHEN NOT regexp_full_match(coalesce(month, ''), '[0-9]{4}-(0[1-9]|1[0-2])') THEN 'month'
            WHEN NOT coalesce(TRY_CAST(count AS DOUBLE) > 0, false) THEN 'count'
            WHEN nullif(trim(functional_unit), '') IS NULL THEN 'functional_unit' END AS bad
          FROM units_input)
    WHERE bad IS NOT NULL ORDER BY row_index LIMIT 1
"""


def _units(con: duckdb.DuckDBPyConnection, path: str) -> tuple[pd.DataFrame, list[str]]:
    """The units file, checked: one line naming file, row and column for the first bad value."""
    try:
        frame = con.execute("SELECT * FROM read_csv($p, header = true, all_varchar = true)", {"p": path}).df()
    except duckdb.IOException:
        raise InputError(f"--units {path}: no such file; give a CSV with columns month, functional_unit, count") \
            from None
    except duckdb.Error as error:
        raise InputError(f"--units {path}: not a readable CSV ({str(error).splitlines()[0]})") from None
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise InputError(f"--units {path}: column {missing[0]} is missing; the file needs month, functional_unit, "
                         "count (and optional grouping columns such as account or tag:team)")
    keys = [c for c in frame.columns if c not in REQUIRED]
    for key in keys:
        if key not in GROUP_KEYS and not (key.startswith("tag:") and len(key) > 4):
            raise InputError(f"--units {path}: column {shown(key)} is not a grouping; use footprint's names "
                             f"({', '.join(k for k in GROUP_KEYS if k != 'month')}, tag:KEY)")
    con.register("units_input", frame.reset_index(names="row_index"))
    try:
        bad = con.execute(BAD_UNIT_ROW).fetchall()
    finally:
        con.unregister("units_input")
    if bad:
        row, column, value = bad[0]
        what = {"month": "is not YYYY-MM", "count": "is not a positive number",
                "functional_unit": "is empty; name the unit, e.g. requests"}[column]
        raise InputError(f"--units {path}: row {row}, column {column}: {shown(value or '')} {what}")
    return frame.assign(count=pd.to_numeric(frame["count"])), keys


def sci(con: duckdb.DuckDBPyConnection, *, units: str | None = None, units_tag: str | None = None,
        month: str | None = None, by: str | None = None) -> pd.DataFrame:
    """One row per units row (or per group with the tag's sum): our figures, R and SCI in gCO2e per unit."""
    if (units is None) == (units_tag is None):
        raise UsageError("give --units FILE or --units-tag KEY (one of them)")
    if units is not None:
        frame, keys = _units(con, units)
    else:
        if month is None:
            raise UsageError("--units-tag needs --month YYYY-MM")
        keys = [k.strip() for k in (by or "").split(",") if k.strip()]
        frame = _tag_units(con, units_tag, month, keys)
    rows, uncovered = [], {}
    for month_text, part in frame.groupby("month", sort=True):
        first = f"{parse_month(str(month_text)):%Y-%m}"
        ours = footprint(con, by=keys or ["month"], window=window(first))
        # The month's footprint in groups no units row names: emitted, but carried by no functional unit.
        named = ours.astype({k: "string" for k in keys}).merge(
            part[keys].astype("string").drop_duplicates(), on=keys) if keys else ours
        uncovered[first] = float(ours["total_kgco2e"].sum() - named["total_kgco2e"].sum())
        joined = part.astype({k: "string" for k in keys}).merge(
            ours.astype({k: "string" for k in keys}), how="left", on=keys) if keys else \
            part.assign(**{f: ours[f].sum() if len(ours) else None for f in FIGURES})
        rows.append(joined.assign(month=first))
    result = pd.concat(rows, ignore_index=True)
    grams = 1000 / result["count"]
    result["sci_gco2e_per_unit"] = result["total_kgco2e"] * grams
    result["sci_gco2e_per_unit_low"] = result["total_kgco2e_low"] * grams
    result["sci_gco2e_per_unit_high"] = result["total_kgco2e_high"] * grams
    result["note"] = result["total_kgco2e"].isna().map(
        {True: "no footprint for this group in the month: check its spelling against `cloudcarbon footprint --by "
               f"{','.join(keys) or 'month'}`", False: None})
    result = result[[*keys, *COLUMNS]]
    result.attrs["uncovered_kgco2e"] = uncovered
    return result


def _tag_units(con: duckdb.DuckDBPyConnection, key: str, month: str, keys: list[str]) -> pd.DataFrame:
    """R from a numeric tag on the bill: the sum of its values over the month's usage lines, per group."""
    span = window(month)
    params = {"tag": key, "since": span.since, "until": span.until}
    if "month" in parse_by(keys):
        raise UsageError("--by month: a units tag counts one month (--month); choose other groupings")
    grouped = group_expressions(keys, params)
    where = "charge_period_start >= $since AND charge_period_start < $until AND tags[$tag] IS NOT NULL"
    bad = con.execute(f"SELECT tags[$tag] FROM usage WHERE {where} AND TRY_CAST(tags[$tag] AS DOUBLE) IS NULL "
                      "LIMIT 1", params).fetchall()
    if bad:
        raise InputError(f"--units-tag {shown(key)}: the tag holds {shown(bad[0][0])}, not a number; give a tag "
                         "whose values count functional units")
    select = ", ".join([*grouped, "sum(CAST(tags[$tag] AS DOUBLE)) AS count"])
    frame = con.execute(f"SELECT {select} FROM usage WHERE {where} GROUP BY ALL", params).df()
    frame = frame[frame["count"].notna()]  # without groups, the sum of no line is one row of NULL
    if frame.empty:
        raise InputError(f"--units-tag {shown(key)}: no usage line of {month} carries that tag")
    frame = frame.rename(columns={f"g{number}": group for number, group in enumerate(keys)})
    return frame.assign(month=month, functional_unit=key).astype({k: "string" for k in keys})
