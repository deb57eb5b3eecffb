"""`cloudcarbon serve`: run the HTTP service (cloudcarbon.serve.app) with uvicorn.

Loopback binds may run without a token; any other address refuses to start without one. Every bind answers
only the host names it is reached by (loopback names, --host, --allowed-host), so a page whose DNS name is
rebound to 127.0.0.1 cannot read the service; the access log never holds a secret sent in a query string.
"""

from __future__ import annotations

import copy
import logging
import os
import re
import socket
import sys
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote_plus

from cloudcarbon.errors import CloudcarbonError, InputError, UsageError
from cloudcarbon.serve.hosts import allowed_hosts, host_name, is_loopback
from cloudcarbon.store import resolve_db_path

INSTALL_HINT = "cloudcarbon serve needs the serve extra: pip install 'cloudcarbon[serve]'"
# Query parameters whose values never reach the access log (a token pasted into a URL, a signed link).
SENSITIVE = re.compile(r"token|key|sig|pass|pwd|secret|auth|credential|session|sas", re.IGNORECASE)


def redact_target(target: str) -> str:
    """A request target (path?query) with the value of every sensitive query parameter replaced by REDACTED."""
    path, mark, query = target.partition("?")
    if not mark:
        return target
    return f"{path}?" + "&".join(_redact_pair(pair) for pair in query.split("&"))


def _redact_pair(pair: str) -> str:
    name = pair.partition("=")[0]
    return f"{name}=REDACTED" if SENSITIVE.search(unquote_plus(name)) else pair


class RedactQueries(logging.Filter):
    """On uvicorn's access log: the request target is logged with sensitive query values redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_target(arg) if isinstance(arg, str) and arg.startswith("/") else arg
                                for arg in record.args)
        return True


def check_binding(host: str, token: str | None) -> None:
    """Refuse a non-loopback address without a token: the store would be open to the network."""
    if token is not None and not token.strip():
        raise UsageError("--token is empty; give a long random value (e.g. from `openssl rand -hex 32`)")
    if not is_loopback(host) and not token:
        raise UsageError(f"--host {host} is not loopback: set --token or CLOUDCARBON_TOKEN so every request must "
                         "authenticate, or bind 127.0.0.1")


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to host:port (port 0: a free one), as uvicorn would bind it; one line if it cannot be."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
    except OSError as error:  # in use, not an address of this machine, an unknown name
        sock.close()
        raise InputError(f"--host {host} --port {port}: cannot listen there ({error.strerror or error}); choose "
                         "another --port, or a --host this machine has") from None
    return sock


def serve(db: str | os.PathLike[str] | None, *, host: str = "127.0.0.1", port: int = 8080,
          token: str | None = None, allowed: Iterable[str] = ()) -> None:
    """Serve the store at `db` until interrupted, answering the host names of `allowed_hosts(host, allowed)`.
    Prints one line, `cloudcarbon serve: ready at URL ...`, to stderr once it accepts connections."""
    check_binding(host, token)
    hosts = allowed_hosts(host, allowed)
    try:
        import uvicorn

        from cloudcarbon.serve.app import create_app
    except ImportError:
        raise CloudcarbonError(INSTALL_HINT) from None
    from cloudcarbon.report.charts import require_renderer

    require_renderer()  # the served pages are reports
    sock = listen(host, port)
    url = f"http://{host_name(host)}:{sock.getsockname()[1]}/"

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started:
                print(f"cloudcarbon serve: ready at {url} (store {resolve_db_path(db)}); Ctrl-C stops it",
                      file=sys.stderr, flush=True)

    config = uvicorn.Config(create_app(db, token, hosts), host=host, port=port, server_header=False,
                            log_config=_log_config(uvicorn.config.LOGGING_CONFIG))
    with sock:
        Server(config).run(sockets=[sock])


def _log_config(default: dict[str, Any]) -> dict[str, Any]:
    """uvicorn's logging configuration, with RedactQueries on the access log and its start-up chatter left out
    (the ready line says it; warnings and errors still show)."""
    config = copy.deepcopy(default)
    config.setdefault("filters", {})["redact_queries"] = {"()": RedactQueries}
    config["loggers"]["uvicorn.access"]["filters"] = ["redact_queries"]
    config["loggers"]["uvicorn.error"] = {"level": "WARNING"}
    return config
