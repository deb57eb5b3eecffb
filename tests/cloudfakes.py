"""Small fakes of Google Cloud Storage (JSON API) and Azure Blob Storage on loopback, at the HTTP boundary.

No GCS or Azure emulator installs offline (fake-gcs-server and Azurite are Go and Node programs), so
these serve just the requests gcsfs and adlfs (azure-storage-blob) make to list, stat and read objects,
answering as the services do (JSON or XML bodies, Range reads with 206 and Content-Range). A `Faults`
plan (faulthelpers) makes chosen requests fail: an error status with the service's own error body, a
stall (the client's timeout), a reset connection, or a body cut off half way.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape

from faulthelpers import Faults, send_fault

UPDATED = "2025-02-01T00:00:00.000Z"
LAST_MODIFIED = formatdate(1738368000, usegmt=True)  # the same instant, as an HTTP date


@dataclass
class Objects:
    """The objects a fake holds: bucket (or container) -> key -> bytes."""

    objects: dict[str, dict[str, bytes]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, bucket: str, key: str, data: bytes) -> None:
        with self.lock:
            self.objects.setdefault(bucket, {})[key] = data

    def get(self, bucket: str, key: str) -> bytes | None:
        with self.lock:
            return self.objects.get(bucket, {}).get(key)

    def listing(self, bucket: str, prefix: str, delimiter: str) -> tuple[list[tuple[str, bytes]], list[str]] | None:
        """(objects, common prefixes) under `prefix`, None when the bucket does not exist."""
        with self.lock:
            if bucket not in self.objects:
                return None
            names = sorted(k for k in self.objects[bucket] if k.startswith(prefix))
            found, prefixes = [], []
            for name in names:
                rest = name[len(prefix):]
                if delimiter and delimiter in rest:
                    common = prefix + rest.split(delimiter, 1)[0] + delimiter
                    if common not in prefixes:
                        prefixes.append(common)
                else:
                    found.append((name, self.objects[bucket][name]))
            return found, prefixes


RANGE = re.compile(r"bytes=(\d+)-(\d*)")


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) inclusive of a `bytes=a-b` header, clamped to the object; None for the whole object."""
    match = RANGE.fullmatch(header or "")
    if not match:
        return None
    first = int(match[1])
    last = min(int(match[2]) if match[2] else size - 1, size - 1)
    return first, last


