"""A lean HTTP/1.1 client for the load generator: one request per connection, on asyncio.

The load generator shares the two cores with the server it measures, so every
millisecond it spends is one the server does not get. httpx cost about 3.5 ms of CPU per
scan here, a third of what the server spent on it (docs/benchmarks.md); this client
writes the request bytes itself and reads the answer to the end of the connection,
which gunicorn's sync workers close after each response anyway.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

# A slow upload goes out in pieces this size, evenly over its time.
TRICKLE_PIECE = 16 * 1024


@dataclass
class Response:
    status_code: int
    reason: str
    headers: list[tuple[str, str]]
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def get_list(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]


class Client:
    """Requests to one origin (``http://host:port``), each on a fresh connection."""

    def __init__(self, base_url: str, timeout_s: float = 30):
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"plain http://host:port only, not {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.host, self.port = parts.hostname, parts.port or 80
        self.timeout_s = timeout_s

    async def request(self, method: str, path: str, *, headers: dict[str, str] | None = None,
                      data: dict[str, str] | None = None, body: bytes | None = None,
                      content_type: str | None = None, spread_over_s: float = 0) -> Response:
        """Send form `data`, or a raw `body` of `content_type`; `spread_over_s` sends the
        body in small pieces over that many seconds, as a phone on bad Wi-Fi does."""
        if data is not None:
            body, content_type = urlencode(data).encode(), "application/x-www-form-urlencoded"
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}",
                 "Connection: close", "Accept-Encoding: identity"]
        if body is not None:
            lines += [f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        return await asyncio.wait_for(self._exchange(head, body or b"", spread_over_s),
                                      self.timeout_s + spread_over_s)

    async def _exchange(self, head: bytes, body: bytes, spread_over_s: float) -> Response:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            if spread_over_s > 0:
                writer.write(head)
                pieces = range(0, len(body), TRICKLE_PIECE)
                pause = spread_over_s / max(len(pieces), 1)
                for start in pieces:
                    writer.write(body[start:start + TRICKLE_PIECE])
                    await writer.drain()
                    await asyncio.sleep(pause)
            else:
                writer.write(head + body)
            raw = await reader.read(-1)
        finally:
            writer.close()
            try:
                await writer.wait_closed()
            except ConnectionError:
                pass  # the server closed first: the answer is read already
        return parse_response(raw)


def parse_response(raw: bytes) -> Response:
    """Status, headers and body of one complete HTTP/1.1 response."""
    head, separator, body = raw.partition(b"\r\n\r\n")
    if not separator:
        raise ConnectionError("the server closed the connection before a whole response")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    _version, status, reason = (status_line.split(" ", 2) + [""])[:3]
    headers = []
    for line in header_lines:
        name, _, value = line.partition(":")
        headers.append((name.strip(), value.strip()))
    response = Response(int(status), reason, headers, body)
    if (response.header("Transfer-Encoding") or "").lower() == "chunked":
        response.content = _dechunk(body)
    elif (length := response.header("Content-Length")) is not None:
        response.content = body[:int(length)]
    return response


def _dechunk(body: bytes) -> bytes:
    chunks, position = [], 0
    while True:
        line_end = body.index(b"\r\n", position)
        size = int(body[position:line_end].split(b";")[0], 16)
        if size == 0:
            return b"".join(chunks)
        start = line_end + 2
        chunks.append(body[start:start + size])
        position = start + size + 2
