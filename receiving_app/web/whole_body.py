"""Every request's body is received whole before the app sees the request."""
from collections.abc import Callable, Iterable
from tempfile import SpooledTemporaryFile

from werkzeug.exceptions import ClientDisconnected
from werkzeug.wsgi import ClosingIterator

# A scan, a form or an ASN stays in memory; a photo beyond this goes to a temporary file.
IN_MEMORY_BYTES = 1024 * 1024
CHUNK_BYTES = 64 * 1024


class ReceiveWholeBody:
    """WSGI middleware: read the request's body to its end, then call the app.

    The app opens its database transaction as soon as it knows who is asking (on SQLite a
    write request's transaction takes the write lock up front), and only then reads the
    body. A client trickling its body over bad Wi-Fi held that lock for as long as it took,
    and every scan on the dock failed behind it. Received first, a slow body costs one of
    the worker's threads and nothing else. A body larger than `max_bytes` is left unread
    for the app to refuse (413); a body that ends before its Content-Length is refused
    (400) without calling the app, so no use case ever runs on half a request.
    """

    def __init__(self, app: Callable, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        declared = environ.get("CONTENT_LENGTH", "")
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if not (declared.isdigit() and int(declared) > 0) and not chunked:
            return self.app(environ, start_response)  # no body: a GET, mostly
        length = int(declared) if declared.isdigit() else None
        if length is not None and length > self.max_bytes:
            return self.app(environ, start_response)
        # A chunked body is read to one byte past the limit, so the app still sees that it
        # is too large.
        limit = length if length is not None else self.max_bytes + 1
        body = SpooledTemporaryFile(max_size=IN_MEMORY_BYTES)
        received = _copy(environ["wsgi.input"], body, limit)
        if length is not None and received < length:
            body.close()
            return ClientDisconnected()(environ, start_response)
        body.seek(0)
        environ["wsgi.input"] = body
        if length is None:  # no longer chunked for the app: a body of a known length
            environ.pop("HTTP_TRANSFER_ENCODING")
            environ["CONTENT_LENGTH"] = str(received)
        return ClosingIterator(self.app(environ, start_response), body.close)


def _copy(source, target, limit: int) -> int:
    """Copy up to `limit` bytes; fewer when the client stops sending."""
    received = 0
    while received < limit:
        chunk = source.read(min(CHUNK_BYTES, limit - received))
        if not chunk:
            break
        target.write(chunk)
        received += len(chunk)
    return received
