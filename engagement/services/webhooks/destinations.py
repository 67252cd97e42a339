"""Where webhooks may be sent: in production only to public addresses, checked when an
endpoint is registered and again, on the address actually connected to, at each delivery."""

from __future__ import annotations

import ipaddress
import re
import socket

from django.conf import settings
from django.utils.translation import gettext as _

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}

# IPv6 addresses that carry an IPv4 address: a webhook to one of them reaches (or is translated
# to) the IPv4 address inside, so that address is judged too. Mapped (::ffff:a.b.c.d) and
# compatible (::a.b.c.d) addresses are IPv4 addresses in another spelling and are judged as such;
# NAT64 (RFC 6052 and RFC 8215), 6to4 (2002::/16) and Teredo (2001::/32) by both.
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
# The local-use NAT64 prefix translates into the operator's own network: never public, whatever
# the running Python's table says.
_NEVER_PUBLIC = (ipaddress.IPv6Network("64:ff9b:1::/48"),)
# WHATWG URL rule: a host whose last label is a number is an IPv4 address. Resolvers also accept
# the old spellings (0177.0.0.1, 0x7f.1, 127.1, 2130706433); only the dotted-decimal one is taken.
_NUMERIC_LABEL = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)


class Refused(Exception):
    """A destination webhooks are never sent to: permanent, not worth another attempt."""


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    found = []
    if any(ip in prefix for prefix in _NAT64):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    return found


def is_blocked(address: str) -> bool:
    """Whether `address` (as a resolver or a socket gives it) is not a public unicast address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip in _IPV4_COMPATIBLE:
            ip = ipaddress.IPv4Address(int(ip))
    candidates: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        if any(ip in prefix for prefix in _NEVER_PUBLIC):
            return True
        candidates += _embedded_ipv4(ip)
    return any(not c.is_global or c.is_multicast for c in candidates)


def _spelling_refusal(host: str) -> str:
    """Why `host` is refused as written (empty when it is not): an IPv4 address must be written
    as four decimal numbers, so that what is checked is what every resolver makes of it."""
    if ":" in host:
        return ""  # an IPv6 address (its embedded IPv4 part is judged by is_blocked)
    labels = host.split(".")
    if len(labels) > 1 and labels[-1] == "":
        labels.pop()
    if not (labels and _NUMERIC_LABEL.match(labels[-1])):
        return ""
    try:
        if str(ipaddress.IPv4Address(host)) == host:
            return ""
    except ValueError:
        pass
    return _(
        "The host %(host)s is an IPv4 address written in an unusual form; write it as four "
        "decimal numbers (e.g. 203.0.113.10)."
    ) % {"host": repr(host)}


def private_refusal(host: str, address: str) -> str:
    return _(
        "The host %(host)s resolves to a non-public address (%(address)s): webhooks go to "
        "public addresses only."
    ) % {"host": repr(host), "address": address}


def not_resolving(host: str) -> str:
    return _("The host %(host)s does not resolve.") % {"host": repr(host)}


def resolve_destination(host: str, port: int) -> list[tuple]:
    """Resolve `host` once and return getaddrinfo's answers to connect to, every address checked
    (in production: all public). A delivery connects to these and to nothing else, so a name that
    answers differently the next time (DNS rebinding) cannot redirect it.

    Raises Refused (never sent to), or OSError / UnicodeError when the name does not resolve now.
    """
    spelling = _spelling_refusal(host)
    if spelling:
        raise Refused(spelling)
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    if not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        private = sorted({info[4][0] for info in infos if is_blocked(info[4][0])})
        if private:
            raise Refused(private_refusal(host, private[0]))
    return infos


def refused_destination(host: str) -> str:
    """Why a webhook may not be sent to `host` (empty when it may): in production every address
    the host resolves to must be public, so that an endpoint cannot reach the database, the
    cache or a cloud metadata service from inside the network."""
    spelling = _spelling_refusal(host)
    if spelling or settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return spelling
    try:
        resolve_destination(host, 443)
    except Refused as exc:
        return str(exc)
    except (OSError, UnicodeError):
        return not_resolving(host)
    return ""


def is_local(host: str) -> bool:
    if host.lower() in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
