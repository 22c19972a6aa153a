"""Whether a host or a browser origin is this machine's own (loopback) address."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"localhost", "localhost.", "ip6-localhost"})


def is_loopback(host: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and `localhost`, the addresses only this machine reaches."""
    if not host:
        return False
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_origin(origin: str | None) -> bool:
    """True for a browser origin such as http://localhost:3000 or http://127.0.0.1:5173."""
    if not origin:
        return False
    try:
        return is_loopback(urlsplit(origin).hostname)
    except ValueError:
        return False
