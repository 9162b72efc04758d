"""Webhooks: events written to the outbox with the change, delivered signed by the worker,
retried with backoff, never lost when the process dies, never sent into private networks."""
import os
import re
import signal
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from receiving_app.errors import Conflict, InvalidInput, NotFound
from receiving_app.extensions import db
from receiving_app.models import (
    Asn, AsnStatus, OutboxEvent, ReceivingException, WebhookDelivery, utcnow,
)
from receiving_app.receiving import (
    close_receipt, inspect_carton, put_away, raise_exception, resolve_exception,
)
from receiving_app.receiving.disputes import dispute_line
from receiving_app.webhooks import (
    MAX_ATTEMPTS, UnsafeUrl, check_url, deliver_due, find_endpoint, list_endpoints,
    register_endpoint, retry_delay,
)
from receiving_app.webhooks.urls import resolve_target
from tests.support.builders import arrived, counted, photographed, submit, user
from tests.support.review import open_short
from tests.support.webhooks import receivers  # noqa: F401  (fixture)

pytestmark = pytest.mark.both_databases

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def receiver(receivers):
    return receivers()


@pytest.fixture
def flaky_receiver(receivers):
    """Answers 500 twice to every event, then 200."""
    return receivers(fail_first=2)


def acme_asn() -> Asn:
    return db.session.scalar(sa.select(Asn).where(Asn.number == "ASN-ACME-0001"))


def listen(receiver, seller_user: str = "acme"):
    return register_endpoint(user(seller_user), receiver.url, allow_loopback=True)


def events(event_type: str | None = None) -> list[OutboxEvent]:
    query = sa.select(OutboxEvent).order_by(OutboxEvent.id)
    if event_type:
        query = query.where(OutboxEvent.type == event_type)
    return list(db.session.scalars(query))


def delivery_of(event: OutboxEvent) -> WebhookDelivery:
    return db.session.scalar(sa.select(WebhookDelivery).where(
        WebhookDelivery.event_id == event.id))


def readme_verify():
    """The verification snippet exactly as the README prints it."""
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"```python\n(# verify_dockside_webhook\.py\n.*?)```", readme, re.S)
    assert match, "the README's webhook section has the verification snippet"
    namespace: dict = {}
    exec(compile(match.group(1), "README.md", "exec"), namespace)  # noqa: S102 (our own doc)
    return namespace["verify"]


# --- events are written with the change -----------------------------------------------------

def test_each_use_case_writes_its_event_in_its_own_transaction(demo, app):
    asn = submit("W-1", {"C1": {"ACME-MUG-01": 10}})
    assert events() == []
    counted(asn)
    [arrival] = events("asn.arrived")
    assert arrival.payload["asn"]["number"] == "W-1"
    assert arrival.payload["asn"]["status"] == "arrived"
    assert arrival.payload["asn"]["paperwork_cartons"] == 1

    result = inspect_carton(asn, "C1", user=user("dock"), counts=[{"sku": "ACME-MUG-01",
                                                                   "qty": 7}])
    short = db.session.get(ReceivingException, result["exceptions"][0]["id"])
    assert events("exception.raised") == [], "a draft is not announced"
    photo = photographed(short, app)
    [raised] = events("exception.raised")
    assert raised.payload["exception"]["kind"] == "short"
    assert raised.payload["exception"]["qty"] == -3
    assert [p["sha256"] for p in raised.payload["exception"]["photos"]] == [photo.sha256]

    resolve_exception(short, "accept", "three short, counted twice", user=user("supervisor"))
    [resolved] = events("exception.resolved")
    assert resolved.payload["exception"]["state"] == "resolved"
    assert resolved.payload["exception"]["resolutions"][0]["resolution"] == "accept"

    put_away(asn, "C1", "LAX1-A-01-01", user=user("dock"))
    close_receipt(asn, user=user("supervisor"))
    [closed] = events("asn.closed")
    assert closed.payload["asn"]["lines"] == [{"sku": "ACME-MUG-01", "expected": 10,
                                                "received": 7, "damaged": 0, "missing": 3,
                                                "variance": -3}]
    dispute_line(asn, "ACME-MUG-01", "We packed ten; see our loading photo.", user=user("acme"))
    assert [e.payload["exception"]["kind"] for e in events("exception.raised")] == [
        "short", "seller_dispute"]
    assert {e.seller_id for e in events()} == {asn.seller_id}
    assert len({e.event_id for e in events()}) == len(events()), "every event has its own id"


