"""Where a webhook may be sent: HTTPS to public addresses only.

A webhook URL is a request the server makes on a seller's behalf, so it must not reach
into the warehouse's own network (SSRF): loopback, private, link-local (cloud metadata at
169.254.169.254), shared, reserved and multicast addresses are refused. Plain HTTP, and
loopback, are allowed only where APP_ENV is development or test, for a receiver on the
developer's own machine. The name is resolved at delivery and the request goes to the
address that was checked, so DNS cannot point it elsewhere in between (rebinding).
"""
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import gettext as _

MAX_URL_LENGTH = 500
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeUrl(ValueError):
    """The URL may not receive webhooks; the message says why, for the seller."""


@dataclass(frozen=True)
class Target:
    """A checked URL with its host replaced by the checked address."""

    url: str
    host_header: str
    sni_hostname: str | None


def loopback_allowed(app_env: str) -> bool:
    return app_env in ("development", "test")


def check_url(url: str, *, allow_loopback: bool) -> str:
    """The URL, trimmed, when a webhook may be registered for it; else UnsafeUrl."""
    url = (url or "").strip() if isinstance(url, str) else ""
    if not url or len(url) > MAX_URL_LENGTH:
        raise UnsafeUrl(_("Enter a URL of at most %(n)s characters.", n=MAX_URL_LENGTH))
    if not url.isprintable() or " " in url:  # a URL carries these %-encoded, if at all
        raise UnsafeUrl(_("Enter a full https:// URL."))
    parts = urlsplit(url)
    try:
        host, _port = parts.hostname, parts.port
    except ValueError:
        host = None
    if parts.scheme.lower() not in ("https", "http") or not host:
        raise UnsafeUrl(_("Enter a full https:// URL."))
    if parts.username or parts.password or parts.fragment:
        raise UnsafeUrl(_("The URL may not carry a user name, a password or a #fragment."))
    loopback = _is_loopback_name(host)
    if parts.scheme.lower() == "http" and not (allow_loopback and loopback):
        raise UnsafeUrl(_("HTTPS is required (plain HTTP only to this machine, in development)."))
    literal = _address(host)
    if (loopback and not allow_loopback) or (
            literal is not None and not address_allowed(literal, allow_loopback=allow_loopback)):
        raise UnsafeUrl(_("That address is not on the public internet."))
    return url


def resolve_target(url: str, *, allow_loopback: bool) -> Target:
    """Check the URL, resolve its host now and check every address it has."""
    check_url(url, allow_loopback=allow_loopback)
    parts = urlsplit(url)
    host = parts.hostname
    https = parts.scheme.lower() == "https"
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if https else 80),
                                   type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeUrl(f"cannot resolve {host}: {error}") from error
    addresses = [_address(info[4][0]) for info in infos]
    # One bad address is enough to refuse: which one the connection gets is not ours to pick.
    if not addresses or any(a is None or not address_allowed(a, allow_loopback=allow_loopback)
                            for a in addresses):
        raise UnsafeUrl(f"{host} resolves to an address that is not on the public internet")
    address = addresses[0]
    pinned_host = f"[{address}]" if address.version == 6 else str(address)
    port = f":{parts.port}" if parts.port else ""
    named_host = f"[{host}]" if ":" in host else host
    return Target(url=parts._replace(netloc=pinned_host + port).geturl(),
                  host_header=named_host + port,
                  sni_hostname=host if https and _address(host) is None else None)


def address_allowed(address: IpAddress, *, allow_loopback: bool) -> bool:
    if allow_loopback and address.is_loopback:
        return True
    return address.is_global and not address.is_multicast


def _is_loopback_name(host: str) -> bool:
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    address = _address(host)
    return address is not None and address.is_loopback


def _address(text: str) -> IpAddress | None:
    """The IP address `text` spells, IPv4-mapped IPv6 unwrapped; None for a name."""
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
