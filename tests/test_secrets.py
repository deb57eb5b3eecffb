"""No credential ever reaches output, error messages, `--debug` tracebacks, logs, the store or written files.

Known secrets are planted in the environment (AWS keys and session token, an Azure client secret, a GCP
key file holding a private key, a service token) and in an AWS credentials file; then every command runs,
succeeding and failing, with and without `--debug`, and everything it produced is searched for them.
To cover a new command, append it to COMMANDS.
"""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import sys
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import azurefiles
import duckdb
import gcpfiles
import pytest
from click.testing import CliRunner, Result
from conftest import SAMPLES, no_reference
from curfiles import item, write_cur
from test_focus import row as focus_row
from test_focus import write_focus

from cloudcarbon import connectors
from cloudcarbon.cli import cli

pytest.importorskip("s3fs")
boto3 = pytest.importorskip("boto3")

SECRETS = {
    "AWS_SECRET_ACCESS_KEY": "cc-planted-aws-secret-7Qx9",
    "AWS_SESSION_TOKEN": "cc-planted-session-token-Zp4R",
    "AZURE_CLIENT_SECRET": "cc-planted-azure-secret-Lm2T",
    "CLOUDCARBON_TOKEN": "cc-planted-service-token-Vb8N",
}
PROFILE_SECRET = "cc-planted-profile-secret-Hd5K"
PRIVATE_KEY_MARKER = "cc-planted-gcp-private-key-Wy3J"
ALL_SECRETS = [*SECRETS.values(), PROFILE_SECRET, PRIVATE_KEY_MARKER]
BUCKET = "secret-cur"


@dataclass
class Planted:
    tmp: Path
    db: Path
    good: Path
    bad: Path


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def planted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, moto_endpoint: str) -> Planted:
    urllib.request.urlopen(urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")).close()
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAPLANTEDTEST")
    monkeypatch.setenv("AZURE_CLIENT_ID", "00000000-0000-0000-0000-000000000001")
    monkeypatch.setenv("AZURE_TENANT_ID", "00000000-0000-0000-0000-000000000002")
    key_file = tmp_path / "gcp-key.json"
    key_file.write_text(json.dumps({
        "type": "service_account", "project_id": "planted", "private_key_id": "abc",
        "private_key": f"-----BEGIN PRIVATE KEY-----\nMIIB{PRIVATE_KEY_MARKER}\n-----END PRIVATE KEY-----\n",
        "client_email": "planted@planted.iam.gserviceaccount.com",
    }))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    aws = tmp_path / "aws"
    aws.mkdir()
    (aws / "config").write_text("[profile planted]\nregion = us-east-1\n")
    (aws / "credentials").write_text(
        f"[planted]\naws_access_key_id = AKIAPROFILETEST\naws_secret_access_key = {PROFILE_SECRET}\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(aws / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(aws / "credentials"))
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)  # Athena, Glue, STS: loopback only, never AWS
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    client = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1",
                          aws_access_key_id="AKIAPLANTEDTEST", aws_secret_access_key="x")
    client.create_bucket(Bucket=BUCKET)
    good = write_cur(tmp_path / "good.parquet", [item(resource_id=f"i-{n}") for n in range(3)])
    client.put_object(Bucket=BUCKET, Key="cur/good.parquet", Body=good.read_bytes())
    bad = tmp_path / "bad.csv"
    bad.write_text("lineItem/UsageType,lineItem/UsageAmount\nBoxUsage:m5.large,not-a-number\n")
    connectors_files(tmp_path)
    return Planted(tmp_path, tmp_path / "store.duckdb", good, bad)


