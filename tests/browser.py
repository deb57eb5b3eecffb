"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, for the HTML tests.

One browser per test module (the `browser` fixture a module defines with `launch`); each page records
its console errors, page errors and every network request, so tests can assert a page is
self-contained and clean.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@contextmanager
def launch(tmp_dir: Path) -> Iterator[Any]:
    """A persistent Chromium context in a fresh, empty user-data-dir (skips only without Chromium)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); the browser tests need it")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed: pip install -e '.[dev]'")
    profile = tmp_dir / "chromium-profile"
    profile.mkdir()
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=FLAGS,
            viewport={"width": 1200, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


@dataclass
class PageLog:
    """What a page did while loading: console errors, uncaught errors, and every request URL."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


def open_page(context: Any, url: str, headers: dict[str, str] | None = None) -> tuple[Any, PageLog]:
    """Load `url` in a new page and return it with its log (every request, including the page's own)."""
    page = context.new_page()
    log = PageLog()
    page.on("console", lambda message: message.type == "error" and log.console_errors.append(message.text))
    page.on("pageerror", lambda error: log.page_errors.append(str(error)))
    page.on("request", lambda request: log.requests.append(request.url))
    if headers:
        page.set_extra_http_headers(headers)
    page.goto(url, wait_until="networkidle")
    return page, log


def page_numbers(page: Any) -> list[dict[str, Any]]:
    """Every number the report tags with data-path: its path into report.json, scale and visible text."""
    return page.eval_on_selector_all(
        "[data-path]",
        "els => els.map(e => ({path: JSON.parse(e.dataset.path), scale: Number(e.dataset.scale),"
        " text: e.textContent}))",
    )


def chart_marks(page: Any) -> dict[str, int]:
    """Per chart (data-chart name): how many data marks (bars, rules) its inline SVG draws."""
    return page.eval_on_selector_all(
        "[data-chart]",
        "els => Object.fromEntries(els.map(e => [e.dataset.chart,"
        " e.querySelectorAll('svg .role-mark path, svg .role-mark line').length]))",
    )


def lookup(document: dict[str, Any], path: list[Any]) -> Any:
    value: Any = document
    for part in path:
        value = value[part]
    return value


def keep_screenshot(page: Any, tmp_path: Path, name: str) -> Path:
    """A full-page PNG under the test's tmp dir, copied to tests/artifacts/ (kept out of git)."""
    shot = tmp_path / name
    page.screenshot(path=str(shot), full_page=True)
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(shot, ARTIFACTS / name)
    return shot


def dump(value: Any) -> str:
    return json.dumps(value, indent=1)[:2000]
