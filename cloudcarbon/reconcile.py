"""Our footprint beside the provider's own reported emissions (provider_emissions), one row per group, with the
difference split into named, quantified parts and what remains shown as its own part. Never blended: our figures
come from `footprint`, theirs from the provider's export, each as stored.

The comparison is our total (operational + embodied, location-based grid intensity) against the provider's
location-based total. The difference, ours - theirs, is:
- scope 3 we count and they do not: our embodied emissions, where their model version covers scopes 1 and 2 only;
- groups only we estimate: they report nothing for it (not yet published, rounded to nothing, not ingested);
- groups only they report: usage we do not estimate (no usage rows that month, or none with an energy model);
- rounding to their unit: each of their figures is rounded to the precision they report in (AWS: 0.001 MTCO2e,
  so up to 0.5 kg per figure); the part is the difference up to that bound, the precision read from the most
  decimals any figure of the same file shows;
- unexplained: the rest (PUE, grid factors and their year, their allocation of shared and idle capacity,
  utilisation), shown as its own part so that the parts always add up to the difference.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from cloudcarbon.coefficients.loader import provider_display_names
from cloudcarbon.errors import InputError, UsageError, shown
from cloudcarbon.estimation import footprint_sql, prepare, row_params, summed_usage_sql
from cloudcarbon.footprint import GROUP_KEYS as FOOTPRINT_KEYS
from cloudcarbon.footprint import footprint
from cloudcarbon.periods import Window, parse_month, window
from cloudcarbon.queries import quote_identifier

# --by names -> the provider_emissions column they group on (footprint.py groups usage by the same names).
GROUP_KEYS = {"provider": "provider_name", "account": "sub_account_id", "region": "region_id",
              "service": "service_name"}
DEFAULT_BY = tuple(GROUP_KEYS)
FIGURES = [
    "ours_operational_kgco2e", "ours_embodied_kgco2e", "ours_total_kgco2e", "ours_total_kgco2e_low",
    "ours_total_kgco2e_high", "theirs_location_kgco2e", "theirs_market_kgco2e", "theirs_scope1_kgco2e",
    "theirs_scope2_location_kgco2e", "theirs_scope2_market_kgco2e", "theirs_scope3_location_kgco2e",
    "theirs_scope3_market_kgco2e", "their_scopes", "their_model_version",
    "their_method_compared", "ratio", "theirs_in_our_range", "unmapped_cost_share",
    "difference_kgco2e", "part_scope3_only_ours_kgco2e", "part_only_ours_kgco2e",
    "part_only_theirs_kgco2e", "part_rounding_kgco2e", "part_unexplained_kgco2e", "market_minus_location_kgco2e",
    "explanation", "their_source_files",
]
COMPARED = ("our total (location-based grid intensity) vs the provider's location-based total, or its market-based "
            "total where it reports only that (Azure)")
# The terminal's columns (every other format carries every column, the parts and the explanation included).
TABLE_COLUMNS = {"ours_total_kgco2e": "ours kgCO2e", "ours_total_kgco2e_low": "low", "ours_total_kgco2e_high": "high",
                 "theirs_location_kgco2e": "theirs (location)", "theirs_market_kgco2e": "theirs (market)",
                 "ratio": "ratio", "theirs_in_our_range": "in range", "part_unexplained_kgco2e": "unexplained"}


def parse_by(by: str | list[str] | tuple[str, ...] | None) -> list[str]:
    if by is None:
        return list(DEFAULT_BY)
    items = by.split(",") if isinstance(by, str) else list(by)
    keys = list(dict.fromkeys(item.strip() for item in items if item.strip()))
    for key in keys:
        if key not in GROUP_KEYS:
            raise UsageError(f"--by {shown(key)} is not a grouping of reconcile; choose from {', '.join(GROUP_KEYS)}")
    if not keys:
        raise UsageError(f"--by needs at least one of {', '.join(GROUP_KEYS)}")
    return keys


def provider_name(provider: str | None) -> str | None:
    if provider is None:
        return None
    names = provider_display_names()  # --provider -> provider_name in usage and provider_emissions
    if provider.lower() not in names:
        raise UsageError(f"--provider {shown(provider)}: choose one of {', '.join(names)}")
    return names[provider.lower()]



def _no_provider_figures(con: duckdb.DuckDBPyConnection, month: date, provider: str | None) -> InputError:
    held = [m for (m,) in con.execute(
        "SELECT DISTINCT strftime(billing_period_start, '%Y-%m') FROM provider_emissions "
        "WHERE $provider IS NULL OR provider_name = $provider ORDER BY 1", {"provider": provider}).fetchall()]
    holds = f"it holds {', '.join(held)}" if held else "it holds none yet"
    return InputError(f"--month {month:%Y-%m}: the store holds no provider-reported emissions for that month "
                            f"({holds}); ingest the provider's carbon export first, e.g. cloudcarbon ingest aws-carbon "
                            "PATH")


def reconcile(con: duckdb.DuckDBPyConnection, *, month: str, provider: str | None = None,
              by: str | list[str] | None = None) -> pd.DataFrame:
    """One row per group of the month: our figures (central, low, high), the provider's location- and
    market-based figures, ratio, whether theirs lies in our range, and the difference in named parts."""
    keys = parse_by(by)
    stored_provider = provider_name(provider)
    first = parse_month(month)
    span = window(month)
    # Our groups always carry their provider: --provider filters on it, and services map per provider.
    ours_keys = keys if "provider" in keys else ["provider", *keys]
    ours, unmapped = footprint(con, by=ours_keys, window=span), _unmapped(con, ours_keys, span)
    if stored_provider is not None:
        ours, unmapped = (frame[frame["provider"] == stored_provider] for frame in (ours, unmapped))
    params = {"month": first, "provider": stored_provider}
    if not con.execute("SELECT count(*) FROM provider_emissions WHERE billing_period_start = $month "
                       "AND ($provider IS NULL OR provider_name = $provider)", params).fetchall()[0][0]:
        raise _no_provider_figures(con, first, stored_provider)
    con.register("ours_frame", ours)
    con.register("unmapped_frame", unmapped)
    try:
        frame = con.execute(_sql(keys), params).df()
    finally:
        con.unregister("ours_frame")
        con.unregister("unmapped_frame")
    return frame[[*keys, *FIGURES]]


def _unmapped(con: duckdb.DuckDBPyConnection, keys: list[str], span: Window) -> pd.DataFrame:
    """Per group, our cost in usage we estimate at no energy (no energy model, an unknown instance type:
    `cloudcarbon unknowns`) and all our cost: usage the provider counts and we do not, as a share of cost once the
    groups are set in one vocabulary (_sql), never turned into kg."""
    # g0, g1 ...: the footprint's rows carry coefficient columns of the keys' names (provider, region).
    grouped = [f"{FOOTPRINT_KEYS[key]} AS g{number}" for number, key in enumerate(keys)]
    prepare(con)  # estimates from usage: footprint() read stored figures and loaded no coefficient tables
    return con.execute(
        f"""
        SELECT {''.join(f'g{number} AS {quote_identifier(key)}, ' for number, key in enumerate(keys))}
               CAST(exact_sum(CASE WHEN coalesce(energy_kwh, 0) = 0 THEN abs(effective_cost) END) AS DOUBLE)
                   AS unmapped_cost, CAST(exact_sum(abs(effective_cost)) AS DOUBLE) AS cost
        FROM ({footprint_sql(summed_usage_sql(grouped))}) GROUP BY ALL
        """,
        row_params(span),
    ).df()


def _service(alias: str, column: str) -> str:
    """A service as one vocabulary names it: FOCUS ServiceCategory where coef_service_categories maps the provider's
    spelling (Azure meter categories and resource types), else as the provider names it (AWS product codes, Google
    Cloud service descriptions, the same on both sides)."""
    return (f"coalesce((SELECT v.service_category FROM coef_service_categories v JOIN coef_providers p "
            f"ON p.provider = v.provider WHERE p.display_name = {alias}.provider_name_ AND v.name = lower({column})), "
            f"{column})")


def _sql(keys: list[str]) -> str:
    quoted = [quote_identifier(key) for key in keys]
    theirs_keys = [f"{GROUP_KEYS[key]} AS {q}" for key, q in zip(keys, quoted, strict=True)]
    join = " AND ".join(f"o.{q} IS NOT DISTINCT FROM t.{q}" for q in quoted)
    same_group = " AND ".join(f"o.{q} IS NOT DISTINCT FROM m.{q}" for q in quoted)
    shown_keys = ", ".join(f"coalesce(o.{q}, t.{q}) AS {q}" for q in quoted)
    # Our groups, with their services in the shared vocabulary, summed again where two spellings meet.
    ours_keys = ", ".join(_service("f", "f.service") + " AS service" if key == "service" else f"f.{q}"
                          for key, q in zip(keys, quoted, strict=True))
    ours_sums = ", ".join(f"sum(f.{column}) AS {column}" for column in (
        "operational_kgco2e", "embodied_kgco2e", "total_kgco2e", "total_kgco2e_low", "total_kgco2e_high",
        "operational_kgco2e_low", "operational_kgco2e_high"))
    return f"""
    WITH ours AS (
        SELECT {ours_keys}, {ours_sums} FROM (SELECT *, provider AS provider_name_ FROM ours_frame) f GROUP BY ALL
    ),
    unmapped AS (
        SELECT {ours_keys}, sum(f.unmapped_cost) / nullif(sum(f.cost), 0) AS unmapped_cost_share
        FROM (SELECT *, provider AS provider_name_ FROM unmapped_frame) f GROUP BY ALL
    ),
    theirs AS (
        SELECT {''.join(k + ', ' for k in theirs_keys)}
               exact_sum(CASE WHEN scope = 'total' AND method = 'location' THEN kgco2e END) AS theirs_location,
               exact_sum(CASE WHEN scope = 'total' AND method = 'market' THEN kgco2e END) AS theirs_market,
               exact_sum(CASE WHEN scope = 'scope 1' THEN kgco2e END) AS theirs_scope1,
               exact_sum(CASE WHEN scope = 'scope 2' AND method = 'location' THEN kgco2e END) AS theirs_scope2_location,
               exact_sum(CASE WHEN scope = 'scope 2' AND method = 'market' THEN kgco2e END) AS theirs_scope2_market,
               exact_sum(CASE WHEN scope = 'scope 3' AND method = 'location' THEN kgco2e END) AS theirs_scope3_location,
               exact_sum(CASE WHEN scope = 'scope 3' AND method = 'market' THEN kgco2e END) AS theirs_scope3_market,
               string_agg(DISTINCT scopes_covered, ', ' ORDER BY scopes_covered) FILTER (WHERE scope = 'total')
                   AS their_scopes,
               string_agg(DISTINCT model_version, ', ' ORDER BY model_version) AS their_model_version,
               bool_and(NOT contains(scopes_covered, '3')) FILTER (WHERE scope = 'total') AS without_scope3,
               any_value(provider_name) AS their_provider,
               list(DISTINCT x_source_file ORDER BY x_source_file) AS their_source_files,
               exact_sum(CASE WHEN scope = 'total' AND method = 'location' THEN rounding_kg END) AS rounding_location,
               exact_sum(CASE WHEN scope = 'total' AND method = 'market' THEN rounding_kg END) AS rounding_market
        FROM (
            -- Half the last reported digit, in kg: the most a figure may differ from what it rounds.
            SELECT *, 0.5 * pow(10, -max(decimals) OVER (PARTITION BY x_source_file, reported_unit))
                          * CASE lower(reported_unit) WHEN 'kgco2e' THEN 1 WHEN 'gco2e' THEN 0.001
                                 WHEN 'lbco2e' THEN 0.45359237 ELSE 1000 END AS rounding_kg
            FROM (SELECT *, least(9, length(coalesce(nullif(split_part(CAST(reported_value AS VARCHAR), '.', 2), ''),
                                                     ''))) AS decimals
                  FROM (SELECT * REPLACE ({_service('e', 'e.service_name')} AS service_name)
                        FROM (SELECT *, provider_name AS provider_name_ FROM provider_emissions) e)
                  WHERE billing_period_start = $month AND ($provider IS NULL OR provider_name = $provider))
        )
        GROUP BY ALL
    ),
    joined AS (
        SELECT {shown_keys},
               CAST(o.operational_kgco2e AS DOUBLE) AS ours_operational_kgco2e,
               CAST(o.embodied_kgco2e AS DOUBLE) AS ours_embodied_kgco2e,
               CAST(o.total_kgco2e AS DOUBLE) AS ours_total_kgco2e,
               CAST(o.total_kgco2e_low AS DOUBLE) AS ours_total_kgco2e_low,
               CAST(o.total_kgco2e_high AS DOUBLE) AS ours_total_kgco2e_high,
               -- Our range for what they count: operational alone where their model leaves scope 3 out.
               CAST(CASE WHEN t.without_scope3 THEN o.operational_kgco2e_low ELSE o.total_kgco2e_low END AS DOUBLE)
                   AS comparable_low,
               CAST(CASE WHEN t.without_scope3 THEN o.operational_kgco2e_high ELSE o.total_kgco2e_high END AS DOUBLE)
                   AS comparable_high,
               t.theirs_location AS theirs_location_kgco2e, t.theirs_market AS theirs_market_kgco2e,
               t.theirs_scope1 AS theirs_scope1_kgco2e, t.theirs_scope2_location AS theirs_scope2_location_kgco2e,
               t.theirs_scope2_market AS theirs_scope2_market_kgco2e,
               t.theirs_scope3_location AS theirs_scope3_location_kgco2e,
               t.theirs_scope3_market AS theirs_scope3_market_kgco2e,
               CAST(m.unmapped_cost_share AS DOUBLE) AS unmapped_cost_share,
               -- Their location-based total where they report one; else their market-based total (Azure reports
               -- market-based only), named as such.
               coalesce(t.theirs_location, t.theirs_market) AS theirs_compared,
               CASE WHEN t.theirs_location IS NOT NULL THEN 'location'
                    WHEN t.theirs_market IS NOT NULL THEN 'market' END AS their_method_compared,
               CASE WHEN t.theirs_location IS NOT NULL THEN t.rounding_location ELSE t.rounding_market END
                   AS rounding_bound,
               t.their_scopes, t.their_model_version, t.without_scope3,
               coalesce(t.their_provider, $provider, 'the provider') AS their_provider, t.their_source_files
        FROM ours o FULL JOIN theirs t ON {join}
        LEFT JOIN unmapped m ON {same_group}
    ),
    parts AS (
        SELECT *,
               coalesce(ours_total_kgco2e, 0) > 0 AS have_ours,
               theirs_compared IS NOT NULL AS have_theirs,
               coalesce(ours_total_kgco2e, 0) - coalesce(theirs_compared, 0) AS difference_kgco2e
        FROM joined
    ),
    split AS (
        SELECT *,
               CASE WHEN have_ours AND have_theirs AND without_scope3 THEN ours_embodied_kgco2e ELSE 0 END
                   AS part_scope3_only_ours_kgco2e,
               CASE WHEN have_ours AND NOT have_theirs THEN ours_total_kgco2e ELSE 0 END AS part_only_ours_kgco2e,
               CASE WHEN have_theirs AND NOT have_ours THEN -theirs_compared ELSE 0 END
                   AS part_only_theirs_kgco2e,
               CASE WHEN have_ours AND have_theirs THEN greatest(-rounding_bound, least(rounding_bound,
                   difference_kgco2e - part_scope3_only_ours_kgco2e)) ELSE 0 END AS part_rounding_kgco2e
        FROM parts
    )
    SELECT *,
           difference_kgco2e - part_scope3_only_ours_kgco2e - part_only_ours_kgco2e - part_only_theirs_kgco2e
               - part_rounding_kgco2e AS part_unexplained_kgco2e,
           CASE WHEN have_ours AND theirs_compared > 0 THEN ours_total_kgco2e / theirs_compared END AS ratio,
           CASE WHEN have_ours AND have_theirs
                THEN theirs_compared BETWEEN comparable_low AND comparable_high END AS theirs_in_our_range,
           theirs_market_kgco2e - theirs_location_kgco2e AS market_minus_location_kgco2e,
           CASE
               WHEN have_ours AND have_theirs THEN printf(
                   'ours %.4g kg (range %.4g-%.4g%s) vs %s %s-based %.4g kg (model %s, scopes %s): ratio %s, '
                   || 'theirs %s; difference %.4g kg = %s%sunexplained %.4g kg (%sPUE, grid factors and year, their '
                   || 'allocation of shared and idle capacity, utilisation)%s',
                   ours_total_kgco2e, comparable_low, comparable_high,
                   CASE WHEN without_scope3 THEN ' operational, as they count scopes 1+2 only' ELSE '' END,
                   their_provider, their_method_compared, theirs_compared, coalesce(their_model_version, '?'),
                   their_scopes,
                   coalesce(printf('%.3g', ours_total_kgco2e / nullif(theirs_compared, 0)),
                            'undefined (theirs is 0)'),
                   CASE WHEN theirs_compared < comparable_low THEN 'below our range'
                        WHEN theirs_compared > comparable_high THEN 'above our range'
                        ELSE 'inside our range' END,
                   difference_kgco2e,
                   CASE WHEN part_scope3_only_ours_kgco2e <> 0 THEN printf(
                       'scope 3 (embodied) we count and they do not %.4g kg + ', part_scope3_only_ours_kgco2e)
                        ELSE '' END,
                   CASE WHEN part_rounding_kgco2e <> 0 THEN printf(
                       'rounding of their figures to the unit they report %.4g kg + ', part_rounding_kgco2e)
                        ELSE '' END,
                   difference_kgco2e - part_scope3_only_ours_kgco2e - part_rounding_kgco2e,
                   CASE WHEN their_method_compared = 'market' THEN 'their renewable energy purchases, which their '
                        || 'market-based figure subtracts and our location-based one does not, ' ELSE '' END,
                   CASE WHEN their_method_compared = 'location' AND theirs_market_kgco2e IS NOT NULL THEN printf(
                       '; their market-based figure is %.4g kg (energy attribute certificates and contracts)',
                       theirs_market_kgco2e) ELSE '' END)
                   || CASE WHEN unmapped_cost_share > 0 THEN printf(
                       '; %.1f%% of our cost here is usage we do not estimate (cloudcarbon unknowns), which they count',
                       100 * unmapped_cost_share) ELSE '' END
               WHEN have_theirs THEN printf(
                   '%s reports %.4g kg %s-based (model %s, scopes %s) for usage we do not estimate: no usage '
                   || 'rows this month, or none with an energy model (cloudcarbon unknowns)',
                   their_provider, theirs_compared, their_method_compared, coalesce(their_model_version, '?'),
                   their_scopes)
               WHEN have_ours THEN printf(
                   'ours %.4g kg; %s reports no figure for it (not published yet, rounded to nothing, or its carbon '
                   || 'export not ingested)', ours_total_kgco2e, their_provider)
               ELSE 'no emissions on either side'
           END AS explanation
    FROM split
    ORDER BY coalesce(theirs_compared, 0) + coalesce(ours_total_kgco2e, 0) DESC
             {''.join(', ' + q + ' NULLS LAST' for q in quoted)}
    """