def test_what_a_seller_is_told_keeps_its_shape(demo, app):
    """Receivers parse these fields: a change here is a change to the published contract."""
    short = open_short(app, "W-9", found=7)
    resolve_exception(short, "accept", "three short", user=user("supervisor"))
    [arrival] = events("asn.arrived")
    [resolved] = events("exception.resolved")
    assert sorted(arrival.payload["asn"]) == [
        "arrived_at", "cartons", "cartons_received", "closed_at", "lines", "number",
        "paperwork_cartons", "seller", "sla_due_at", "status", "warehouse"]
    assert sorted(arrival.payload["asn"]["lines"][0]) == [
        "damaged", "expected", "missing", "received", "sku", "variance"]
    exception = resolved.payload["exception"]
    assert sorted(exception) == [
        "asn", "carton", "claim", "expected_qty", "found_qty", "id", "kind", "note", "photos",
        "qty", "raised_at", "resolutions", "resolved_at", "sku", "state"]
    assert sorted(exception["photos"][0]) == ["id", "sha256", "taken_at"]
    assert sorted(exception["resolutions"][0]) == ["at", "note", "resolution"]
    assert (exception["carton"], exception["sku"], exception["qty"]) == ("C1", "ACME-MUG-01", -3)


def test_a_recount_and_a_draft_rejected_as_raised_in_error_send_no_resolved_event(demo, app):
    asn = submit("W-2", {"C1": {"ACME-MUG-01": 10}})
    counted(asn)
    result = inspect_carton(asn, "C1", user=user("dock"), counts=[{"sku": "ACME-MUG-01",
                                                                   "qty": 9}])
    short = db.session.get(ReceivingException, result["exceptions"][0]["id"])
    photographed(short, app)
    resolve_exception(short, "recount", "count it again", user=user("supervisor"))
    draft = raise_exception(asn, "damaged", user=user("dock"), carton_label="C1", note="dent")
    resolve_exception(draft, "reject", "no damage", user=user("supervisor"))
    assert events("exception.resolved") == []


def test_a_recount_that_settles_a_difference_tells_the_seller_it_is_resolved(demo, app):
    asn = submit("W-3", {"C1": {"ACME-MUG-01": 10}})
    counted(asn)
    result = inspect_carton(asn, "C1", user=user("dock"), counts=[{"sku": "ACME-MUG-01",
                                                                   "qty": 9}])
    short = db.session.get(ReceivingException, result["exceptions"][0]["id"])
    photographed(short, app)
    resolve_exception(short, "recount", "count it again", user=user("supervisor"))

    inspect_carton(asn, "C1", user=user("dock"), counts=[{"sku": "ACME-MUG-01", "qty": 10}])

    [resolved] = events("exception.resolved")
    assert resolved.seller_id == asn.seller_id
    data = resolved.payload["exception"]
    assert (data["id"], data["state"]) == (short.id, "resolved")
    assert [r["resolution"] for r in data["resolutions"]] == ["recount", "recount_matched"]


def test_an_event_is_queued_once_per_active_endpoint_of_its_seller_only(demo, app, receiver):
    first = listen(receiver)
    second = register_endpoint(user("acme"), receiver.url + "/second", allow_loopback=True)
    register_endpoint(user("nova"), receiver.url + "/nova", allow_loopback=True)
    arrived(acme_asn())
    [event] = events()
    deliveries = db.session.scalars(sa.select(WebhookDelivery).where(
        WebhookDelivery.event_id == event.id)).all()
    assert sorted(d.endpoint_id for d in deliveries) == sorted([first.id, second.id])


def test_a_change_that_fails_to_commit_leaves_no_event(demo, app, receiver, monkeypatch):
    listen(receiver)

    def commit_fails():
        db.session.flush()  # the ASN row and the event row were both written...
        raise RuntimeError("the database went away at commit")  # ...and never committed

    monkeypatch.setattr(db.session, "commit", commit_fails)
    with pytest.raises(RuntimeError):
        arrived(acme_asn())
    monkeypatch.undo()
    db.session.rollback()
    assert events() == [] and db.session.scalar(sa.select(sa.func.count(WebhookDelivery.id))) == 0
    assert acme_asn().status is AsnStatus.SUBMITTED


