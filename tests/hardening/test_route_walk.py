"""Every route of the URL map, walked with what a hostile probe sends (issue #24).

Each rule and method is called by every kind of caller (no login, a logged-in user of each
role, an API token of each role) with hostile values in each of its URL parameters (ids
beyond 2^31, 2^63 and 2^64, NUL and other control characters, text far longer than any
label) while the others name real objects, then with real parameters and hostile bodies
(wrong JSON types, JSON nested past the parser's depth, bodies over the size limit, forms
with control characters and numbers out of range) and hostile query strings. No answer is a
5xx; every refusal under /api/v1 is the API's JSON error envelope.

A new route is walked without a change here: only a new kind of URL parameter must be
given a real object below.
"""
import io
import json
import re
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from werkzeug.routing import IntegerConverter

from receiving_app.accounts import create_api_token
from receiving_app.extensions import db
from receiving_app.inventory.adjustments import adjust_stock
from receiving_app.inventory.counts import create_cycle_count
from receiving_app.models import ClaimItem, WebhookEndpoint
from receiving_app.receiving import raise_exception, resolve_exception
from tests.conftest import make_app
from tests.support.builders import counted, photographed, submit, user

pytestmark = pytest.mark.both_databases

# The walk's app takes small bodies, so that "over the limit" is cheap to send.
MAX_BODY = 64 * 1024
NUL = "\x00"

HOSTILE_IDS = [str(2**31), str(2**63), str(2**64)]
HOSTILE_TEXT = [f"C{NUL}01", "\x07\x1b[2J\x7f", "\u202egpj.exe\u200b中😀", "a/../../b",
                "x" * 2000]
# Longer than any request line the app reads (414).
TOO_LONG = "x" * 10_000
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")  # "<number>", "<int:exception_id>", "<path:label>"

FIELDS = ["number", "warehouse", "seller", "carrier", "tracking", "expected_arrival", "skus",
          "cartons", "counts", "kind", "carton", "sku", "qty", "note", "location", "resolution",
          "version", "paperwork_cartons", "url", "damaged", "label", "code", "key",
          "client_time", "locale", "timezone", "username", "password", "current", "new",
          "confirm", "remember", "csv_text", "next", "back", "business_weekdays",
          "business_day_start_hour", "business_day_end_hour", "receipt_hours",
          "sample_rate", "sampling_policy", "blind_receiving"]
QUERY_FIELDS = ["seller", "state", "asn", "kind", "sku", "warehouse", "from", "to", "format",
                "lang", "next", "back"]


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


JSON_BODIES = {
    "a list": "[]", "a string": '"x"', "a number": "1e999", "null": "null", "true": "true",
    "not JSON": "{'number': ", "nested 30,000 deep": _deep(30_000),
    "an object nested 30,000 deep": '{"counts": ' + _deep(30_000) + "}",
    "numbers for text": json.dumps({f: 5 for f in FIELDS}),
    "lists for everything": json.dumps({f: [] for f in FIELDS}),
    "objects for everything": json.dumps({f: {} for f in FIELDS}),
    "true for everything": json.dumps({f: True for f in FIELDS}),
    "huge numbers": json.dumps({f: 10**40 for f in FIELDS}),
    "negative and fractional numbers": json.dumps({f: -1.5 for f in FIELDS}),
    "control characters": json.dumps({f: f"x{NUL}\x07" for f in FIELDS}),
    "long text": json.dumps({f: "x" * 1000 for f in FIELDS}),
    "wrong types inside": json.dumps({
        "counts": [5, "x", None, {"sku": 5, "qty": "x", "damaged": "yes"}],
        "cartons": [5, {"label": 5, "contents": [5, {"sku": [], "qty": 10**40}]}],
        "skus": [5, {"sku": {}, "barcodes": [5, None], "high_value": "yes"}]}),
    "over the size limit": json.dumps({"note": "x" * MAX_BODY}),
}
FORM_BODIES = {
    "control characters": {f: f"x{NUL}\x07" for f in FIELDS},
    "long text": {f: "x" * 1000 for f in FIELDS},
    "huge numbers": {f: "9" * 40 for f in FIELDS},
    "negative numbers": {f: "-1" for f in FIELDS},
    "repeated fields": {f: ["1", "2", NUL] for f in FIELDS},
    "empty fields": {f: "" for f in FIELDS},
}
HOSTILE_QUERIES = {
    "control characters": {f: NUL for f in QUERY_FIELDS},
    "far dates and huge numbers": {f: "9999-12-31" if f in ("from", "to") else "9" * 40
                                   for f in QUERY_FIELDS},
    "long text": {f: "x" * 1000 for f in QUERY_FIELDS},
}
PHOTO = b"\xff\xd8\xff\xe0 not really a JPEG \xff\xd9"


