"""No credential ever reaches output, error messages, `--debug` tracebacks, logs, the store or written files.

Known secrets are planted in the environment (AWS keys and session token, an Azure client secret, a GCP
key file holding a private key, a service token) and in an AWS credentials file; then every command runs,
succeeding and failing, with and without `--debug`, and everything it produced is searched for them.
To cover a new command, append it to COMMANDS.
"""

from __future__ import annotations

import json
import logging
import traceback
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner, Result
from curfiles import item, write_cur

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
    return Planted(tmp_path, tmp_path / "store.duckdb", good, bad)


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
]


def resolve(args: list[str], planted: Planted) -> list[str]:
    replace = {"GOOD": str(planted.good), "BAD": str(planted.bad), "MISSING": str(planted.tmp / "missing.csv"),
               "S3": f"s3://{BUCKET}", "OUT": str(planted.tmp / "out")}
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
def test_no_secret_reaches_any_output(planted, caplog, name, args, debug):
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
    assert codes["ingest-s3-missing-bucket"] == 1 and codes["footprint-bad-by"] == 1
