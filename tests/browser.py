"""Headless Chromium driven by Playwright, for the HTML tests.

One browser per test module (the `browser` fixture a module defines with `launch`); each page records
its console errors, page errors and every network request, so tests can assert a page is
self-contained and clean.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

INSTALL_CHROMIUM = ("install one: `sudo apt-get install chromium` (Debian, Ubuntu) or `.venv/bin/playwright install "
                    "chromium`, or set CLOUDCARBON_CHROMIUM=/path/to/chromium")
# Where `playwright install chromium` puts its browser (Linux, macOS).
PLAYWRIGHT_BROWSERS = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH", Path.home() / ".cache" / "ms-playwright"))
PLAYWRIGHT_CHROMIUM = ("chromium-*/chrome-linux*/chrome", "chromium-*/chrome-mac*/*.app/Contents/MacOS/*")
ARTIFACTS = Path(__file__).parent / "artifacts"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def find_chromium() -> Path | None:
    """The browser the HTML tests drive: CLOUDCARBON_CHROMIUM, a system Chromium (Debian's /usr/bin/chromium), or
    the one `playwright install chromium` downloaded."""
    if os.environ.get("CLOUDCARBON_CHROMIUM"):
        return Path(os.environ["CLOUDCARBON_CHROMIUM"])
    for name in ("chromium", "chromium-browser"):
        if found := shutil.which(name):
            return Path(found)
    downloaded = sorted(path for pattern in PLAYWRIGHT_CHROMIUM for path in PLAYWRIGHT_BROWSERS.glob(pattern))
    return downloaded[-1] if downloaded else None


def missing_tool(reason: str) -> None:
    """Skip, saying what to install; under CLOUDCARBON_TESTS_STRICT=1 (CI) fail instead, so no run passes
    without the tests a missing tool would skip."""
    if os.environ.get("CLOUDCARBON_TESTS_STRICT") == "1":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@contextmanager
def launch(tmp_dir: Path) -> Iterator[Any]:
    """A persistent Chromium context in a fresh, empty user-data-dir (skips only without Chromium)."""
    chromium = find_chromium()
    if chromium is None or not chromium.exists():
        missing_tool(f"no Chromium{f' at {chromium}' if chromium else ''} for the browser tests: {INSTALL_CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_tool("playwright is not installed: pip install -e '.[dev]'")
    profile = tmp_dir / "chromium-profile"
    profile.mkdir()
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(chromium), headless=True, args=FLAGS,
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


def assert_numbers_match(numbers: list[dict[str, Any]], document: dict[str, Any]) -> None:
    """Every tagged number on the page shows its report.json value, rounded as printed (a dash for none)."""
    import re

    for number in numbers:
        expected = lookup(document, number["path"])
        if expected is None:
            assert number["text"] == "—", number
            continue
        shown = re.search(r"[-+]?[\d,]*\.?\d+", number["text"])
        assert shown, number
        digits = len(shown[0].split(".")[1]) if "." in shown[0] else 0
        value = float(shown[0].replace(",", "")) * number["scale"]
        assert abs(value - expected) <= 0.5 * 10 ** -digits * number["scale"] + 1e-9, (number, expected)