# --- delivery ----------------------------------------------------------------------------

def test_a_receiver_that_fails_twice_gets_each_event_exactly_once(demo, app, flaky_receiver):
    endpoint = listen(flaky_receiver)
    asn = acme_asn()
    arrived(asn)
    exception = raise_exception(asn, "damaged", user=user("dock"),
                                carton_label=asn.cartons[0].label, note="crushed corner")
    photographed(exception, app)
    ids = [e.event_id for e in events()]
    assert len(ids) == 2

    start = utcnow()
    first = deliver_due(allow_loopback=True, now=start)
    assert first.retrying == ids and first.delivered == []
    delivery = delivery_of(events()[0])
    assert delivery.attempts == 1 and delivery.last_status_code == 500
    assert delivery.next_attempt_at == start + retry_delay(1) == start + timedelta(seconds=30)

    assert deliver_due(allow_loopback=True, now=start + timedelta(seconds=10)).attempted == 0
    second = deliver_due(allow_loopback=True, now=start + timedelta(seconds=31))
    assert second.retrying == ids
    third = deliver_due(allow_loopback=True, now=start + timedelta(seconds=31 + 61))
    assert third.delivered == ids
    later = deliver_due(allow_loopback=True, now=start + timedelta(days=3))
    assert later.attempted == 0

    assert flaky_receiver.accepted == ids, "each event accepted exactly once"
    assert len(flaky_receiver.requests) == 6
    for event_id in ids:
        tries = [r for r in flaky_receiver.requests if r.event["id"] == event_id]
        assert len({r.body for r in tries}) == 1, "every retry sends the same bytes"
        assert {r.headers["Dockside-Event-Id"] for r in tries} == {event_id}
    db.session.expire_all()
    for event in events():
        delivery = delivery_of(event)
        assert (delivery.status, delivery.attempts, delivery.endpoint_id) == (
            "delivered", 3, endpoint.id)
        assert delivery.delivered_at is not None


def test_the_signature_verifies_with_the_readme_snippet(demo, app, receiver):
    endpoint = listen(receiver)
    arrived(acme_asn())
    assert deliver_due(allow_loopback=True).delivered
    [request] = receiver.requests
    verify = readme_verify()
    header = request.headers["Dockside-Signature"]
    assert verify(endpoint.secret, request.body, header)
    assert not verify(endpoint.secret, request.body.replace(b"arrived", b"closed"), header)
    assert not verify("whsec_" + "0" * 64, request.body, header)
    stale = re.sub(r"t=(\d+)", lambda m: f"t={int(m.group(1)) - 3600}", header)
    assert not verify(endpoint.secret, request.body, stale), "an hour-old replay is refused"
    assert request.event["type"] == "asn.arrived"
    assert request.event["data"]["asn"]["number"] == "ASN-ACME-0001"
    assert request.headers["Content-Type"] == "application/json"


def test_a_receiver_that_never_answers_well_is_given_up_after_the_last_attempt(
        demo, app, receivers):
    failing = receivers(fail_first=MAX_ATTEMPTS + 5)
    listen(failing)
    arrived(acme_asn())
    now = utcnow()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        report = deliver_due(allow_loopback=True, now=now)
        assert report.attempted == 1
        now += retry_delay(attempt)
    assert report.failed and not report.retrying
    assert deliver_due(allow_loopback=True, now=now + timedelta(days=30)).attempted == 0
    delivery = delivery_of(events()[0])
    assert (delivery.status, delivery.attempts) == ("failed", MAX_ATTEMPTS)
    assert len(failing.requests) == MAX_ATTEMPTS


def test_backoff_doubles_from_thirty_seconds_up_to_six_hours():
    assert [retry_delay(n).total_seconds() for n in range(1, 6)] == [30, 60, 120, 240, 480]
    assert retry_delay(40) == timedelta(hours=6)


def test_a_switched_off_endpoint_is_not_sent_to(demo, app, receiver):
    endpoint = listen(receiver)
    arrived(acme_asn())
    endpoint.active = False
    db.session.commit()
    assert deliver_due(allow_loopback=True).attempted == 0
    assert receiver.requests == []


