"""`cloudcarbon serve` over real HTTP on loopback: the same numbers as the CLI, the token check, bad
parameters, a busy store, and the served pages in headless Chromium."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import chart_marks, keep_screenshot, launch, lookup, open_page, page_numbers
from click.testing import CliRunner
from conftest import one_line_error

from cloudcarbon.cli import cli
from cloudcarbon.demo import run_demo

uvicorn = pytest.importorskip("uvicorn")
from cloudcarbon.serve.app import create_app  # noqa: E402

TOKEN = "test-token-5f1c0e"
CLOUDCARBON = Path(sys.executable).parent / "cloudcarbon"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("serve") / "demo.duckdb"
    run_demo(str(path))
    return path


@pytest.fixture(scope="module")
def server(demo_db: Path) -> Iterator[dict[str, str]]:
    """Two real uvicorn servers on loopback: one open, one requiring TOKEN."""
    urls, servers, threads = {}, [], []
    for name, token in (("open", None), ("token", TOKEN)):
        port = _free_port()
        config = uvicorn.Config(create_app(demo_db, token), host="127.0.0.1", port=port, log_level="warning")
        instance = uvicorn.Server(config)
        thread = threading.Thread(target=instance.run, daemon=True)
        thread.start()
        servers.append(instance)
        threads.append(thread)
        urls[name] = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while not all(s.started for s in servers):
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield urls
    for instance in servers:
        instance.should_exit = True
    for thread in threads:
        thread.join(timeout=10)


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def cli_json(db: Path, *args: str) -> dict:
    result = CliRunner().invoke(cli, ["--db", str(db), *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def assert_same_rows(served: list[dict], expected: list[dict]) -> None:
    """Same rows, keys and text; numbers equal up to floating-point summation order (DuckDB sums in parallel)."""
    assert len(served) == len(expected)
    for got, want in zip(served, expected, strict=True):
        assert got.keys() == want.keys()
        for key, value in want.items():
            if isinstance(value, float):
                assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key
            else:
                assert got[key] == value, key


def test_footprint_and_unknowns_equal_the_cli(server: dict[str, str], demo_db: Path) -> None:
    status, headers, body = get(f"{server['open']}/api/footprint?month=2026-10&by=service,region")
    assert status == 200 and headers["content-type"].startswith("application/json")
    served = json.loads(body)
    expected = cli_json(demo_db, "footprint", "--month", "2026-10", "--by", "service,region")
    assert_same_rows(served["rows"], expected["rows"])
    for key in ("tool_version", "coefficients_version", "period", "by"):
        assert served["meta"][key] == expected["meta"][key]
    status, _, body = get(f"{server['open']}/api/unknowns?month=2026-10")
    assert status == 200
    assert_same_rows(json.loads(body)["rows"], cli_json(demo_db, "unknowns", "--month", "2026-10")["rows"])


def test_reconcile_equals_the_cli_on_the_demo_and_names_what_is_missing(server: dict[str, str], demo_db: Path) -> None:
    """The demo ships AWS's (synthetic) carbon export, so the comparison works on a fresh store."""
    query = "month=2026-10&provider=aws&by=service,region"
    status, _, body = get(f"{server['open']}/api/reconcile?{query}")
    assert status == 200, body
    served = json.loads(body)
    expected = cli_json(demo_db, "reconcile", "--month", "2026-10", "--provider", "aws", "--by", "service,region")
    assert_same_rows(served["rows"], expected["rows"])
    assert {"AmazonEC2", "AmazonCloudWatch"} <= {r["service"] for r in served["rows"]}
    assert served["meta"]["compared"] == expected["meta"]["compared"]
    status, _, body = get(f"{server['open']}/api/reconcile?month=2026-07")
    assert status == 400 and "month" in json.loads(body)["error"] and "--" not in json.loads(body)["error"], body
    status, _, body = get(f"{server['open']}/api/reconcile?month=2026-10&provider=ibm")
    assert status == 400 and json.loads(body)["error"].startswith("provider='ibm'"), body


