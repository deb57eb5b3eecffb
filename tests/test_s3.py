"""`ingest aws s3://...` through s3fs against moto's S3 server: manifests pick the current files of each
billing period, stale assemblies are ignored, and every failure is one line that names the URL.

moto runs in server mode (ThreadedMotoServer on loopback) because s3fs talks to S3 through
aiobotocore, which the in-process `mock_aws` decorator cannot intercept; the connector finds the
server through AWS_ENDPOINT_URL_S3, exactly as a user pointing at MinIO or LocalStack would.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from conftest import fingerprint, one_line_error
from curfiles import item, write_cur

boto3 = pytest.importorskip("boto3")
pytest.importorskip("s3fs")
ThreadedMotoServer = pytest.importorskip("moto.server").ThreadedMotoServer

BUCKET = "cur-bucket"
# A recognisable secret: no error message may ever echo it.
SECRET = "wJalrXUtnFEMI-do-not-print-me"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """One moto S3 server for the module (starting one takes ~0.3 s); state is reset per test."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """An S3 client on a fresh moto server state with one bucket; the connector sees the same
    endpoint and dummy credentials through the environment, and nothing from the user's ~/.aws."""
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")).close()
    aws = tmp_path / "aws"
    aws.mkdir()
    (aws / "config").write_text("")
    (aws / "credentials").write_text("")
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                 "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTTESTTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(aws / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(aws / "credentials"))
    # Without this, a missing-credentials test waits for the EC2 metadata service to time out.
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="AKIATESTTESTTEST", aws_secret_access_key=SECRET)
    client.create_bucket(Bucket=BUCKET)
    return client


def put_cur(client, tmp_path: Path, key: str, lines: list[dict], style: str = "cur2") -> str:
    """Write a CUR file named like `key` (the suffix picks the container) and upload it; returns its URL."""
    local = tmp_path / "upload" / key
    local.parent.mkdir(parents=True, exist_ok=True)
    write_cur(local, lines, style)
    client.put_object(Bucket=BUCKET, Key=key, Body=local.read_bytes())
    return f"s3://{BUCKET}/{key}"


def put_json(client, key: str, document: dict) -> None:
    client.put_object(Bucket=BUCKET, Key=key, Body=json.dumps(document).encode())


def lines_of(count: int, amount: float, **fields: object) -> list[dict]:
    """`count` distinct usage lines of `amount` hours each (cost = amount / 10)."""
    return [item(amount=amount, cost=amount / 10, resource_id=f"i-{amount}-{n}", **fields) for n in range(count)]


def totals(db: Path) -> dict[tuple[str, str], tuple[int, float]]:
    """(billing account, YYYY-MM) -> (rows, summed usage amount): what the store ended up holding."""
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            """
            SELECT billing_account_id, strftime(billing_period_start, '%Y-%m'), count(*),
                   round(sum(consumed_quantity), 6)
            FROM usage GROUP BY ALL ORDER BY ALL
            """
        ).fetchall()
    return {(account, period): (count, amount) for account, period, count, amount in rows}


