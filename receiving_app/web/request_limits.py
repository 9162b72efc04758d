"""How long a URL and how large the headers may be, checked before any view runs.

gunicorn refuses a request line or a header beyond its own limits before the app sees the
request, with an HTML page; an ERP reading the API's JSON errors cannot read that. So the
app refuses at lower limits of its own (config: MAX_URL_BYTES, MAX_HEADER_FIELDS,
MAX_HEADER_FIELD_BYTES), and answers in the API's JSON under /api/v1; gunicorn.conf.py sets
gunicorn's limits above these.
"""
from flask import current_app, request
from werkzeug.exceptions import RequestHeaderFieldsTooLarge, RequestURITooLarge


def refuse_oversized_request() -> None:
    """414 for a URL longer than MAX_URL_BYTES, 431 for more than MAX_HEADER_FIELDS headers
    or one longer than MAX_HEADER_FIELD_BYTES ("Name: value")."""
    config = current_app.config
    environ = request.environ
    target = environ.get("RAW_URI") or environ.get("REQUEST_URI") or request.full_path
    if len(target) > config["MAX_URL_BYTES"]:
        raise RequestURITooLarge(f"The URL is longer than {config['MAX_URL_BYTES']} bytes.")
    headers = list(request.headers.items())
    if len(headers) > config["MAX_HEADER_FIELDS"]:
        raise RequestHeaderFieldsTooLarge(
            f"The request has more than {config['MAX_HEADER_FIELDS']} headers.")
    for name, value in headers:
        if len(name) + 2 + len(value) > config["MAX_HEADER_FIELD_BYTES"]:
            raise RequestHeaderFieldsTooLarge(
                f"The {name} header is longer than {config['MAX_HEADER_FIELD_BYTES']} bytes.")