def connectors_files(tmp: Path) -> None:
    """Small GCP, Azure and FOCUS exports (the builders of their own tests) and a cloudcarbon.toml whose
    profile is an {env = "NAME"} reference to a planted secret (unused by local paths, so the run succeeds)."""
    gcpfiles.write_jsonl(tmp / "gcp.jsonl", gcpfiles.mixed_rows())
    azurefiles.write_export(tmp / "azure.csv", azurefiles.mixed_rows())
    write_focus(tmp / "focus.csv", [focus_row(), focus_row(ResourceId="i-2")])
    (tmp / "inventory.csv").write_text("server,month,hours,location,vcpus,cpu_model\n"
                                       "db-1,2025-01,744,DE,32,Xeon Gold 6248\n")
    source = json.dumps(str(tmp / "src.parquet"))
    write_cur(tmp / "src.parquet", [item(resource_id="i-cfg")])
    (tmp / "cloudcarbon.toml").write_text(
        f'[report]\noutput = "reports/{{month}}"\n[[sources]]\ntype = "aws"\npaths = [{source}]\n'
        'profile = {env = "AWS_SESSION_TOKEN"}\n')
    (tmp / "cloudcarbon-s3.toml").write_text(
        f'[report]\noutput = "reports/{{month}}"\n[[sources]]\ntype = "aws"\npaths = ["s3://{BUCKET}/cur/"]\n'
        'profile = {env = "AWS_SESSION_TOKEN"}\n')


# (id, arguments); GOOD/BAD/DB/OUT/S3 are replaced by the planted paths. Append new commands here.
COMMANDS = [
    ("ingest-local", ["ingest", "aws", "GOOD"]),
    ("ingest-bad-file", ["ingest", "aws", "BAD"]),
    ("ingest-missing-file", ["ingest", "aws", "MISSING"]),
    ("ingest-s3", ["ingest", "aws", "S3/cur/"]),
    ("ingest-s3-profile", ["ingest", "aws", "S3/cur/", "--profile", "planted"]),
    ("ingest-s3-missing-profile", ["ingest", "aws", "S3/cur/", "--profile", "not-there"]),
    ("ingest-s3-missing-bucket", ["ingest", "aws", "s3://no-such-bucket-planted/cur/"]),
    ("footprint", ["footprint", "--by", "month,service,tag:team"]),
    ("footprint-json-file", ["footprint", "--format", "json", "--output", "OUT.json"]),
    ("footprint-trace-csv", ["footprint", "--trace", "--format", "csv", "--output", "OUT.csv"]),
    ("footprint-bad-by", ["footprint", "--by", "nonsense"]),
    ("unknowns", ["unknowns", "--format", "jsonl"]),
    ("coefficients-show", ["coefficients", "show", "m5.large", "--region", "us-east-1"]),
    ("coefficients-show-unknown", ["coefficients", "show", "zz9.nothing"]),
    ("doctor", ["doctor", "--format", "json"]),
    ("demo", ["demo"]),
    ("help", ["--help"]),
    ("ingest-gcp", ["ingest", "gcp", "TMP/gcp.jsonl"]),
    ("ingest-gcp-bigquery-no-credentials", ["ingest", "gcp", "--table", "planted.billing.export", "--month",
                                            "2025-01"]),
    ("ingest-azure", ["ingest", "azure", "TMP/azure.csv"]),
    ("ingest-focus", ["ingest", "focus", "TMP/focus.csv"]),
    ("ingest-onprem", ["ingest", "onprem", "TMP/inventory.csv", "--inventory", "dc-1"]),
    ("coefficients-zones", ["coefficients", "zones", "germany"]),
    ("ingest-focus-s3-missing-profile", ["ingest", "focus", "S3/cur/", "--profile", "not-there"]),
    ("ingest-aws-athena-no-credentials", ["ingest", "aws", "--athena", "--database", "cur", "--table", "cur_report",
                                          "--workgroup", "primary", "--month", "2025-01", "--profile", "not-there"]),
    ("estimate", ["estimate", "--instance-type", "m5.large", "--region", "us-east-1", "--hours", "10"]),
    ("recommend-region", ["recommend-region", "--format", "json"]),
    ("recommend-region-adhoc", ["recommend-region", "--instance-type", "m5.large", "--region", "us-east-1",
                                "--hours", "5"]),
    ("whatif", ["whatif", "--format", "json"]),
    ("whatif-bad-lever", ["whatif", "--lever", "nonsense"]),
    ("report", ["report", "--month", "2025-01", "--output", "OUT-report"]),
    ("run-monthly", ["run-monthly", "--config", "TMP/cloudcarbon.toml", "--month", "2025-01"]),
    ("run-monthly-s3-secret-profile", ["run-monthly", "--config", "TMP/cloudcarbon-s3.toml", "--month", "2025-01"]),
]

