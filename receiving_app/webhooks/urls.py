"""Where a webhook may be sent: HTTPS to public addresses only.

A webhook URL is a request the server makes on a seller's behalf, so it must not reach
into the warehouse's own network (SSRF): loopback, private, link-local (cloud metadata at
169.254.169.254), shared, reserved and multicast addresses are refused. Plain HTTP, and
loopback, are allowed only where APP_ENV is development or test, for a receiver on the
developer's own machine. A host that is a number in another spelling (0x7f000001,
2130706433, 0177.0.0.1, 127.1), which resolvers read as an address, is registered as that
address and judged as one. The name is resolved at delivery and the request goes to the
address that was checked, so DNS cannot point it elsewhere in between (rebinding).
"""
import ipaddress
import re
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
    """The URL, trimmed and with a numeric host spelled as its address, when a webhook may
    be registered for it; else UnsafeUrl."""
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
    numeric = _numeric_ipv4(host)
    if numeric is not None:
        host = str(numeric)
        url = parts._replace(netloc=host + (f":{_port}" if _port else "")).geturl()
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
    url = check_url(url, allow_loopback=allow_loopback)
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


# A host "ends in a number" (the URL standard's test) when its last label is one: then it
# is an IPv4 address in some spelling, or nothing at all.
_IPV4_NUMBER = re.compile(r"0[xX][0-9a-fA-F]*|[0-9]+")


def _numeric_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a host spells as resolvers (inet_aton) and browsers read it: parts
    in hex (0x7f), octal (0177) or decimal, fewer than four parts (127.1, 2130706433), a
    trailing dot. None for a name (or an IPv6 literal); UnsafeUrl for a host that ends in
    a number yet spells no address (1.2.3.4.5, 08.0.0.1)."""
    labels = host.split(".")
    if len(labels) > 1 and labels[-1] == "":
        labels.pop()
    if not _IPV4_NUMBER.fullmatch(labels[-1]):
        return None
    try:
        numbers = [_ipv4_part(label) for label in labels]
    except ValueError:
        numbers = []
    head, last = numbers[:-1], numbers[-1] if numbers else -1
    if not numbers or len(numbers) > 4 or any(n > 255 for n in head) or \
            last >= 256 ** (5 - len(numbers)):
        raise UnsafeUrl(_("That address is not on the public internet."))
    return ipaddress.IPv4Address(
        sum(n << 8 * (3 - i) for i, n in enumerate(head)) + last)


def _ipv4_part(label: str) -> int:
    if label[:2].lower() == "0x":
        return int(label[2:] or "0", 16)
    if len(label) > 1 and label.startswith("0"):
        return int(label[1:], 8)
    return int(label, 10)


def _address(text: str) -> IpAddress | None:
    """The IP address `text` spells, IPv4-mapped IPv6 unwrapped; None for a name."""
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
