"""Page weight: what a phone downloads on its first load of the dock page, and per scan.

Bodies are counted raw and gzip-compressed (level 6, what a reverse proxy's default
gzip sends; the app does not compress by itself), headers as sent (HTTP/1.1 does not
compress them). The first load is the ASN's dock page, where the worker scans, plus
every script, stylesheet and icon it links from this origin.
"""
from __future__ import annotations

import gzip
import re

from .http import Response
from .loadgen import Phone

_LINKED = re.compile(r'<(?:script|link)\b[^>]*?\b(?:src|href)="(/[^"/][^"]*)"')


def weigh(response: Response) -> dict[str, int]:
    """Bytes of one response: body raw and gzipped, and its status line and headers."""
    body = response.content
    headers = sum(len(k) + len(v) + 4 for k, v in response.headers) + len(
        f"HTTP/1.1 {response.status_code} {response.reason}\r\n\r\n")
    return {"body_raw": len(body), "body_gzip": len(gzip.compress(body, 6)),
            "headers": headers}


def linked_paths(html: str) -> list[str]:
    """Same-origin scripts, stylesheets, icons and manifests a page links, in order."""
    seen: list[str] = []
    for path in _LINKED.findall(html):
        if path not in seen:
            seen.append(path)
    return seen


def _total(parts: list[dict[str, int]]) -> dict[str, int]:
    return {
        "raw": sum(p["body_raw"] + p["headers"] for p in parts),
        "gzip": sum(p["body_gzip"] + p["headers"] for p in parts),
    }


async def page_weight(base_url: str, paths: dict[str, str], username: str, password: str,
                      number: str, code: str) -> dict:
    """Log in as a dock worker, load the ASN's dock page and its assets, scan one carton."""
    phone = Phone(base_url, paths, username)
    await phone.log_in(password)
    page = await phone.request("GET", paths["asn"].format(number=number))
    parts = {"page": weigh(page)}
    for path in linked_paths(page.text):
        parts[path] = weigh(await phone.request("GET", path))
    scan = await phone.send_scan(number, code)
    if scan.status_code != 200 or "Received" not in scan.text:
        raise RuntimeError(f"the page-weight scan was refused: {scan.status_code}")
    fragment = weigh(scan)
    return {
        "first_load": {**_total(list(parts.values())), "parts": parts},
        "scan_fragment": {**_total([fragment]), **fragment},
    }