# What a page is sent as JSON: its forms should not take it for a form.
JSON_FOR_PAGES = ("a string", "a number", "lists for everything", "nested 30,000 deep")


def hostile_payloads(method: str, api: bool):
    """(name, keyword arguments for the test client) for each hostile body or query: the
    API is sent every kind of wrong JSON, the pages every kind of wrong form."""
    if method == "GET":
        for name, query in HOSTILE_QUERIES.items():
            yield f"query with {name}", {"query_string": query}
        return
    for name, body in JSON_BODIES.items():
        if api or name in JSON_FOR_PAGES:
            yield f"JSON {name}", {"data": body, "content_type": "application/json"}
    for name, form in FORM_BODIES.items() if not api else ():
        yield f"form with {name}", {"data": form}
    yield "a photo that is not one", {"data": {
        "photo": (io.BytesIO(PHOTO), f"x{NUL}.jpg"),
        "packing_list": (io.BytesIO(b"\xff\xfe\x00,\x00\n" * 100), "p.csv")},
        "content_type": "multipart/form-data"}
    yield "a form over the size limit", {"data": {"note": "x" * MAX_BODY}}
    yield "a body that is not a form", {"data": b"\xff\xfe%%%\x00=&=&&",
                                        "content_type": "application/x-www-form-urlencoded"}


def world(app) -> dict:
    """Real objects for every kind of URL parameter: an ASN counted with its sample drawn,
    an exception with a photo, a webhook endpoint, an adjustment waiting for approval, a
    cycle count and a carrier claim, all ACME's in LAX1."""
    asn = submit("WALK-1", {f"W{n:02d}": {"ACME-MUG-01": 10} for n in range(1, 6)})
    counted(asn)
    sampled = next(c for c in asn.cartons if c.in_sample)
    exception = raise_exception(asn, "damaged", user=user("dock"), carton_label=sampled.label,
                                note="walk")
    photo = photographed(exception, app)
    endpoint = WebhookEndpoint(seller_id=asn.seller_id, url="https://acme.example/hook",
                               secret="s" * 32)
    db.session.add(endpoint)
    db.session.commit()
    adjustment = adjust_stock(warehouse="LAX1", seller="ACME", sku="ACME-MUG-01",
                              location="LAX1-A-01-01", qty=500, reason="found", note="walk",
                              user=user("dock"))
    count = create_cycle_count(warehouse="LAX1", locations=["LAX1-A-01-01"],
                               user=user("supervisor"))
    claimed = raise_exception(asn, "damaged", user=user("dock"), carton_label=sampled.label,
                              note="walk, claimed")
    photographed(claimed, app)
    resolve_exception(claimed, "carrier_claim", "walk", user=user("supervisor"))
    claim_id = db.session.scalar(sa.select(ClaimItem.claim_id))
    return {"number": asn.number, "label": sampled.label, "exception_id": exception.id,
            "public_id": photo.public_id, "endpoint_id": endpoint.id, "code": "LAX1",
            "filename": "app.css", "adjustment_id": adjustment.id, "count_id": count.id,
            "claim_id": claim_id}