class ObjectStoreHandler(BaseHTTPRequestHandler):
    """Shared plumbing: consult the fault plan, then route; subclasses set `store`, `faults`, `dialect`."""

    protocol_version = "HTTP/1.1"
    store: Objects
    faults: Faults
    dialect: str

    def log_message(self, *args: object) -> None:  # keep the test output clean
        pass

    def handle_one(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.close_connection = True
        fault = self.faults.take(self.command, self.path)
        if fault and fault != "truncate" and send_fault(self, fault, self.faults.stall_seconds, self.dialect):
            return
        self.route(truncate=fault == "truncate")

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = handle_one

    def route(self, truncate: bool) -> None:
        raise NotImplementedError

    def reply(self, status: int, body: bytes, headers: dict[str, str], truncate: bool = False) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        # HEAD answers carry the object's length, not the (empty) body's.
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            # A download cut off half way: the headers promise the whole body.
            self.wfile.write(body[: len(body) // 2] if truncate else body)


# ---------------------------------------------------------------------------------------------
# Google Cloud Storage, JSON API (what gcsfs calls; STORAGE_EMULATOR_HOST points it here)
# ---------------------------------------------------------------------------------------------


def gcs_object(bucket: str, name: str, data: bytes) -> dict:
    return {
        "kind": "storage#object", "id": f"{bucket}/{name}/1", "name": name, "bucket": bucket,
        "generation": "1", "metageneration": "1", "contentType": "application/octet-stream",
        "storageClass": "STANDARD", "size": str(len(data)), "updated": UPDATED, "timeCreated": UPDATED,
        "md5Hash": base64.b64encode(hashlib.md5(data).digest()).decode(), "etag": "CAE=",
    }


class GCSHandler(ObjectStoreHandler):
    dialect = "gcs"

    def json(self, status: int, payload: dict) -> None:
        self.reply(status, json.dumps(payload).encode(), {"Content-Type": "application/json; charset=UTF-8"})

    def not_found(self) -> None:
        self.json(404, {"error": {"code": 404, "message": "No such object.",
                                  "errors": [{"reason": "notFound", "message": "No such object."}]}})

    def route(self, truncate: bool) -> None:
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        parts = url.path.split("/")
        # /download/storage/v1/b/{bucket}/o/{object}?alt=media  (ranged object reads)
        if url.path.startswith("/download/storage/v1/b/") and len(parts) >= 7 and self.command == "GET":
            bucket, name = unquote(parts[5]), unquote("/".join(parts[7:]))
            data = self.store.get(bucket, name)
            if data is None:
                return self.not_found()
            span = byte_range(self.headers.get("Range"), len(data))
            headers = {"Content-Type": "application/octet-stream", "x-goog-generation": "1"}
            if span is None:
                return self.reply(200, data, headers, truncate)
            first, last = span
            headers["Content-Range"] = f"bytes {first}-{last}/{len(data)}"
            return self.reply(206, data[first:last + 1], headers, truncate)
        if not url.path.startswith("/storage/v1/b/") or self.command != "GET":
            return self.json(501, {"error": {"code": 501, "message": f"not faked: {self.command} {url.path}"}})
        bucket = unquote(parts[4])
        if len(parts) == 5:  # /storage/v1/b/{bucket}
            if self.store.listing(bucket, "", "") is None:
                return self.json(404, {"error": {"code": 404, "message": "The specified bucket does not exist."}})
            return self.json(200, {"kind": "storage#bucket", "id": bucket, "name": bucket, "location": "US"})
        if len(parts) == 6 and parts[5] == "o":  # /storage/v1/b/{bucket}/o?prefix=&delimiter=
            listed = self.store.listing(bucket, query.get("prefix", ""), query.get("delimiter", ""))
            if listed is None:
                return self.json(404, {"error": {"code": 404, "message": "The specified bucket does not exist."}})
            found, prefixes = listed
            body = {"kind": "storage#objects", "items": [gcs_object(bucket, n, d) for n, d in found],
                    "prefixes": prefixes}
            return self.reply(200, json.dumps(body).encode(), {"Content-Type": "application/json"}, truncate)
        name = unquote("/".join(parts[6:]))  # /storage/v1/b/{bucket}/o/{object}
        data = self.store.get(bucket, name)
        if data is None:
            return self.not_found()
        return self.json(200, gcs_object(bucket, name, data))


# ---------------------------------------------------------------------------------------------
# Azure Blob Storage (what adlfs / azure-storage-blob call; a connection string points them here)
# ---------------------------------------------------------------------------------------------

ACCOUNT = "devstoreaccount1"
# Azurite's published development key: the client signs requests with it; the fake does not check.
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def azure_blob_xml(name: str, data: bytes) -> str:
    return (
        f"<Blob><Name>{escape(name)}</Name><Properties><Creation-Time>{LAST_MODIFIED}</Creation-Time>"
        f"<Last-Modified>{LAST_MODIFIED}</Last-Modified><Etag>0x8DD0000000000{len(data) % 1000:03d}</Etag>"
        f"<Content-Length>{len(data)}</Content-Length><Content-Type>application/octet-stream</Content-Type>"
        "<BlobType>BlockBlob</BlobType><AccessTier>Hot</AccessTier><LeaseStatus>unlocked</LeaseStatus>"
        "<LeaseState>available</LeaseState><ServerEncrypted>true</ServerEncrypted></Properties>"
        "<Metadata /></Blob>"
    )


class AzureHandler(ObjectStoreHandler):
    dialect = "azure"

    def common(self) -> dict[str, str]:
        return {"x-ms-version": self.headers.get("x-ms-version", "2025-01-05"), "x-ms-request-id": "fake",
                "Date": formatdate(usegmt=True)}

    def error(self, status: int, code: str, message: str) -> None:
        body = (f'<?xml version="1.0" encoding="utf-8"?><Error><Code>{code}</Code>'
                f"<Message>{message}</Message></Error>").encode()
        self.reply(status, body if self.command != "HEAD" else b"",
                   {**self.common(), "x-ms-error-code": code, "Content-Type": "application/xml",
                    "Content-Length": str(len(body) if self.command != "HEAD" else 0)})

    def route(self, truncate: bool) -> None:
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        parts = url.path.lstrip("/").split("/", 2)  # account / container / blob
        if len(parts) < 2 or parts[0] != ACCOUNT:
            return self.error(400, "InvalidUri", f"not faked: {self.command} {url.path}")
        container = unquote(parts[1])
        blob = unquote(parts[2]) if len(parts) > 2 else ""
        if not blob and query.get("restype") == "container" and query.get("comp") == "list":
            listed = self.store.listing(container, query.get("prefix", ""), query.get("delimiter", ""))
            if listed is None:
                return self.error(404, "ContainerNotFound", "The specified container does not exist.")
            found, prefixes = listed
            body = (
                f'<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint='
                f'"http://{self.headers.get("Host")}/{ACCOUNT}/" ContainerName="{escape(container)}">'
                f"<Prefix>{escape(query.get('prefix', ''))}</Prefix><Blobs>"
                + "".join(azure_blob_xml(n, d) for n, d in found)
                + "".join(f"<BlobPrefix><Name>{escape(p)}</Name></BlobPrefix>" for p in prefixes)
                + "</Blobs><NextMarker /></EnumerationResults>"
            ).encode()
            return self.reply(200, body, {**self.common(), "Content-Type": "application/xml"}, truncate)
        if not blob and query.get("restype") == "container":
            if self.store.listing(container, "", "") is None:
                return self.error(404, "ContainerNotFound", "The specified container does not exist.")
            return self.reply(200, b"", {**self.common(), "Last-Modified": LAST_MODIFIED, "ETag": '"0x8DD0"'})
        data = self.store.get(container, blob)
        if data is None:
            return self.error(404, "BlobNotFound", "The specified blob does not exist.")
        headers = {**self.common(), "Last-Modified": LAST_MODIFIED, "ETag": f'"0x8DD0000000000{len(data) % 1000:03d}"',
                   "x-ms-blob-type": "BlockBlob", "x-ms-creation-time": LAST_MODIFIED,
                   "Content-Type": "application/octet-stream", "Accept-Ranges": "bytes",
                   "x-ms-server-encrypted": "true", "x-ms-lease-state": "available", "x-ms-lease-status": "unlocked"}
        if self.command == "HEAD":
            return self.reply(200, b"", {**headers, "Content-Length": str(len(data))})
        span = byte_range(self.headers.get("x-ms-range") or self.headers.get("Range"), len(data))
        if span is None:
            return self.reply(200, data, headers, truncate)
        first, last = span
        if first >= len(data):
            return self.error(416, "InvalidRange", "The range specified is invalid for the current size.")
        headers["Content-Range"] = f"bytes {first}-{last}/{len(data)}"
        return self.reply(206, data[first:last + 1], headers, truncate)


def azure_connection_string(endpoint: str) -> str:
    return (f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};"
            f"BlobEndpoint={endpoint}/{ACCOUNT};")


@dataclass
class FakeServer:
    url: str
    store: Objects
    faults: Faults


@contextmanager
def serve(handler: type[ObjectStoreHandler]) -> Iterator[FakeServer]:
    """Run a fake on 127.0.0.1 (a free port) in a daemon thread; stop it afterwards."""
    store, faults = Objects(), Faults()
    bound = type(handler.__name__, (handler,), {"store": store, "faults": faults})
    server = ThreadingHTTPServer(("127.0.0.1", 0), bound)
    server.daemon_threads = True
    server.handle_error = lambda request, address: None  # a reset we caused is not a test failure
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield FakeServer(f"http://127.0.0.1:{server.server_address[1]}", store, faults)
    finally:
        server.shutdown()
        server.server_close()