def source_files(db: Path) -> set[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {name for (name,) in con.execute("SELECT DISTINCT x_source_file FROM usage").fetchall()}


# ---------------------------------------------------------------------------------------------
# Layouts: CUR 2.0 (BILLING_PERIOD=YYYY-MM metadata manifests) and legacy CUR (assemblies)
# ---------------------------------------------------------------------------------------------

CUR2 = "exports/acme-cur2"


def cur2_layout(client, tmp_path: Path) -> None:
    """Two billing periods, each with a manifest; January also holds a stale file no manifest lists
    (what a refresh that shrank from three files to two leaves behind)."""
    jan = f"{CUR2}/data/BILLING_PERIOD=2025-01"
    feb = f"{CUR2}/data/BILLING_PERIOD=2025-02"
    january = [
        put_cur(client, tmp_path, f"{jan}/acme-cur2-00001.parquet", lines_of(3, 1.0)),
        put_cur(client, tmp_path, f"{jan}/acme-cur2-00002.parquet", lines_of(2, 10.0)),
    ]
    put_cur(client, tmp_path, f"{jan}/acme-cur2-00003.parquet", lines_of(4, 1000.0))  # stale
    february = [put_cur(client, tmp_path, f"{feb}/acme-cur2-00001.csv.gz",
                        lines_of(2, 7.0, period="2025-02", start="2025-02-01T00:00:00Z",
                                 end="2025-02-01T01:00:00Z"))]
    for period, files in (("2025-01", january), ("2025-02", february)):
        put_json(client, f"{CUR2}/metadata/BILLING_PERIOD={period}/acme-cur2-Manifest.json",
                 {"reportName": "acme-cur2", "schema": "2", "dataFiles": files})


CUR2_TOTALS = {("012345678901", "2025-01"): (5, 23.0), ("012345678901", "2025-02"): (2, 14.0)}


@pytest.mark.parametrize("source", [f"s3://{BUCKET}/exports", f"s3://{BUCKET}/{CUR2}/"])
def test_cur2_manifests_pick_the_current_files_of_each_period(s3, tmp_path, run, db, source):
    cur2_layout(s3, tmp_path)
    result = run("ingest", "aws", source)
    assert "2 period(s)" in result.stderr
    assert totals(db) == CUR2_TOTALS  # 1000-hour stale lines would show here
    assert not any(name.endswith("acme-cur2-00003.parquet") for name in source_files(db))
    assert all(name.startswith(f"s3://{BUCKET}/{CUR2}/data/") for name in source_files(db))


def test_a_manifest_url_ingests_just_its_period(s3, tmp_path, run, db):
    cur2_layout(s3, tmp_path)
    run("ingest", "aws", f"s3://{BUCKET}/{CUR2}/metadata/BILLING_PERIOD=2025-01/acme-cur2-Manifest.json")
    assert totals(db) == {("012345678901", "2025-01"): (5, 23.0)}


LEGACY = "cur/acme-legacy"


def legacy_layout(client, tmp_path: Path) -> None:
    """Legacy CUR as AWS delivers it: every refresh writes a new assembly folder with its own manifest
    copy, and the period-level manifest points at the latest one. January has two assemblies."""
    jan = f"{LEGACY}/20250101-20250201"
    old, new = f"{jan}/0f0e0d0c-old-assembly", f"{jan}/1a2b3c4d-new-assembly"
    old_keys = [f"{old}/acme-legacy-00001.csv.gz"]
    put_cur(client, tmp_path, old_keys[0], lines_of(6, 100.0), "legacy")
    new_keys = [f"{new}/acme-legacy-00001.csv.gz", f"{new}/acme-legacy-00002.csv.zip"]
    put_cur(client, tmp_path, new_keys[0], lines_of(3, 2.0), "legacy")
    put_cur(client, tmp_path, new_keys[1], lines_of(2, 5.0), "legacy")
    put_json(client, f"{old}/acme-legacy-Manifest.json",
             {"assemblyId": "0f0e0d0c-old-assembly", "bucket": BUCKET, "reportKeys": old_keys})
    current = {"assemblyId": "1a2b3c4d-new-assembly", "bucket": BUCKET, "reportKeys": new_keys}
    put_json(client, f"{new}/acme-legacy-Manifest.json", current)
    put_json(client, f"{jan}/acme-legacy-Manifest.json", current)
    feb = f"{LEGACY}/20250201-20250301"
    feb_keys = [f"{feb}/5e6f7a8b-assembly/acme-legacy-00001.csv.gz"]
    put_cur(client, tmp_path, feb_keys[0],
            lines_of(1, 4.0, period="2025-02", start="2025-02-03T00:00:00Z", end="2025-02-03T01:00:00Z"),
            "legacy")
    put_json(client, f"{feb}/acme-legacy-Manifest.json",
             {"assemblyId": "5e6f7a8b-assembly", "bucket": BUCKET, "reportKeys": feb_keys})


def test_legacy_manifests_read_only_the_latest_assembly(s3, tmp_path, run, db):
    legacy_layout(s3, tmp_path)
    result = run("ingest", "aws", f"s3://{BUCKET}/{LEGACY}")
    assert "cur-legacy-csv" in result.stderr
    # 3 x 2 h (.csv.gz) + 2 x 5 h (.csv.zip) from the new assembly; the old one's 600 h must not count.
    assert totals(db) == {("012345678901", "2025-01"): (5, 16.0), ("012345678901", "2025-02"): (1, 4.0)}
    assert not any("old-assembly" in name for name in source_files(db))


def test_a_plain_prefix_reads_every_data_file(s3, tmp_path, run, db):
    put_cur(s3, tmp_path, "raw/a.parquet", lines_of(2, 3.0, payer="111111111111"))
    put_cur(s3, tmp_path, "raw/nested/b.csv.gz", lines_of(3, 1.5, payer="222222222222"), "legacy")
    s3.put_object(Bucket=BUCKET, Key="raw/README.txt", Body=b"not billing data")
    result = run("ingest", "aws", f"s3://{BUCKET}/raw")
    assert "ingested 2 file(s)" in result.stderr
    assert totals(db) == {("111111111111", "2025-01"): (2, 6.0), ("222222222222", "2025-01"): (3, 4.5)}


# ---------------------------------------------------------------------------------------------
# Failures: one line naming the URL, store unchanged
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def seeded(tmp_path: Path, run, db: Path) -> str:
    """A store that already holds data, so 'unchanged' means something; returns its fingerprint."""
    run("ingest", "aws", str(write_cur(tmp_path / "seed.parquet", lines_of(2, 9.0, payer="999999999999"))))
    return fingerprint(db)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"s3://{BUCKET}/nothing/here", "no objects"),
        ("s3://no-such-bucket-cc/cur", "does not exist"),
        (f"s3://{BUCKET}/docs", "no CUR data files"),
    ],
    ids=["empty-prefix", "missing-bucket", "no-data-files"],
)
def test_unusable_s3_sources_fail_in_one_line(s3, seeded, run, db, url, expected):
    s3.put_object(Bucket=BUCKET, Key="docs/README.txt", Body=b"not billing data")
    one_line_error(run("ingest", "aws", url, expect=1), url, expected)
    assert fingerprint(db) == seeded


