"""Render a built report as self-contained HTML (autoescaped Jinja2, inline CSS and SVG) and Markdown."""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from cloudcarbon.report.build import Report
from cloudcarbon.report.charts import bar_chart, trend_chart

DASH = "—"


def plain(value: float | None, digits: int | None = None) -> str:
    """A figure for people: thousands separators, fewer decimals for larger numbers."""
    if value is None:
        return DASH
    if digits is None:
        digits = 0 if isinstance(value, int) or abs(value) >= 100 else 1 if abs(value) >= 1 else 2
    return f"{value:,.{digits}f}"


def co2_unit(kg: float | None) -> str:
    """Headline CO2e in tonnes from 1,000 kg, else in kg."""
    return "t" if kg is not None and abs(kg) >= 1000 else "kg"


def num(path: list[Any], value: float | None, style: str = "plain") -> Markup:
    """A number on the page, tagged with where it lives in report.json and the factor between the two
    (tests read the page and compare). Styles: plain, t (kg shown as tonnes), pct, signed_pct, kg, sig."""
    scale: float = 1
    if value is None:
        text = DASH
    elif style == "t":
        text, scale = f"{value / 1000:,.2f}", 1000
    elif style in ("pct", "signed_pct"):
        text, scale = f"{value:+.1%}" if style == "signed_pct" else f"{value:.1%}", 0.01
    elif style == "sig" and 0 < abs(value) < 1000:  # small per-unit figures (gCO2e per request): 3 significant
        text = f"{value:,.{max(0, 2 - math.floor(math.log10(abs(value))))}f}"  # digits, never in e-notation
    elif style == "kg":
        text = plain(value, 1 if abs(value) < 100 else 0)
    else:
        text = plain(value)
    return Markup('<span class="num" data-path="{}" data-scale="{}">{}</span>').format(
        json.dumps(path), scale, text)


def _month_name(month: str) -> str:
    return datetime.strptime(month, "%Y-%m").strftime("%B %Y")


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("cloudcarbon.report", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(co2_unit=co2_unit, plain=plain, num=num, month_name=_month_name, DASH=DASH)
    return env


def _charts(report: Report) -> dict[str, Markup]:
    """SVG produced by vl-convert from our data: its text is XML-escaped by the renderer."""
    breakdowns = report.document["breakdowns"]
    charts = {"trend": trend_chart(report.document["trend"]),
              "service": bar_chart(breakdowns["service"], "service", "By service"),
              "region": bar_chart(breakdowns["region"], "region", "By region")}
    if report.by_tag:
        charts["tag"] = bar_chart(breakdowns[f"tag:{report.by_tag}"], "tag", f"By tag {report.by_tag}")
    return {name: Markup(svg) for name, svg in charts.items()}


def render_html(report: Report) -> str:
    return _environment().get_template("report.html.j2").render(
        report=report, doc=report.document, charts=_charts(report), escape=escape)


def render_markdown(report: Report, files: dict[str, str]) -> str:
    return _environment().get_template("summary.md.j2").render(report=report, doc=report.document, files=files)


def render_index(months: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    """The service's front page: the months the store holds, each linking to its report."""
    return _environment().get_template("index.html.j2").render(months=months, meta=meta)