def test_the_command_delivers_what_is_due_in_one_pass(demo, app, runner, receiver):
    listen(receiver)
    arrived(acme_asn())
    db.session.remove()
    result = runner.invoke(args=["deliver-webhooks", "--once"])
    assert result.exit_code == 0, result.output
    assert "1 delivered" in result.output
    assert [r.event["type"] for r in receiver.requests] == ["asn.arrived"]


# --- never lost ----------------------------------------------------------------------------

KILLED_APP = """
import os, signal, sys
from pathlib import Path
import sqlalchemy as sa
from tests.conftest import make_app

app = make_app(sys.argv[1], Path(sys.argv[2]))
with app.app_context():
    from receiving_app.extensions import db
    from receiving_app.models import Asn
    from receiving_app.receiving import arrive_asn
    from tests.support.builders import user
    asn = db.session.scalar(sa.select(Asn).where(Asn.number == "ASN-ACME-0001"))
    if sys.argv[3] == "at-commit":
        db.session.commit = lambda: os.kill(os.getpid(), signal.SIGKILL)
    arrive_asn(asn, 12, user=user("dock"))
    print("committed", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
"""


def run_and_kill(app, tmp_path, moment: str) -> subprocess.CompletedProcess:
    """Run the arrival in another process that is killed (SIGKILL) at `moment`."""
    db.session.remove()
    return subprocess.run(
        [sys.executable, "-c", KILLED_APP, app.config["SQLALCHEMY_DATABASE_URI"],
         str(tmp_path / "killed"), moment],
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True,
        timeout=120)


def test_an_event_survives_the_process_being_killed_right_after_the_change(
        demo, app, runner, receiver, tmp_path):
    listen(receiver)
    killed = run_and_kill(app, tmp_path, "after-commit")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert "committed" in killed.stdout
    assert acme_asn().status is AsnStatus.ARRIVED
    [event] = events("asn.arrived")
    assert delivery_of(event).status == "pending"
    db.session.remove()

    result = runner.invoke(args=["deliver-webhooks", "--once"])
    assert result.exit_code == 0, result.output
    assert receiver.accepted == [event.event_id]


def test_a_process_killed_at_commit_leaves_neither_the_change_nor_its_event(
        demo, app, receiver, tmp_path):
    listen(receiver)
    killed = run_and_kill(app, tmp_path, "at-commit")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert "committed" not in killed.stdout
    assert acme_asn().status is AsnStatus.SUBMITTED
    assert events() == []


# --- where webhooks may go ------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "http://hooks.example.com/dockside",            # plain HTTP to the internet
    "https://10.0.0.7/hooks",                       # private
    "https://192.168.1.20/hooks",
    "https://169.254.169.254/latest/meta-data",     # link-local: cloud metadata
    "https://[fd00::1]/hooks",                      # IPv6 unique local
    "https://[::ffff:10.0.0.1]/hooks",              # IPv4-mapped private
    "https://100.64.0.1/hooks",                     # carrier-grade NAT
    "https://localhost/hooks",                      # loopback, in production
    "https://127.0.0.1/hooks",
    "https://0x7f000001/",                          # 127.0.0.1, as inet_aton reads it
    "https://2130706433/",                          # the same as one decimal number
    "https://0177.0.0.1/",                          # octal parts
    "https://127.1/",                               # a short form
    "https://127.0.0.1./",                          # a trailing dot
    "https://0x0a.0.0.1/",                          # 10.0.0.1, hex part
    "https://1.2.3.4.5/",                           # ends in a number, yet no address
    "https://user:secret@hooks.example.com/",       # credentials in the URL
    "ftp://hooks.example.com/",
    "hooks.example.com/no-scheme",
])
def test_production_refuses_urls_into_private_networks(url):
    with pytest.raises(UnsafeUrl):
        check_url(url, allow_loopback=False)


def test_development_allows_plain_http_to_this_machine_only():
    assert check_url("http://127.0.0.1:8000/hook", allow_loopback=True)
    assert check_url("http://localhost:8000/hook", allow_loopback=True)
    assert check_url("http://[::1]:8000/hook", allow_loopback=True)
    with pytest.raises(UnsafeUrl):
        check_url("http://10.0.0.7/hook", allow_loopback=True)
    with pytest.raises(UnsafeUrl):
        check_url("http://hooks.example.com/hook", allow_loopback=True)
    assert check_url("https://hooks.example.com/hook", allow_loopback=False)