OTHER_BUCKET = "someone-elses-bucket"


def hostile_manifest(client, tmp_path: Path, how: str) -> tuple[str, str]:
    """A manifest whose one data file lies outside its own bucket and report prefix (a valid CUR, readable
    with the same credentials); returns (manifest URL, the key as the manifest writes it)."""
    client.create_bucket(Bucket=OTHER_BUCKET)
    elsewhere = lines_of(1, 500.0, payer="111111111111")
    put_cur(client, tmp_path, "private/secret-cur.parquet", elsewhere)  # same bucket, outside the report
    local = tmp_path / "upload" / "other.parquet"
    write_cur(local, elsewhere)
    client.put_object(Bucket=OTHER_BUCKET, Key="private/secret-cur.parquet", Body=local.read_bytes())
    legacy = f"{LEGACY}/20250101-20250201/acme-legacy-Manifest.json"
    cur2 = f"{CUR2}/metadata/BILLING_PERIOD=2025-01/acme-cur2-Manifest.json"
    manifest, document, key = {
        "legacy-other-bucket": (legacy, {"bucket": OTHER_BUCKET}, "private/secret-cur.parquet"),
        "cur2-other-bucket": (cur2, {}, f"s3://{OTHER_BUCKET}/private/secret-cur.parquet"),
        "cur2-outside-prefix": (cur2, {}, f"s3://{BUCKET}/private/secret-cur.parquet"),
        "legacy-outside-prefix": (legacy, {"bucket": BUCKET}, "private/secret-cur.parquet"),
        "legacy-dot-dot": (legacy, {"bucket": BUCKET}, f"{LEGACY}/../../private/secret-cur.parquet"),
    }[how]
    document["reportKeys" if "bucket" in document else "dataFiles"] = [key]
    put_json(client, manifest, document)
    return f"s3://{BUCKET}/{manifest}", key


@pytest.mark.parametrize("how", ["legacy-other-bucket", "cur2-other-bucket", "cur2-outside-prefix",
                                 "legacy-outside-prefix", "legacy-dot-dot"])
