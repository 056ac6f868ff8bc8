"""Is a webhook target safe to call? Refuse private, loopback and link-local addresses."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


def webhook_url_problem(url: str, *, allow_private: bool) -> str | None:
    """Why `url` may not be a webhook target, or None when it may."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "not a valid URL"
    if parts.scheme not in ("http", "https"):
        return "only http and https URLs are allowed"
    host = parts.hostname
    if not host:
        return "the URL has no host"
    if parts.username or parts.password:
        return "credentials in the URL are not allowed"
    try:
        infos = socket.getaddrinfo(host, port or (443 if parts.scheme == "https" else 80))
    except (socket.gaierror, UnicodeError):
        return f"the host {host} does not resolve"
    if allow_private:
        return None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_global:
            return f"the host {host} resolves to a non-public address ({address})"
    return None