# Every registered connector, from the example in its folder and from a bad file: a new one is covered.
COMMANDS += [(f"ingest-{c.name}-example", ["ingest", c.name, str(c.example_path())]) for c in connectors.every()]
COMMANDS += [(f"ingest-{c.name}-bad-file", ["ingest", c.name, "BAD"]) for c in connectors.every() if c.name != "aws"]


# Shared reference samples, one per connector, when the checkout has them (skipped otherwise).
SAMPLE_COMMANDS = [
    ("ingest-gcp-sample", ["ingest", "gcp", str(SAMPLES / "gcp-billing/gcp-standard-export_csv_koku_2020-11.csv")]),
    ("ingest-azure-sample", ["ingest", "azure", str(SAMPLES / "azure-cost/mca-actual_csv_camelCase_koku_2023-08.csv")]),
    ("ingest-focus-sample", ["ingest", "focus", str(SAMPLES / "focus/focus-1.0_sample_1000rows_aws-azure-oci.csv")]),
]


def resolve(args: list[str], planted: Planted) -> list[str]:
    replace = {"GOOD": str(planted.good), "BAD": str(planted.bad), "MISSING": str(planted.tmp / "missing.csv"),
               "S3": f"s3://{BUCKET}", "OUT": str(planted.tmp / "out"), "TMP": str(planted.tmp)}
    resolved = []
    for arg in args:
        for token, value in replace.items():
            if arg.startswith(token):
                arg = value + arg[len(token):]
        resolved.append(arg)
    return resolved


def everything_produced(result: Result, planted: Planted, logs: str) -> str:
    """stdout, stderr, any traceback (what --debug prints), logs, every file written and the whole store."""
    parts = [result.stdout, result.stderr, logs]
    if result.exc_info and not isinstance(result.exception, SystemExit):
        parts.append("".join(traceback.format_exception(*result.exc_info)))
    for path in planted.tmp.rglob("*"):
        if path.is_file() and path.name not in ("credentials", "gcp-key.json"):
            parts.append(path.read_bytes().decode("latin-1"))
    if planted.db.exists():
        with duckdb.connect(str(planted.db), read_only=True) as con:
            for (table,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall():
                parts.append(repr(con.execute(f'SELECT CAST(COLUMNS(*) AS VARCHAR) FROM "{table}"').fetchall()))
    return "\n".join(parts)


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
@pytest.mark.parametrize(("name", "args"), COMMANDS, ids=[name for name, _ in COMMANDS])
def test_no_secret_reaches_any_output(planted, caplog, request, name, args, debug):
    caplog.set_level(logging.INFO)
    runner = CliRunner()
    if name != "ingest-local" and not name.startswith("demo") and "help" not in name:
        seed = runner.invoke(cli, ["--db", str(planted.db), "ingest", "aws", str(planted.good)])
        assert seed.exit_code == 0, seed.output
    result = runner.invoke(cli, ["--db", str(planted.db), *(["--debug"] if debug else []), *resolve(args, planted)])
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.output)
    produced = everything_produced(result, planted, caplog.text)
    for secret in ALL_SECRETS:
        assert secret not in produced, (name, secret)
    assert "PRIVATE KEY" not in produced


