"""The one check of URLs the server hands on or calls itself (an asset's remote_url, an event
rule's target): absolute http(s), no credentials, and a host that is, and resolves only to, public
addresses, so the app never aims a browser or its own requests at this host, the cloud's metadata
service (169.254.x) or the internal network."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from assets.core.errors import ValidationFailed

_url_validator = URLValidator(schemes=["http", "https"])


def check_url(value: str, field: str, *, max_length: int, allow_private: bool = False) -> str:
    """`value` stripped, or ValidationFailed on `field`."""
    value = value.strip()
    if len(value) > max_length:
        raise ValidationFailed.field(field, f"must be at most {max_length} characters")
    try:
        _url_validator(value)
    except ValidationError:
        raise ValidationFailed.field(field, "must be an absolute http:// or https:// URL")
    parts = urlsplit(value)
    try:
        parts.port  # noqa: B018 - raises on a port past 65535, which URLValidator's five digits let through
    except ValueError:
        raise ValidationFailed.field(field, "must have a port from 0 to 65535")
    if parts.username is not None or parts.password is not None:
        raise ValidationFailed.field(field, "must not carry a user name or password")
    if not allow_private and not points_outside(value):
        raise ValidationFailed.field(field, "must not point at a loopback, link-local or private address")
    return value


def points_outside(url: str, *, unresolvable: bool = True) -> bool:
    """Whether the URL's host is, and (when DNS knows it) resolves only to, public addresses. A
    name DNS doesn't know here counts as `unresolvable` (a browser elsewhere may resolve it);
    callers ask again when they use the URL, since a name can be pointed elsewhere after it was
    stored (DNS rebinding)."""
    host = urlsplit(url).hostname
    if not host:
        return False
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)}
    except (OSError, UnicodeError):
        return unresolvable
    return all(_is_public(address) for address in addresses)


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast
