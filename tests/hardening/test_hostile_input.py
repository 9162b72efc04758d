"""What a black-box probe of production sent (issue #24): every door answers it with a
clean 4xx in the API's JSON error, on both databases, and saves nothing.

PostgreSQL refuses what SQLite stores (a NUL in text, an id above 2^31), so each case runs
on both.
"""
import re
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from werkzeug.routing import IntegerConverter

from receiving_app.extensions import db
from receiving_app.models import Asn, Movement, ReceivingException, ScanEvent, Sku, utcnow
from tests.support.builders import arrived, counted, submit, user

pytestmark = pytest.mark.both_databases

HTMX = {"HX-Request": "true"}


def rows(model) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def refused(response, status: int = 422) -> dict:
    """The API's error envelope, with its status; details as {path: message}."""
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert error["code"] and error["message"]
    return {d["path"]: d["message"] for d in error["details"]}


def asn_payload(number="PROBE-1", **overrides) -> dict:
    payload = {"number": number, "warehouse": "LAX1",
               "cartons": [{"label": "P-1", "contents": [{"sku": "ACME-MUG-01", "qty": 1}]}]}
    return payload | overrides


# --- ASN numbers that a URL cannot carry -------------------------------------------------

@pytest.mark.parametrize("number", ["PO/1", "PO 1", "PO?1", "PO#1", "PO%2F1", "PO\\1",
                                    "PO:1", "..", "é1"])
def test_an_asn_number_a_url_segment_cannot_carry_is_refused_at_intake(api, number):
    movements = rows(Movement)
    details = refused(api("acme").post("/api/v1/asns", json=asn_payload(number)))
    assert list(details) == ["number"]
    assert rows(Movement) == movements


def test_every_number_intake_accepts_is_reachable_by_its_url(api):
    acme = api("acme")
    for number in ("PO-1", "po.2_3-X", "A" * 64, "9"):
        assert acme.post("/api/v1/asns", json=asn_payload(number)).status_code == 201
        assert acme.get(f"/api/v1/asns/{number}").get_json()["number"] == number
        assert acme.post(f"/api/v1/asns/{number}/cancel").status_code == 200


# --- ids beyond the database's integers ---------------------------------------------------

def id_routes(app):
    for rule in app.url_map.iter_rules():
        ids = [name for name, converter in rule._converters.items()
               if isinstance(converter, IntegerConverter)]
        if ids:
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                yield rule, ids, method


@pytest.mark.parametrize("big", [2**31, 2**63, 2**64])
def test_an_id_beyond_the_databases_integers_is_404_on_every_route(demo, app, auth, client,
                                                                   big):
    from receiving_app.accounts import create_api_token

    token = {name: create_api_token(user(name)) for name in ("dock", "supervisor", "acme")}
    who = {"dock": "dock", "review": "supervisor", "seller": "acme", "api": "supervisor"}
    answers = {}
    for rule, ids, method in id_routes(app):
        blueprint = rule.endpoint.split(".")[0]
        path = re.sub(r"<int:(\w+)>", str(big), rule.rule)
        if blueprint == "api":
            username = "acme" if "webhooks" in path else who["api"]
            response = app.test_client().open(path, method=method, json={}, headers={
                "Authorization": f"Bearer {token[username]}"})
        else:
            auth.login(who[blueprint])
            response = client.open(path, method=method, headers=HTMX)
        answers[f"{method} {path}"] = response.status_code
        if blueprint == "api":
            assert response.get_json()["error"]["code"] == "not_found"
    assert answers and set(answers.values()) == {404}, answers


# --- text where a number was sent, and control characters ---------------------------------

@pytest.fixture
def damaged_carton(demo):
    asn = submit("HOSTILE-1")
    counted(asn)
    return asn


def test_a_number_where_carton_or_sku_should_be_text_is_422(api, damaged_carton):
    dock = api("dock")
    exceptions = rows(ReceivingException)
    for field in ("carton", "sku", "note", "kind"):
        body = {"kind": "damaged", "carton": "C01", "sku": "ACME-MUG-01", "qty": 1, field: 5}
        details = refused(dock.post("/api/v1/asns/HOSTILE-1/exceptions", json=body))
        assert details[field] == "must be text"
    details = refused(api("acme").post("/api/v1/asns/HOSTILE-1/disputes",
                                       json={"sku": 7, "note": "missing"}))
    assert details["sku"] == "must be text"
    assert rows(ReceivingException) == exceptions


def test_json_nested_beyond_reason_is_422_not_a_crash(api):
    deep = "[" * 100_000 + "]" * 100_000
    for body in (deep, '{"number": ' + deep + "}"):
        details = refused(api("acme").post("/api/v1/asns", data=body,
                                           content_type="application/json"))
        assert "$" in details or "number" in details


NUL = "\x00"


@pytest.mark.parametrize("field, value", [
    ("number", f"PO{NUL}1"), ("carrier", f"Maersk{NUL}"), ("tracking", "MAEU\x07"),
    ("expected_arrival", f"2026-12-01{NUL}"),
])
def test_a_control_character_in_an_asn_field_is_422_and_saves_nothing(api, field, value):
    movements = rows(Movement)
    details = refused(api("acme").post("/api/v1/asns", json=asn_payload(**{field: value})))
    assert list(details) == [field]
    assert rows(Movement) == movements


def test_a_control_character_in_a_label_or_sku_of_the_asn_is_422(api):
    skus = rows(Sku)
    body = asn_payload(skus=[{"sku": f"NEW{NUL}", "barcodes": [f"123{NUL}"]}], cartons=[
        {"label": f"P{NUL}1", "contents": [{"sku": f"ACME{NUL}", "qty": 1}]}])
    details = refused(api("acme").post("/api/v1/asns", json=body))
    assert {"skus[0].sku", "skus[0].barcodes[0]", "cartons[0].label",
            "cartons[0].contents[0].sku"} <= set(details)
    assert rows(Sku) == skus


def test_a_nul_in_a_label_or_number_in_the_url_is_refused_cleanly(api, damaged_carton):
    dock = api("dock")
    scans = rows(ScanEvent)
    details = refused(dock.post("/api/v1/asns/HOSTILE-1/cartons/C%0001/receive"))
    assert "label" in details
    refused(dock.post("/api/v1/asns/HOSTILE-1/cartons/C%0001/inspect",
                      json={"counts": []}))
    refused(dock.post("/api/v1/asns/HOSTILE-1/cartons/C%0001/putaway",
                      json={"location": "LAX1-A-01-01"}))
    refused(dock.post("/api/v1/asns/HOSTILE-1/cartons/C01/putaway",
                      json={"location": f"LAX1{NUL}"}))
    assert list(refused(dock.get("/api/v1/asns/HOSTILE%001"))) == ["number"]
    refused(dock.post("/api/v1/asns/HOSTILE%001/arrive", json={"paperwork_cartons": 1}))
    assert rows(ScanEvent) == scans


def test_a_bell_in_a_label_in_the_url_is_422_and_counts_nothing(api):
    asn = arrived(submit("HOSTILE-6"))
    scans = rows(ScanEvent)
    details = refused(api("dock").post(f"/api/v1/asns/{asn.number}/cartons/C%0701/receive"))
    assert details == {"label": "control characters are not allowed"}
    refused(api("dock").get(f"/api/v1/asns/{asn.number}%07"), 404)
    assert rows(ScanEvent) == scans


def test_a_nul_in_any_note_is_422(api, damaged_carton):
    dock, supervisor = api("dock"), api("supervisor")
    details = refused(dock.post("/api/v1/asns/HOSTILE-1/exceptions",
                                json={"kind": "damaged", "note": f"torn{NUL}"}))
    assert list(details) == ["note"]
    created = dock.post("/api/v1/asns/HOSTILE-1/exceptions",
                        json={"kind": "unreadable_label", "note": "line one\nline two\ttab"})
    assert created.status_code == 201
    exception_id = created.get_json()["id"]
    details = refused(supervisor.post(f"/api/v1/exceptions/{exception_id}/resolve",
                                      json={"resolution": "reject", "note": f"x{NUL}"}))
    assert list(details) == ["note"]
    details = refused(supervisor.post(f"/api/v1/exceptions/{exception_id}/reverse",
                                      json={"note": f"x{NUL}"}))
    assert list(details) == ["note"]