def test_the_commands_really_ran(planted):
    """Guard against a vacuous pass: the list reaches success and failure paths, and S3 through a profile."""
    runner = CliRunner()
    codes = {}
    for name, args in COMMANDS:
        result = runner.invoke(cli, ["--db", str(planted.db), *resolve(args, planted)])
        codes[name] = result.exit_code
    assert codes["ingest-s3-profile"] == 0 and codes["ingest-s3"] == 0 and codes["footprint"] == 0
    assert codes["ingest-bad-file"] == 1 and codes["ingest-s3-missing-profile"] == 1
    assert codes["ingest-s3-missing-bucket"] == 1 and codes["footprint-bad-by"] == 2
    for connector in ("gcp", "azure", "focus", "onprem"):
        assert codes[f"ingest-{connector}"] == 0, connector
        assert codes[f"ingest-{connector}-bad-file"] == 1, connector
    assert codes["ingest-aws-athena-no-credentials"] == 1 and codes["ingest-gcp-bigquery-no-credentials"] == 1
    assert codes["ingest-focus-s3-missing-profile"] == 1
    assert codes["estimate"] == 0 and codes["whatif"] == 0 and codes["recommend-region-adhoc"] == 0
    assert codes["report"] == 0 and codes["run-monthly"] == 0
    assert (planted.tmp / "out-report" / "report-2025-01.html").exists()


@pytest.mark.parametrize(("name", "args"), SAMPLE_COMMANDS, ids=[name for name, _ in SAMPLE_COMMANDS])
def test_no_secret_reaches_output_of_sample_ingests(planted, caplog, name, args):
    if not Path(args[-1]).exists():
        pytest.skip(no_reference(Path(args[-1])))
    caplog.set_level(logging.INFO)
    result = CliRunner().invoke(cli, ["--db", str(planted.db), "--debug", *args])
    assert result.exit_code == 0, (name, result.output)
    produced = everything_produced(result, planted, caplog.text)
    for secret in ALL_SECRETS:
        assert secret not in produced, (name, secret)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _request(url: str, token: str | None) -> tuple[int, str]:
    """Status, headers and body of one GET (errors included), as text."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as response:
            return response.status, f"{response.headers}\n{response.read().decode('utf-8', 'replace')}"
    except urllib.error.HTTPError as error:
        return error.code, f"{error.headers}\n{error.read().decode('utf-8', 'replace')}"


SERVE_REQUESTS = [  # (path, send the token?, expected status)
    ("/api/footprint?month=2025-01&by=service,region", True, 200),
    ("/api/unknowns", True, 200),
    ("/report?month=2025-01", True, 200),
    ("/", True, 200),
    ("/openapi.json", True, 200),
    ("/api/footprint?by=nonsense", True, 400),
    ("/api/footprint?mnth=2025-01", True, 400),
    ("/api/footprint?cpu_utilization=7", True, 400),
    ("/api/report?month=13-13", True, 400),
    ("/no-such-page", True, 404),
    ("/api/footprint", False, 401),
    ("/report?month=2025-01", False, 401),
]


def test_serve_never_shows_the_token_or_other_secrets(planted):
    """`cloudcarbon serve` (a real process on loopback) takes its token from CLOUDCARBON_TOKEN; no response
    (headers and body, authorised, refused or failed) and no line of its log holds a planted secret."""
    seed = CliRunner().invoke(cli, ["--db", str(planted.db), "ingest", "aws", str(planted.good)])
    assert seed.exit_code == 0, seed.output
    port = _free_port()
    log = planted.tmp / "serve.log"
    with log.open("w") as sink:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "cloudcarbon"), "--db", str(planted.db), "--debug",
             "serve", "--host", "127.0.0.1", "--port", str(port)], stdout=sink, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 20
            while True:
                try:
                    _request(f"{base}/", None)
                    break
                except OSError:
                    assert server.poll() is None and time.monotonic() < deadline, log.read_text()
                    time.sleep(0.1)
            seen = []
            for path, with_token, expected in SERVE_REQUESTS:
                status, text = _request(base + path, SECRETS["CLOUDCARBON_TOKEN"] if with_token else None)
                assert status == expected, (path, status, text)
                seen.append(text)
            wrong_status, wrong = _request(f"{base}/api/footprint", "cc-wrong-token")
            assert wrong_status == 401
            seen.append(wrong)
        finally:
            server.terminate()  # our own child, by its handle
            server.wait(timeout=15)
    produced = "\n".join([*seen, log.read_text()])
    assert "GET /api/footprint" in produced or "200" in produced  # the log and the answers were captured
    for secret in ALL_SECRETS:
        assert secret not in produced, secret
    assert "PRIVATE KEY" not in produced