def test_sci_by_a_tag_answers_as_the_cli_does(server: dict[str, str], demo_db: Path) -> None:
    # The demo's tags carry no counts: a non-numeric tag and a missing one are 400s naming the tag.
    status, _, body = get(f"{server['open']}/api/sci?month=2026-10&units_tag=team")
    assert status == 400 and "units_tag='team'" in json.loads(body)["error"] and "not a number" in body, body
    status, _, body = get(f"{server['open']}/api/sci?month=2026-10&units_tag=requests")
    assert status == 400 and "no usage line of 2026-10 carries that tag" in json.loads(body)["error"], body
    status, _, body = get(f"{server['open']}/api/sci?units_tag=requests")
    assert status == 400 and "month" in json.loads(body)["error"], body


def test_openapi_describes_the_endpoints(server: dict[str, str]) -> None:
    status, _, body = get(f"{server['open']}/openapi.json")
    assert status == 200
    spec = json.loads(body)
    assert {"/api/footprint", "/api/unknowns", "/api/whatif", "/api/recommend-region", "/api/reconcile", "/api/sci",
            "/api/report", "/report"} <= set(spec["paths"])
    names = {p["name"] for p in spec["paths"]["/api/footprint"]["get"]["parameters"]}
    assert {"month", "since", "until", "by", "cpu_utilization"} <= names