def test_a_nul_in_a_scan_on_the_phone_pages_is_refused_and_records_nothing(
        demo, client, auth, damaged_carton):
    auth.login("dock")
    token = auth.csrf_token("/dock/")
    scans = rows(ScanEvent)
    for path, data in [("/dock/asns/HOSTILE-1/putaway/carton", {"code": f"C{NUL}01"}),
                       ("/dock/asns/HOSTILE-1/putaway", {"carton": "C01",
                                                         "code": f"LAX1{NUL}"}),
                       ("/dock/find", {"code": f"HOSTILE{NUL}1"}),
                       ("/dock/asns/HOSTILE-1/open", {"code": f"C{NUL}01"})]:
        response = client.post(path, data=data | {"csrf_token": token}, headers=HTMX)
        assert response.status_code < 500, path
    assert rows(ScanEvent) == scans


def test_a_nul_in_a_carton_scan_is_refused_and_records_nothing(demo, client, auth):
    submit("HOSTILE-2")
    arrived(db.session.scalar(sa.select(Asn).where(Asn.number == "HOSTILE-2")))
    auth.login("dock")
    token = auth.csrf_token("/dock/")
    scans, exceptions = rows(ScanEvent), rows(ReceivingException)
    response = client.post("/dock/asns/HOSTILE-2/receive", headers=HTMX,
                           data={"code": f"C0{NUL}1", "csrf_token": token})
    assert response.status_code == 422
    assert (rows(ScanEvent), rows(ReceivingException)) == (scans, exceptions)


def test_a_nul_in_a_webhook_url_is_422(api):
    details = refused(api("acme").post("/api/v1/webhooks",
                                       json={"url": f"https://erp.example/{NUL}hook"}))
    assert list(details) == ["url"]


# --- the size of an inspection -----------------------------------------------------------

def test_an_inspection_of_fifty_thousand_lines_is_refused_at_once(api, damaged_carton):
    lines = [{"sku": f"SKU-{n}", "qty": 1} for n in range(50_000)]
    started = time.perf_counter()
    details = refused(api("dock").post("/api/v1/asns/HOSTILE-1/cartons/C01/inspect",
                                       json={"counts": lines}))
    assert time.perf_counter() - started < 5
    assert "at most 500" in details["counts"]


def statements_of(action) -> int:
    count = 0

    def counted_statement(*_args):
        nonlocal count
        count += 1

    sa.event.listen(db.engine, "before_cursor_execute", counted_statement)
    try:
        action()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", counted_statement)
    return count


def test_an_inspections_lines_are_looked_up_together_not_one_by_one(api, damaged_carton):
    from receiving_app.errors import InvalidInput
    from receiving_app.receiving import inspect_carton

    asn = damaged_carton
    label = next(c.label for c in asn.cartons if c.in_sample)

    def inspect(lines: int):
        def action():
            with pytest.raises(InvalidInput):
                inspect_carton(asn, label, user=user("dock"), counts=[
                    {"sku": f"NOPE-{n}", "qty": 1} for n in range(lines)])
        return action

    statements_of(inspect(1))  # what a first inspection loads once (the ASN's seller)
    assert statements_of(inspect(400)) == statements_of(inspect(4))


# --- dates far away ------------------------------------------------------------------------

@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1970-01-01"])
def test_an_expected_arrival_outside_a_sane_window_is_422(api, day):
    details = refused(api("acme").post("/api/v1/asns",
                                       json=asn_payload(expected_arrival=day)))
    assert list(details) == ["expected_arrival"]


def test_an_expected_arrival_within_the_window_is_kept(api):
    soon = (utcnow() + timedelta(days=60)).date().isoformat()
    created = api("acme").post("/api/v1/asns", json=asn_payload(expected_arrival=soon))
    assert created.status_code == 201 and created.get_json()["expected_arrival"] == soon


@pytest.mark.parametrize("stamp", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00",
                                   "2000-01-01T00:00:00Z"])
