"""Helpers shared by the fault tests (test_faults.py for AWS, test_faults_connectors.py for GCP, Azure and
FOCUS): the CLI as a subprocess, store checks, a file size limit for a full disk, running without root's
privileges, and fault plans with the HTTP answers that carry them out (a proxy in front of moto, and the
fake object stores of cloudfakes.py).
"""

from __future__ import annotations

import http.client
import json
import os
import resource
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]
# The installed console script, as users run it.
CLOUDCARBON = [str(Path(sys.executable).parent / "cloudcarbon")]


def cloudcarbon(db: Path, *args: str, **popen: object) -> subprocess.Popen[str]:
    return subprocess.Popen([*CLOUDCARBON, "--db", str(db), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **popen)


def finish(process: subprocess.Popen[str], timeout: float = 120) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def doctor_passes(db: Path) -> None:
    code, out, err = finish(cloudcarbon(db, "doctor"))
    assert code == 0, (out, err)
    assert "healthy" in err


def period_state(db: Path) -> dict[tuple[str, str], tuple[int, int, float]]:
    """(billing account, period) -> (rows, ingests holding it, summed usage amount)."""
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            """
            SELECT billing_account_id, strftime(billing_period_start, '%Y-%m'), count(*),
                   count(DISTINCT x_ingest_id), round(sum(consumed_quantity), 3)
            FROM usage GROUP BY ALL ORDER BY ALL
            """
        ).fetchall()
    return {(account, period): (n, ingests, amount) for account, period, n, ingests, amount in rows}


# ---------------------------------------------------------------------------------------------
# Disk full and a read-only store directory
# ---------------------------------------------------------------------------------------------


def limit_file_size(limit: int) -> Callable[[], None]:
    """preexec_fn: writes beyond `limit` bytes fail with EFBIG, as on a full disk (not SIGXFSZ)."""

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def one_line_from_process(code: int, err: str, *names: str) -> str:
    assert code == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), err
    assert "unexpected" not in lines[0] and "Traceback" not in err, err
    for name in names:
        assert name in lines[0], (name, lines[0])
    return lines[0]


def without_root_privileges() -> list[str]:
    """A command prefix under which file permissions apply: root ignores them unless its capabilities go."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: file permissions cannot be enforced")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"]


# ---------------------------------------------------------------------------------------------
# Network faults: a plan of which requests fail and how, and the answers that carry it out
# ---------------------------------------------------------------------------------------------


@dataclass
class Faults:
    """Requests that `on` matches get `fault` (the first `times` of them); the rest are served. `seen`
    counts matching requests, faulted or not."""

    stall_seconds: float = 2.0
    fault: str | None = None
    times: int = 0
    seen: int = 0
    on: Callable[[str, str], bool] = field(default=lambda method, path: True)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def inject(self, fault: str, times: int, on: Callable[[str, str], bool]) -> None:
        with self.lock:
            self.fault, self.times, self.seen, self.on = fault, times, 0, on

    def take(self, method: str, path: str) -> str | None:
        with self.lock:
            if not self.on(method, path):
                return None
            self.seen += 1
            if self.fault and self.times > 0:
                self.times -= 1
                return self.fault
            return None


@dataclass
class FaultProxy(Faults):
    """A fault plan for an HTTP proxy on 127.0.0.1 in front of `upstream` (moto): matching requests get
    the fault, the rest are relayed."""

    upstream: str = ""


# fault -> (status, error code, message) as each service words it.
ERROR_BODIES = {
    "500": (500, "InternalError", "We encountered an internal error. Please try again."),
    "slowdown": (503, "SlowDown", "Please reduce your request rate."),
}
GCS_ERRORS = {
    "500": (500, "backendError", "Backend Error"),
    "slowdown": (503, "backendError", "We encountered an internal error. Please try again."),
    "throttle": (429, "rateLimitExceeded", "The total number of changes to the object exceeds the rate limit."),
}
AZURE_ERRORS = {
    "500": (500, "InternalError", "The server encountered an internal error. Please retry the request."),
    "slowdown": (503, "ServerBusy", "The server is currently unable to receive requests. Please retry your request."),
    "throttle": (503, "ServerBusy", "Egress is over the account limit."),
}


def error_payload(fault: str, dialect: str) -> tuple[int, str, bytes, dict[str, str]] | None:
    """(status, content type, body, extra headers) of `fault` as S3, GCS or Azure Blob answer it."""
    if dialect == "gcs" and fault in GCS_ERRORS:
        status, reason, message = GCS_ERRORS[fault]
        body = json.dumps({"error": {"code": status, "message": message,
                                     "errors": [{"reason": reason, "message": message, "domain": "global"}]}})
        return status, "application/json; charset=UTF-8", body.encode(), {}
    table = AZURE_ERRORS if dialect == "azure" else ERROR_BODIES
    if fault not in table:
        return None
    status, code, message = table[fault]
    body = f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message></Error>'
    extra = {"x-ms-error-code": code} if dialect == "azure" else {}
    return status, "application/xml", body.encode(), extra


def send_fault(handler: BaseHTTPRequestHandler, fault: str, stall_seconds: float, dialect: str = "s3") -> bool:
    """Answer `handler`'s request with `fault`; False if the fault is not an answer of its own (truncate)."""
    handler.close_connection = True
    if fault == "reset":
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.connection.close()
        return True
    if fault == "timeout":
        time.sleep(stall_seconds)
        return True
    payload = error_payload(fault, dialect)
    if payload is None:
        return False
    status, content_type, body, extra = payload
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    for name, value in extra.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.send_header("Connection", "close")
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(body)
    return True


