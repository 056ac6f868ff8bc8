"""May a webhook go to this URL, this address? Pure checks; the caller resolves the host.

Checking a host name and then letting the HTTP client resolve it again lets DNS
rebinding through, so the delivery resolves once, asks `address_problem` about
every address and connects to the address that was vetted. `url_problem`
needs no DNS, so it can run inside a transaction (setting an account's URL).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from typing import TypeAlias
from urllib.parse import urlsplit

__all__ = [
    "Resolver",
    "address_problem",
    "addresses_problem",
    "embedded_ipv4",
    "target_problem",
    "url_problem",
]

IPAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address

# Turns (host, port) into the addresses it stands for; injected so tests can lie like DNS does.
Resolver: TypeAlias = Callable[[str, int], list[str]]

_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052 well-known prefix
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215: local use, never public


def url_problem(url: str, *, allow_private: bool) -> str | None:
    """Why `url` may not be a webhook target, judged from the URL alone; None when it may."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return "not a valid URL"
    if parts.scheme not in ("http", "https"):
        return "only http and https URLs are allowed"
    host = parts.hostname
    if not host:
        return "the URL has no host"
    # `http://:@host/` has empty credentials: the `@` alone is refused.
    if "@" in parts.netloc:
        return "credentials in the URL are not allowed"
    if allow_private:
        return None
    name = host.rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        # RFC 6761: such names resolve to loopback.
        return f"the host {host} is a loopback name"
    try:
        literal = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return None  # a name: its addresses are vetted when the delivery connects
    return address_problem(literal, allow_private=False, host=host)


def address_problem(address: IPAddress, *, allow_private: bool, host: str = "") -> str | None:
    """Why a webhook may not connect to `address` (what `host` resolved to); None when it may."""
    if allow_private:
        return None
    where = f"the host {host} resolves to" if host and host != str(address) else "the target is"
    inner = embedded_ipv4(address)
    if inner is not None and _refused(inner):
        return f"{where} {address}, which embeds a non-public address ({inner})"
    if _refused(address):
        return f"{where} a non-public address ({address})"
    return None


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4, Teredo)."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        server, client = address.teredo
        # Either end being non-public is enough to refuse.
        return server if _refused(server) else client
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def target_problem(url: str, *, allow_private: bool, resolve: Resolver) -> str | None:
    """Why `url` may not be a webhook target once its host is resolved with `resolve`."""
    problem = url_problem(url, allow_private=allow_private)
    if problem is not None:
        return problem
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        found = resolve(host, port)
    except OSError:
        return f"the host {host} does not resolve"
    return addresses_problem(host, found, allow_private=allow_private)


def addresses_problem(host: str, addresses: Iterable[str], *, allow_private: bool) -> str | None:
    """Why a host with these resolved addresses may not be called; None when every one is fine."""
    seen = False
    for text in addresses:
        seen = True
        try:
            address = ipaddress.ip_address(text.split("%")[0])
        except ValueError:
            return f"the host {host} resolves to something that is not an address ({text})"
        problem = address_problem(address, allow_private=allow_private, host=host)
        if problem is not None:
            return problem
    return None if seen else f"the host {host} does not resolve"


def _refused(address: IPAddress) -> bool:
    if address in _NAT64_LOCAL:
        return True
    return not address.is_global or address.is_multicast