def test_a_client_time_outside_a_sane_window_is_422_and_counts_nothing(api, stamp):
    asn = arrived(submit("HOSTILE-3"))
    scans = rows(ScanEvent)
    details = refused(api("dock").post(f"/api/v1/asns/{asn.number}/cartons/C01/receive",
                                       headers={"X-Client-Time": stamp,
                                                "Idempotency-Key": "k-far"}))
    assert list(details) == ["X-Client-Time"]
    assert rows(ScanEvent) == scans


def test_a_phones_wild_clock_on_the_dock_pages_keeps_the_scan_without_its_time(
        demo, client, auth):
    asn = arrived(submit("HOSTILE-4"))
    auth.login("dock")
    token = auth.csrf_token("/dock/")
    response = client.post(f"/dock/asns/{asn.number}/receive", headers=HTMX, data={
        "code": "C01", "key": "k-wild", "client_time": "9999-12-31T23:59:59-14:00",
        "csrf_token": token})
    assert response.status_code == 200
    db.session.rollback()
    event = db.session.scalar(sa.select(ScanEvent).where(ScanEvent.idempotency_key == "k-wild"))
    assert event.outcome == "received" and event.client_time is None


def test_a_recent_client_time_is_kept(api):
    asn = arrived(submit("HOSTILE-5"))
    stamp = (datetime.now(UTC) - timedelta(days=3)).replace(microsecond=0)
    answer = api("dock").post(f"/api/v1/asns/{asn.number}/cartons/C01/receive", headers={
        "X-Client-Time": stamp.isoformat(), "Idempotency-Key": "k-recent"})
    assert answer.status_code == 200
    db.session.rollback()
    event = db.session.scalar(sa.select(ScanEvent).where(
        ScanEvent.idempotency_key == "k-recent"))
    assert event.client_time.replace(tzinfo=UTC) == stamp


@pytest.mark.parametrize("query", ["from=9999-01-01&to=9999-12-31", "from=0001-01-01&to=0001-01-31",
                                   "to=9999-12-31"])
def test_a_report_period_far_away_is_422(api, query):
    details = refused(api("supervisor").get(f"/api/v1/reports/dock-to-stock?{query}"))
    assert set(details) <= {"from", "to"} and details


# --- the doors after the dock (issue #18) ----------------------------------------------------

STOCK_DOORS = [
    ("/api/v1/adjustments", {"warehouse": "LAX1", "seller": "ACME", "sku": "ACME-MUG-01",
                             "location": "LAX1-A-01-01", "qty": 1, "reason": "found",
                             "note": "ok"}),
    ("/api/v1/quarantine/dispositions", {"warehouse": "LAX1", "seller": "ACME",
                                         "sku": "ACME-MUG-01", "location": "LAX1-Q-01",
                                         "qty": 1, "action": "dispose", "note": "ok"}),
    ("/api/v1/cycle-counts", {"warehouse": "LAX1", "locations": ["LAX1-A-01-01"]}),
]
HOSTILE = [("warehouse", "LAX\x001"), ("warehouse", 5), ("seller", "AC\x00ME"), ("qty", 2**64),
           ("qty", True), ("note", "a\x00b"), ("locations", ["LAX1-A-01\x00-01"])]


@pytest.mark.parametrize("path, body, field, value", [
    (path, body, field, value) for path, body in STOCK_DOORS for field, value in HOSTILE
    if field in body])
def test_a_hostile_field_on_a_stock_door_is_422_and_saves_nothing(api, path, body, field,
                                                                   value):
    movements = rows(Movement)
    details = refused(api("supervisor").post(path, json=body | {field: value}))
    assert [p for p in details if p.split("[")[0] == field], details
    assert rows(Movement) == movements


@pytest.mark.parametrize("query", ["from=9999-01-01", "to=9999-12-31", "from=0001-01-01",
                                   "to=2026-01-01T00:00:00", "from=%00"])
def test_a_reconciliation_period_far_away_or_unreadable_is_422(api, query):
    refused(api("acme").get(f"/api/v1/reports/reconciliation?{query}"))
