"""Report charts as Vega-Lite specs, rendered to static SVG by vl-convert (offline, no JavaScript).

The SVG is inlined in the HTML report: it prints, emails and opens without any network access.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from cloudcarbon.errors import CloudcarbonError

# vl-convert (80 MB) is the report extra's, not the base install's.
INSTALL_HINT = "the report's charts need vl-convert-python: pip install 'cloudcarbon[report]'"

OPERATIONAL = "#1f6f5c"
EMBODIED = "#9fcfb9"
RANGE = "#3b3b3b"
# The generic family, so the browser draws labels in the font vl-convert measured them with.
FONT = "sans-serif"
CONFIG = {
    "font": FONT,
    "view": {"stroke": None},
    "axis": {"labelColor": "#444", "titleColor": "#444", "gridColor": "#ececec", "domainColor": "#bbb",
             "tickColor": "#bbb", "labelFontSize": 11, "titleFontSize": 11, "titleFontWeight": "normal"},
    "legend": {"labelFontSize": 11, "orient": "top", "title": None},
}
SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"  # an identifier only: nothing is fetched


def require_renderer() -> None:
    """Fail in one line, before any work, where the report extra is not installed."""
    if importlib.util.find_spec("vl_convert") is None:
        raise CloudcarbonError(INSTALL_HINT)


def _svg(spec: dict[str, Any]) -> str:
    require_renderer()
    import vl_convert

    full = {"$schema": SCHEMA, "config": CONFIG, "background": "white", "padding": 12, **spec}
    return vl_convert.vegalite_to_svg(full)


def trend_chart(trend: list[dict[str, Any]]) -> str:
    """Stacked monthly bars (operational, embodied kgCO2e) with the total's low-high range as a rule."""
    bars = [{"month": row["month"], "component": label, "kgco2e": row.get(field) or 0.0}
            for row in trend for label, field in (("Operational", "operational_kgco2e"),
                                                  ("Embodied", "embodied_kgco2e"))]
    ranges = [{"month": row["month"], "low": row["total_kgco2e_low"], "high": row["total_kgco2e_high"]}
              for row in trend if row.get("total_kgco2e") is not None]
    months = [row["month"] for row in trend]
    x = {"field": "month", "type": "ordinal", "sort": months, "title": None, "axis": {"labelAngle": 0}}
    held = [row["month"] for row in trend if row.get("total_kgco2e") is not None]
    # Where the data begins, when the 12 months start before it: empty bars there are no data, not zero.
    begins = [{"data": {"values": [{"month": held[0], "label": "data begins"}]},
               "mark": {"type": "rule", "strokeDash": [4, 3], "color": RANGE},
               "encoding": {"x": {**x, "bandPosition": 0}}},
              {"data": {"values": [{"month": held[0], "label": "data begins"}]},
               "mark": {"type": "text", "align": "left", "baseline": "top", "dx": 3, "y": 2, "color": RANGE},
               "encoding": {"x": {**x, "bandPosition": 0}, "text": {"field": "label"}}},
              ] if held and held[0] != months[0] else []
    return _svg({
        "width": 860,
        "height": 220,
        "layer": [*begins,
            {"data": {"values": bars}, "mark": {"type": "bar", "width": {"band": 0.7}},
             "encoding": {
                 "x": x,
                 "y": {"field": "kgco2e", "type": "quantitative", "stack": "zero", "title": "kgCO2e"},
                 "color": {"field": "component", "type": "nominal",
                           "scale": {"domain": ["Operational", "Embodied"], "range": [OPERATIONAL, EMBODIED]}},
                 "order": {"field": "component", "sort": "descending"},
             }},
            {"data": {"values": ranges}, "mark": {"type": "rule", "color": RANGE, "strokeWidth": 1.5},
             "encoding": {"x": x, "y": {"field": "low", "type": "quantitative"}, "y2": {"field": "high"}}},
        ],
    })


def bar_chart(rows: list[dict[str, Any]], label: str, title: str, limit: int = 10) -> str:
    """Horizontal bars of total kgCO2e for the largest `limit` rows, each with its low-high range."""
    data = [{"label": str(row[label]) if row[label] is not None else "(none)",
             "kgco2e": row["total_kgco2e"], "low": row["total_kgco2e_low"], "high": row["total_kgco2e_high"]}
            for row in rows[:limit]]
    y = {"field": "label", "type": "nominal", "sort": None, "title": None,
         "axis": {"labelLimit": 180}}
    return _svg({
        "width": 300,
        "height": {"step": 22},
        "title": {"text": title, "anchor": "start", "fontSize": 12, "fontWeight": 600, "color": "#222"},
        "data": {"values": data},
        "layer": [
            {"mark": {"type": "bar", "color": OPERATIONAL, "height": {"band": 0.7}},
             "encoding": {"y": y, "x": {"field": "kgco2e", "type": "quantitative", "title": "kgCO2e"}}},
            {"mark": {"type": "rule", "color": RANGE},
             "encoding": {"y": y, "x": {"field": "low", "type": "quantitative"}, "x2": {"field": "high"}}},
        ],
    })
