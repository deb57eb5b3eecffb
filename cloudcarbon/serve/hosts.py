"""Which host names the service answers: loopback, its --host and each --allowed-host, as a Host header spells
them (a DNS-rebinding page sends its own name, which is refused)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

from cloudcarbon.errors import UsageError, shown

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})
# A Host header: a name or an address in brackets, then an optional port.
HOST_HEADER = re.compile(r"(?P<name>\[[^\]]*\]|[^:\[\]]+)(?::\d*)?")

def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve anywhere


def host_name(value: str) -> str | None:
    """A Host header, --host or --allowed-host as compared: lower case, without the port, an IPv6 address in
    brackets; None when it is not a host name."""
    text = value.strip().lower()
    if ":" in text and not text.startswith("["):
        try:  # a bare IPv6 address, as --host ::1 gives it
            return f"[{ipaddress.IPv6Address(text)}]"
        except ValueError:
            pass
    match = HOST_HEADER.fullmatch(text)
    if match is None:
        return None
    name = match["name"]
    if name.startswith("["):
        try:
            return f"[{ipaddress.IPv6Address(name[1:-1])}]"
        except ValueError:
            return None
    return name


def allowed_hosts(host: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """The host names a service bound to `host` answers: the loopback names, `host` itself and `extra`."""
    names = set(LOOPBACK_NAMES)
    for value in (host, *extra):
        if not value.strip():
            continue
        name = host_name(value)
        if name is None:
            raise UsageError(f"--allowed-host {shown(value)}: not a host name; give one such as carbon.example.com")
        names.add(name)
    return frozenset(names)