def test_openapi_declares_the_errors_it_answers(server: dict[str, str]) -> None:
    """Every path declares 400, 401 and 503 with the one-line error body it sends, and not FastAPI's 422 (bad
    parameters answer 400); a real 400 has that body."""
    spec = json.loads(get(f"{server['open']}/openapi.json")[2])
    schemas = spec["components"]["schemas"]
    assert schemas["ErrorBody"]["required"] == ["error"] and "HTTPValidationError" not in schemas
    api = [path for path in spec["paths"] if path.startswith("/api/")]
    assert len(api) == 7
    for path, operations in spec["paths"].items():
        responses = operations["get"]["responses"]
        assert "422" not in responses, path
        for status in ("400", "401", "503"):
            schema = responses[status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (path, status)
            assert responses[status]["description"], (path, status)
    status, _, body = get(f"{server['open']}/api/footprint?cpu_utilization=abc")
    assert status == 400 and set(json.loads(body)) == set(schemas["ErrorBody"]["properties"])


@pytest.mark.parametrize("query, names", [
    ("month=2026-13", ["month='2026-13'", "YYYY-MM"]),
    ("month=2026-10&by=colour", ["by='colour'"]),
    ("cpu_utilization=abc", ["cpu_utilization='abc'"]),
    ("cpu_utilization=3", ["cpu_utilization='3'", "less than or equal to 1"]),
    ("montth=2026-10", ["montth"]),
    ("month=2026-10&since=2026-01", ["month=", "since="]),
    ("month=2026-10%27%3B%20DROP%20TABLE%20usage%3B--", ["month="]),
    ("month=9999-12", ["month='9999-12'", "2000-01 to 2099-12"]),
    ("since=0001-01-01&until=9999-12-31", ["since='0001-01-01'", "2000-01 to 2099-12"]),
])
def test_bad_parameters_are_400_with_one_line(server: dict[str, str], query: str, names: list[str]) -> None:
    """One line naming the query parameter as sent (`month=`), never the CLI's option (`--month`)."""
    status, _, body = get(f"{server['open']}/api/footprint?{query}")
    assert status == 400, body
    message = json.loads(body)["error"]
    assert "\n" not in message and "Traceback" not in message and not re.search(r"--[a-z]", message)
    for name in names:
        assert name in message, (name, message)


@pytest.mark.parametrize("path", ["/api/report", "/report"])
@pytest.mark.parametrize("month", ["9999-12", "0001-01", "2100-01"])
def test_report_months_outside_the_window_are_400(server: dict[str, str], path: str, month: str) -> None:
    status, _, body = get(f"{server['open']}{path}?month={month}")
    assert status == 400, body
    assert json.loads(body)["error"].startswith(f"month='{month}': outside")


def test_a_missing_or_empty_month_is_400_naming_the_parameter(server: dict[str, str]) -> None:
    assert json.loads(get(f"{server['open']}/api/report")[2]) == {"error": "month= is required"}
    status, _, body = get(f"{server['open']}/api/report?month=2026-12")
    assert status == 400 and json.loads(body)["error"].startswith("month=2026-12: the store holds no usage"), body


# Every parameter of every endpoint, given values that broke it once or might: none may answer 500.
PARAMETERS = {
    "/api/footprint": ["month", "since", "until", "by", "cpu_utilization", "gpu_utilization"],
    "/api/unknowns": ["month", "since", "until"],
    "/api/whatif": ["month", "since", "until", "by", "rank_by", "price_basis"],
    "/api/recommend-region": ["month", "since", "until", "by", "rank_by", "price_basis"],
    "/api/reconcile": ["month", "provider", "by"],
    "/api/sci": ["month", "units_tag", "by"],
    "/api/report": ["month", "by_tag"],
    "/report": ["month", "by_tag"],
}
ODD_VALUES = ["", "9999-12", "0001-01", "2100-01", "2026-1", "1999-12-31", "\x00", "nan", "-inf", "1e309",
              "service,service", "tag:x,tag:x", "tag:\x00", "tag:a\nb", ",", "２０２６-１０", "x" * 3000]


@pytest.mark.parametrize("path", PARAMETERS)
def test_no_parameter_value_gets_a_500(server: dict[str, str], path: str) -> None:
    for name in PARAMETERS[path]:
        for value in ODD_VALUES:
            needs_month = path.endswith(("report", "reconcile", "sci")) and name != "month"
            query = {name: value, **({"month": "2026-10"} if needs_month else {})}
            status, _, body = get(f"{server['open']}{path}?{urllib.parse.urlencode(query)}")
            assert status in (200, 400), (name, value[:40], status, body[:300])
            if status == 400:
                message = json.loads(body)["error"]
                assert "\n" not in message and len(message) < 400, (name, value[:40], message[:300])


def test_recommend_region_ranks_by_water_and_prices_at_the_bills_discount_on_request(server: dict[str, str]) -> None:
    base = f"{server['open']}/api/recommend-region?month=2026-10&by=provider,service,region"
    status, _, body = get(f"{base}&rank_by=water&price_basis=effective")
    assert status == 200, body[:300]
    document = json.loads(body)
    assert document["meta"]["rank_by"] == "water" and document["meta"]["price_basis"] == "effective"
    for workload in {r["workload"] for r in document["rows"]}:
        kept = sorted((r for r in document["rows"] if r["workload"] == workload and not r["current"]),
                      key=lambda r: r["rank"])
        assert [r["water_l"] for r in kept] == sorted(r["water_l"] for r in kept), workload
    assert any("discount the bill shows" in a for a in document["meta"]["assumptions"])
    status, _, body = get(f"{base}&rank_by=cheapest")
    assert status == 400 and "rank_by" in json.loads(body)["error"], body[:300]


def test_a_long_value_is_not_echoed_back_whole(server: dict[str, str]) -> None:
    long = "x" * 10_000
    for query in (f"by={long}", f"month={long}", f"{long}=1"):
        status, _, body = get(f"{server['open']}/api/footprint?{query}")
        message = json.loads(body)["error"]
        assert status == 400 and "… (10,000 characters)" in message and len(message) < 300, message
    status, _, body = get(f"{server['open']}/api/unknowns", {"Host": long})
    assert status == 400 and "… (10,000 characters)" in json.loads(body)["error"], body[:300]


def port_of(url: str) -> str:
    return url.rsplit(":", 1)[1]


def test_only_loopback_host_names_are_answered(server: dict[str, str]) -> None:
    """DNS rebinding: a page on evil.example whose name now points at 127.0.0.1 sends `Host: evil.example`."""
    url, port = server["open"], port_of(server["open"])
    for host in ("127.0.0.1", f"127.0.0.1:{port}", "localhost", f"LocalHost:{port}", "[::1]", f"[::1]:{port}"):
        status, _, body = get(f"{url}/api/unknowns?month=2026-10", {"Host": host})
        assert status == 200, (host, body)
    for host in ("evil.example", f"evil.example:{port}", "127.0.0.1.nip.io", f"localhost.evil.example:{port}",
                 "[::2]", "local host", "[::1]x"):
        for path in ("/", "/openapi.json", "/api/footprint?month=2026-10"):
            status, _, body = get(url + path, {"Host": host})
            assert status == 400, (host, path, status)
            message = json.loads(body)["error"]
            assert "\n" not in message and repr(host) in message and "--allowed-host" in message, message
    # The token does not make a foreign name acceptable.
    status, _, _ = get(f"{server['token']}/api/unknowns", {"Host": "evil.example", "Authorization": f"Bearer {TOKEN}"})
    assert status == 400


def test_host_names_as_compared(demo_db: Path) -> None:
    from cloudcarbon.serve import redact_target
    from cloudcarbon.serve.hosts import allowed_hosts, host_name

    loopback = {"127.0.0.1", "localhost", "[::1]"}
    assert allowed_hosts("::1") == allowed_hosts("localhost") == loopback
    assert allowed_hosts("0.0.0.0", ["Carbon.Example:443", "[0:0::2]", " "]) == loopback | {
        "0.0.0.0", "carbon.example", "[::2]"}
    assert [host_name(h) for h in ("[::1]:8080", "[zz]", "a:b:c", "", "x.example:")] == ["[::1]", None, None, None,
                                                                                          "x.example"]
    assert redact_target("/api?month=2026-10&Access_Token=s&%74oken=t&by") == (
        "/api?month=2026-10&Access_Token=REDACTED&%74oken=REDACTED&by")
    assert redact_target("/api/footprint") == "/api/footprint"
    result = CliRunner().invoke(cli, ["--db", str(demo_db), "serve", "--allowed-host", "a:b:c"])
    assert result.exit_code == 2 and "--allowed-host 'a:b:c': not a host name" in result.stderr


def start_serve(db: Path, log: Path, *args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """A real `cloudcarbon serve` on a free loopback port, its log (unbuffered) in `log`."""
    port = _free_port()
    with log.open("w") as sink:
        process = subprocess.Popen([str(CLOUDCARBON), "--db", str(db), "serve", "--port", str(port), *args],
                                   stdout=sink, stderr=subprocess.STDOUT,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            get(f"{url}/openapi.json")
            return process, url
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)


@pytest.fixture
def serve_process(demo_db: Path, tmp_path: Path):
    started: list[subprocess.Popen] = []

    def start(*args: str, env: dict[str, str] | None = None) -> tuple[str, Path]:
        log = tmp_path / f"serve-{len(started)}.log"
        process, url = start_serve(demo_db, log, *args, env=env)
        started.append(process)
        return url, log

    yield start
    for process in started:  # our own children, by their handles
        process.terminate()
        process.wait(timeout=15)


def test_allowed_hosts_from_the_option_and_the_environment(serve_process) -> None:
    url, _ = serve_process("--allowed-host", "carbon.internal", "--allowed-host", "10.1.2.3")
    for host, expected in (("carbon.internal", 200), (f"Carbon.Internal:{port_of(url)}", 200), ("10.1.2.3", 200),
                           ("localhost", 200), ("a.example", 400), ("evil.example", 400)):
        assert get(f"{url}/api/unknowns", {"Host": host})[0] == expected, host
    url, _ = serve_process(env={"CLOUDCARBON_ALLOWED_HOSTS": "a.example, b.example:8443,"})
    for host, expected in (("a.example", 200), ("b.example:8443", 200), ("b.example", 200),
                           ("carbon.internal", 400)):
        assert get(f"{url}/api/unknowns", {"Host": host})[0] == expected, host


def test_secrets_in_query_strings_never_reach_the_access_log(serve_process) -> None:
    url, log = serve_process()
    secrets = {"token": "SECRET-1", "access_token": "SECRET-2", "api_key": "SECRET-3", "sig": "SECRET-4",
               "X-Amz-Signature": "SECRET-5", "password": "SECRET-6", "client_secret": "SECRET-7",
               "Authorization": "SECRET-8"}
    for name, value in secrets.items():
        status, _, body = get(f"{url}/api/unknowns?month=2026-10&{urllib.parse.urlencode({name: value})}")
        assert status == 400 and value not in body
    assert get(f"{url}/api/unknowns?month=2026-10")[0] == 200
    deadline = time.monotonic() + 10
    while log.read_text().count("/api/unknowns?month=2026-10") <= len(secrets):
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)
    text = log.read_text()
    assert "SECRET-" not in text, text
    assert "/api/unknowns?month=2026-10&token=REDACTED" in text and "sig=REDACTED" in text


def test_analyses_answer(server: dict[str, str]) -> None:
    for name in ("whatif", "recommend-region"):
        status, _, body = get(f"{server['open']}/api/{name}?month=2026-10")
        assert status == 200, body
        served = json.loads(body)
        assert served["rows"] and served["meta"]["assumptions"]
        assert {"workload", "kgco2e", "kgco2e_saved", "cost_delta"} <= set(served["rows"][0])


def test_token_is_checked_on_every_request(server: dict[str, str]) -> None:
    for path in ("/", "/openapi.json", "/api/footprint?month=2026-10", "/report?month=2026-10"):
        status, headers, body = get(server["token"] + path)
        assert status == 401 and headers.get("www-authenticate") == "Bearer", path
        assert TOKEN not in body
        status, _, _ = get(server["token"] + path, {"Authorization": "Bearer wrong-" + TOKEN})
        assert status == 401
    status, _, body = get(f"{server['token']}/api/footprint?month=2026-10",
                          {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200 and json.loads(body)["rows"]


def test_non_loopback_bind_refuses_without_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A usage error (the options conflict): exit 2, one line."""
    monkeypatch.delenv("CLOUDCARBON_TOKEN", raising=False)
    for host in ("0.0.0.0", "192.168.1.10", "example.com"):
        result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.duckdb"), "serve", "--host", host])
        assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.stderr
        assert f"--host {host}" in result.stderr and "CLOUDCARBON_TOKEN" in result.stderr


def test_serve_says_ready_once_with_its_url(serve_process, demo_db: Path) -> None:
    """One start-up line naming the URL it answers at (uvicorn's own start-up lines are left out); a port in
    use is one line, exit 1."""
    url, log = serve_process()
    [line] = [line for line in log.read_text().splitlines() if '"GET /openapi.json' not in line]  # access log
    assert line == f"cloudcarbon serve: ready at {url}/ (store {demo_db}); Ctrl-C stops it"
    port = port_of(url)
    result = CliRunner().invoke(cli, ["--db", str(demo_db), "serve", "--port", port])
    one_line_error(result, f"--port {port}", "in use", "choose another --port")


def test_busy_store_is_503(server: dict[str, str], demo_db: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('locked', flush=True);"
         " time.sleep(60)", str(demo_db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        status, _, body = get(f"{server['open']}/api/footprint?month=2026-10")
        assert status == 503
        assert "is busy" in json.loads(body)["error"] and "retry" in json.loads(body)["error"]
    finally:
        holder.kill()
        holder.wait()
    assert get(f"{server['open']}/api/footprint?month=2026-10")[0] == 200


def test_out_of_memory_is_503_naming_the_limit(server: dict[str, str], monkeypatch) -> None:
    """DuckDB out of memory within the limit (what it could not spill) is a limit to raise, not a server bug."""
    monkeypatch.setenv("CLOUDCARBON_MEMORY_LIMIT", "4MB")
    status, _, body = get(f"{server['open']}/api/footprint?month=2026-10&by=resource")
    assert status == 503, body
    assert "out of memory" in json.loads(body)["error"] and "CLOUDCARBON_MEMORY_LIMIT" in json.loads(body)["error"]
    monkeypatch.delenv("CLOUDCARBON_MEMORY_LIMIT")
    assert get(f"{server['open']}/api/footprint?month=2026-10&by=resource")[0] == 200


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    with launch(tmp_path_factory.mktemp("chromium")) as context:
        yield context


def test_served_pages_in_chromium(browser, server: dict[str, str], tmp_path: Path) -> None:
    base = server["token"]
    auth = {"Authorization": f"Bearer {TOKEN}"}
    page, log = open_page(browser, f"{base}/", auth)
    assert log.console_errors == [] and log.page_errors == [] and log.requests == [f"{base}/"]
    page.click("text=October 2026")
    page.wait_for_load_state("networkidle")
    assert page.url == f"{base}/report?month=2026-10"
    assert log.requests == [f"{base}/", f"{base}/report?month=2026-10"], "the report must load nothing else"
    assert log.console_errors == [] and log.page_errors == []
    assert all(count > 0 for count in chart_marks(page).values()) and len(chart_marks(page)) == 3
    document = json.loads(get(f"{base}/api/report?month=2026-10", auth)[2])
    numbers = page_numbers(page)
    assert numbers
    for number in numbers:
        expected = lookup(document, number["path"])
        shown = number["text"].replace(",", "")
        if expected is None:
            assert shown == "—"
        else:
            digits = len(shown.split(".")[1].rstrip("%")) if "." in shown else 0
            value = float(shown.rstrip("%")) * number["scale"]
            assert abs(value - expected) <= 0.5 * 10 ** -digits * number["scale"] + 1e-9, (number, expected)
    keep_screenshot(page, tmp_path, "served-report-2026-10.png")
    page.close()