def test_a_manifest_key_outside_its_bucket_or_prefix_is_refused(s3, seeded, tmp_path, run, db, how):
    manifest, key = hostile_manifest(s3, tmp_path, how)
    one_line_error(run("ingest", "aws", manifest, expect=1), manifest, key)
    assert fingerprint(db) == seeded


def test_a_missing_profile_is_named(s3, seeded, tmp_path, run, db):
    # The line names the profile, where it was looked for, and the fix.
    one_line_error(run("ingest", "aws", f"s3://{BUCKET}/x", "--profile", "nope", expect=1),
                   f"s3://{BUCKET}/x", "'nope'", "--profile", str(tmp_path / "aws" / "config"), "aws configure")
    assert fingerprint(db) == seeded


def test_a_profile_from_aws_profile_is_named_with_its_origin(s3, seeded, run, db, monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "ghost")
    one_line_error(run("ingest", "aws", f"s3://{BUCKET}/x", expect=1), "'ghost'", "AWS_PROFILE")
    assert fingerprint(db) == seeded


def test_an_existing_profile_is_used(s3, tmp_path, run, db, monkeypatch):
    # The profile alone supplies the credentials: no keys in the environment.
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    (tmp_path / "aws" / "credentials").write_text(
        f"[billing]\naws_access_key_id = AKIABILLINGPROFILE\naws_secret_access_key = {SECRET}\n"
    )
    cur2_layout(s3, tmp_path)
    run("ingest", "aws", f"s3://{BUCKET}/exports", "--profile", "billing")
    assert totals(db) == CUR2_TOTALS


def test_missing_credentials_say_what_was_tried(s3, seeded, run, db, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    one_line_error(run("ingest", "aws", f"s3://{BUCKET}/x", expect=1),
                   f"s3://{BUCKET}/x", "no AWS credentials", "AWS_ACCESS_KEY_ID", "--profile")
    assert fingerprint(db) == seeded


def test_partial_credentials_name_the_missing_variable_not_the_values(s3, seeded, run, db, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", SECRET)  # even the key id stays out of the message
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    one_line_error(run("ingest", "aws", f"s3://{BUCKET}/x", expect=1), "AWS_SECRET_ACCESS_KEY")
    assert fingerprint(db) == seeded


# ---------------------------------------------------------------------------------------------
# Re-ingest: idempotent, and a refreshed manifest restates the period
# ---------------------------------------------------------------------------------------------


def test_reingesting_from_s3_is_idempotent(s3, tmp_path, run, db):
    cur2_layout(s3, tmp_path)
    run("ingest", "aws", f"s3://{BUCKET}/exports")
    first = totals(db)
    result = run("ingest", "aws", f"s3://{BUCKET}/exports")
    assert "(replaced)" in result.stderr
    assert totals(db) == first == CUR2_TOTALS
    with duckdb.connect(str(db), read_only=True) as con:
        logged = con.execute(
            """
            SELECT strftime(p.billing_period_start, '%Y-%m'), p.rows_kept, p.rows_replaced
            FROM ingest_periods p JOIN ingests i USING (ingest_id)
            ORDER BY i.started_at, 1
            """
        ).fetchall()
    assert logged == [("2025-01", 5, 0), ("2025-02", 2, 0), ("2025-01", 5, 5), ("2025-02", 2, 2)]


def test_a_refreshed_manifest_restates_the_period(s3, tmp_path, run, db):
    cur2_layout(s3, tmp_path)
    run("ingest", "aws", f"s3://{BUCKET}/exports")
    # AWS refreshes January: one new file, the manifest now lists only it.
    refreshed = put_cur(s3, tmp_path, f"{CUR2}/data/BILLING_PERIOD=2025-01/acme-cur2-00004.parquet",
                        lines_of(1, 42.0))
    put_json(s3, f"{CUR2}/metadata/BILLING_PERIOD=2025-01/acme-cur2-Manifest.json", {"dataFiles": [refreshed]})
    run("ingest", "aws", f"s3://{BUCKET}/exports")
    assert totals(db) == {("012345678901", "2025-01"): (1, 42.0), ("012345678901", "2025-02"): (2, 14.0)}