def test_a_numeric_host_is_registered_as_the_address_it_spells():
    """Resolvers read 0x5db8d822 and 1572395042 as 93.184.216.34: so does registration."""
    assert check_url("https://0x5db8d822/in", allow_loopback=False) == "https://93.184.216.34/in"
    assert check_url("https://1572395042:8443/in?x=1", allow_loopback=False) == \
        "https://93.184.216.34:8443/in?x=1"
    assert check_url("http://0x7f.1:8000/hook", allow_loopback=True) == "http://127.0.0.1:8000/hook"
    assert check_url("https://hooks.example.com/hook", allow_loopback=False) == \
        "https://hooks.example.com/hook"


def fake_dns(monkeypatch, answers: dict[str, list[str]]) -> None:
    def getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port)) for a in answers[host]]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_a_name_that_resolves_to_a_private_address_is_refused_at_delivery(monkeypatch):
    fake_dns(monkeypatch, {"hooks.example.com": ["93.184.216.34", "10.1.2.3"]})
    with pytest.raises(UnsafeUrl, match="not on the public internet"):
        resolve_target("https://hooks.example.com/in", allow_loopback=False)


def test_delivery_goes_to_the_address_that_was_checked(monkeypatch):
    fake_dns(monkeypatch, {"hooks.example.com": ["93.184.216.34"]})
    target = resolve_target("https://hooks.example.com:8443/in?x=1", allow_loopback=False)
    assert target.url == "https://93.184.216.34:8443/in?x=1"
    assert target.host_header == "hooks.example.com:8443"
    assert target.sni_hostname == "hooks.example.com"


def test_the_request_goes_to_the_checked_address_under_the_urls_name(demo, app, monkeypatch):
    register_endpoint(user("acme"), "https://erp.acme.example/in", allow_loopback=False)
    arrived(acme_asn())
    fake_dns(monkeypatch, {"erp.acme.example": ["93.184.216.34"]})
    sent: list[httpx.Request] = []

    def erp(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(204)

    assert deliver_due(allow_loopback=False, transport=httpx.MockTransport(erp)).delivered
    [request] = sent
    assert str(request.url) == "https://93.184.216.34/in"
    assert request.headers["Host"] == "erp.acme.example"
    assert request.extensions["sni_hostname"] == "erp.acme.example"


def test_production_never_sends_to_a_receiver_on_this_machine(demo, app, receiver):
    listen(receiver)  # registered in the test environment, where loopback is allowed
    arrived(acme_asn())
    report = deliver_due(allow_loopback=False)
    assert report.retrying and receiver.requests == []
    delivery = delivery_of(events()[0])
    assert delivery.last_error.startswith("refused:") and delivery.last_status_code is None


def test_sellers_register_only_safe_urls_and_get_a_secret(demo, app):
    endpoint = register_endpoint(user("acme"), " https://erp.acme.example/dockside ",
                                 allow_loopback=False)
    assert endpoint.url == "https://erp.acme.example/dockside"
    assert endpoint.secret.startswith("whsec_") and len(endpoint.secret) == 70
    with pytest.raises(InvalidInput):
        register_endpoint(user("acme"), "https://169.254.169.254/", allow_loopback=False)
    with pytest.raises(Conflict):
        register_endpoint(user("acme"), "https://erp.acme.example/dockside",
                          allow_loopback=False)
    with pytest.raises(NotFound):
        register_endpoint(user("supervisor"), "https://erp.acme.example/x", allow_loopback=False)


def test_a_sellers_endpoints_are_theirs_alone_and_staff_have_none(demo, app):
    acme = register_endpoint(user("acme"), "https://erp.acme.example/hook", allow_loopback=False)
    nova = register_endpoint(user("nova"), "https://erp.nova.example/hook", allow_loopback=False)

    assert [e.id for e in list_endpoints(user("acme"))] == [acme.id]
    assert find_endpoint(user("nova"), nova.id) == nova
    with pytest.raises(NotFound):
        find_endpoint(user("nova"), acme.id)
    for staff in ("dock", "supervisor", "admin"):
        assert list_endpoints(user(staff)) == []
        with pytest.raises(NotFound):
            find_endpoint(user(staff), acme.id)
