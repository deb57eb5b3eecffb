"""`cloudcarbon serve`: run the HTTP service (cloudcarbon.serve.app) with uvicorn.

Loopback binds may run without a token; any other address refuses to start without one.
"""

from __future__ import annotations

import ipaddress
import os

from cloudcarbon.errors import CloudcarbonError, InputError

INSTALL_HINT = "cloudcarbon serve needs the serve extra: pip install 'cloudcarbon[serve]'"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve anywhere


def check_binding(host: str, token: str | None) -> None:
    """Refuse a non-loopback address without a token: the store would be open to the network."""
    if token is not None and not token.strip():
        raise InputError("--token is empty; give a long random value (e.g. from `openssl rand -hex 32`)")
    if not is_loopback(host) and not token:
        raise InputError(f"--host {host} is not loopback: set --token or CLOUDCARBON_TOKEN so every request must "
                         "authenticate, or bind 127.0.0.1")


def serve(db: str | os.PathLike[str] | None, *, host: str = "127.0.0.1", port: int = 8080,
          token: str | None = None) -> None:
    """Serve the store at `db` until interrupted."""
    check_binding(host, token)
    try:
        import uvicorn

        from cloudcarbon.serve.app import create_app
    except ImportError:
        raise CloudcarbonError(INSTALL_HINT) from None
    uvicorn.run(create_app(db, token), host=host, port=port, log_level="info", server_header=False)