def proxy_handler(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    host, port = proxy.upstream.split("//", 1)[1].split(":")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # keep the test output clean
            pass

        def relay(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            fault = proxy.take(self.command, self.path)
            self.close_connection = True
            if fault and send_fault(self, fault, proxy.stall_seconds):
                return
            upstream = http.client.HTTPConnection(host, int(port), timeout=10)
            upstream.request(self.command, self.path, body=body or None, headers=dict(self.headers.items()))
            response = upstream.getresponse()
            data = response.read()
            self.send_response_only(response.status, response.reason)
            for name, value in response.getheaders():
                if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(name, value)
            length = response.getheader("Content-Length") if self.command == "HEAD" else str(len(data))
            self.send_header("Content-Length", length or "0")
            self.send_header("Connection", "close")
            self.end_headers()
            # A download cut off half way: the headers promise the whole object.
            self.wfile.write(data[: len(data) // 2] if fault == "truncate" else data)
            upstream.close()

        do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = relay

    return Handler


def s3_behind_proxy(moto: str, proxy: FaultProxy, proxy_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                    *, max_attempts: int, read_retries: int, read_timeout: float) -> object:
    """Point the AWS connector at moto through the fault proxy, with no profile, config or instance
    credentials of the machine, short timeouts and few retries (a failure is reached in seconds).
    Returns a boto3 client talking to moto directly, for setting up buckets."""
    import urllib.request

    import boto3

    from cloudcarbon.connectors import remote

    proxy.inject("none", 0, lambda method, path: False)
    urllib.request.urlopen(urllib.request.Request(f"{moto}/moto-api/reset", method="POST")).close()
    aws = tmp_path / "aws"
    aws.mkdir()
    for name in ("config", "credentials"):
        (aws / name).write_text("")
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {"AWS_ENDPOINT_URL_S3": proxy_url, "AWS_ACCESS_KEY_ID": "AKIATESTTESTTEST",
                        "AWS_SECRET_ACCESS_KEY": "test-secret", "AWS_DEFAULT_REGION": "us-east-1",
                        "AWS_CONFIG_FILE": str(aws / "config"), "AWS_SHARED_CREDENTIALS_FILE": str(aws / "credentials"),
                        "AWS_EC2_METADATA_DISABLED": "true"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(remote, "S3_CLIENT_CONFIG", {"retries": {"max_attempts": max_attempts, "mode": "standard"},
                                                      "connect_timeout": read_timeout, "read_timeout": read_timeout})
    monkeypatch.setattr(remote, "S3_READ_RETRIES", read_retries)
    proxy.stall_seconds = read_timeout * 2
    return boto3.client("s3", endpoint_url=moto, region_name="us-east-1", aws_access_key_id="AKIATESTTESTTEST",
                        aws_secret_access_key="test-secret")
