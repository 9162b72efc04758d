"""The request an idempotency key is bound to, as the domain's scans keep it."""
import hashlib
import json

from flask import request

# Form fields that differ between tries of one scan without changing what it asks: each
# try gets a fresh CSRF token; the key is what is being matched; the phone's clock is
# kept beside the scan, not part of it.
_NOT_THE_REQUEST = frozenset({"csrf_token", "key", "client_time"})


def request_fingerprint() -> str:
    """SHA-256 over the request's method, path, query and body.

    A JSON body counts by its value (key order and spacing aside), a form by its fields
    except those above; anything else by its bytes. Headers do not count (X-Client-Time,
    the token), so a retry from the same client is the same request.
    """
    digest = hashlib.sha256()
    for part in (request.method, request.path, _canonical(sorted(request.args.items(multi=True))),
                 _body()):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def _body() -> str:
    if request.is_json:
        try:
            value = request.get_json(silent=True)
        except RecursionError:  # nested past the parser's depth: its bytes identify it
            value = None
        if value is not None:
            return _canonical(value)
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return _canonical(sorted((name, value) for name, value in request.form.items(multi=True)
                                 if name not in _NOT_THE_REQUEST))
    return hashlib.sha256(request.get_data(cache=True)).hexdigest()


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