def hostile_paths(rule, real: dict, all_values: bool = True):
    """(name, path) with one URL parameter hostile at a time, the others real; only the
    last hostile value of each unless `all_values`."""
    unknown = set(rule.arguments) - set(real)
    assert not unknown, f"{rule.rule}: give {unknown} a real object in world()"
    for name, converter in rule._converters.items():
        values = HOSTILE_IDS if isinstance(converter, IntegerConverter) else HOSTILE_TEXT
        for value in [*values, TOO_LONG] if all_values else values[-1:]:
            path = PARAMETER.sub(lambda m: quote(value if m[1] == name else str(real[m[1]]),
                                                 safe=""), rule.rule)
            shown = value if len(value) < 20 else f"{value[:8]}...({len(value)})"
            yield f"{name}={shown!r}", path


def callers(walk_app) -> dict:
    """A test client per caller: nobody, each role logged in, each role's API token."""
    clients = {"nobody": walk_app.test_client()}
    for username in ("dock", "supervisor", "admin", "acme"):
        browser = walk_app.test_client()
        answer = browser.post("/auth/login", data={"username": username,
                                                   "password": "dockside-demo"})
        assert answer.status_code == 302, username
        clients[f"{username} logged in"] = browser
        token = create_api_token(user(username))
        clients[f"{username}'s token"] = _with_token(walk_app.test_client(), token)
    return clients


def _with_token(client, token: str):
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if rule.endpoint == "auth.logout" and method == "POST":
                continue  # ends every session of the caller: the walk goes on without it
            yield rule, method


def answer(client, method: str, path: str, **payload):
    """The response, or the exception a request raised (the app runs with TESTING, so an
    unhandled error reaches the test instead of becoming a 500)."""
    try:
        return client.open(path, method=method, **payload)
    except Exception as error:  # noqa: BLE001 (the test reports every route's crash)
        db.session.rollback()
        return error


def wrong_with(response, path: str) -> str | None:
    """What is wrong with the answer, or None: a 5xx or an uncaught exception anywhere, and
    under /api/v1 a refusal that is not the JSON error envelope."""
    if isinstance(response, Exception):
        return f"raised {type(response).__name__}: {str(response)[:120]}"
    status = response.status_code
    if status >= 500:
        return f"{status}"
    if path.startswith("/api/v1/") and status >= 400:
        body = response.get_json(silent=True)
        error = body.get("error") if isinstance(body, dict) else None
        if not (isinstance(error, dict) and error.get("code") and error.get("message")
                and isinstance(error.get("details"), list)):
            return f"{status} not the JSON error envelope ({response.mimetype})"
    return None


def turned_away(response) -> bool:
    """Refused at the door (no login, a role that may not), so no body would be read."""
    if isinstance(response, Exception):
        return False
    return response.status_code in (401, 403) or (
        response.status_code == 302 and "/auth/login" in response.location)


@pytest.fixture
def walk_app(demo, database_uri, tmp_path):
    """The demo served by an app that takes small bodies and no CSRF token (so that every
    hostile form reaches its view)."""
    return make_app(database_uri, tmp_path, MAX_CONTENT_LENGTH=MAX_BODY,
                    WTF_CSRF_ENABLED=False)


def test_no_route_answers_hostile_input_with_a_server_error(demo, walk_app):
    real = world(demo)
    failures = []
    for caller, client in callers(walk_app).items():
        for rule, method in routes(walk_app):
            neutral = {"json": {}} if method != "GET" else {}
            path = rule.build(real, append_unknown=False)[1]
            response = answer(client, method, path, **neutral)
            if wrong := wrong_with(response, path):
                failures.append(f"{caller}: {method} {path}: {wrong}")
            # A caller turned away at the door is turned away before any parameter or body
            # is read: one hostile value per parameter shows that the door holds.
            door_only = turned_away(response)
            for variant, hostile_path in hostile_paths(rule, real, all_values=not door_only):
                if wrong := wrong_with(answer(client, method, hostile_path, **neutral),
                                       hostile_path):
                    failures.append(f"{caller}: {method} {rule.rule} {variant}: {wrong}")
            if door_only:
                continue
            for variant, payload in hostile_payloads(method, path.startswith("/api/")):
                if wrong := wrong_with(answer(client, method, path, **payload), path):
                    failures.append(f"{caller}: {method} {path} {variant}: {wrong}")
    assert failures == [], "\n".join(failures)
