"""The exception queue and resolving from the page: what a supervisor sees, what a decision
records, and what the one who decided second is told."""
import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from receiving_app.evidence import PhotoStorage
from receiving_app.extensions import db
from receiving_app.models import (
    Bucket, ExceptionState, ReceivingException, Resolution, ResolutionKind, utcnow,
)
from receiving_app.receiving import attach_photo, raise_exception, resolve_exception
from tests.support.builders import arrived, submit, user
from tests.support.images import jpeg, sscc_label
from tests.support.ledger import bucket_total
from tests.support.review import another_supervisor, open_short

HTMX = {"HX-Request": "true"}


def card_order(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<article class="card exception[^"]*" id="exception-(\d+)"',
                                       page)]


def resolve_form(client, auth, exception, resolution="accept", note="checked the photos",
                 version=None, back="", **extra):
    token = auth.csrf_token(f"/review/exceptions/{exception.id}")
    data = {"csrf_token": token, "resolution": resolution, "note": note, "back": back,
            "version": exception.version if version is None else version}
    return client.post(f"/review/exceptions/{exception.id}/resolve", data=data,
                       **extra)


@pytest.fixture
def queue(demo, app):
    """Four exceptions at LAX1: two open (one due sooner), one draft, one resolved; and an
    open one of NOVA's."""
    later = open_short(app, "R-1")
    sooner = open_short(app, "R-2", found=12)
    later.due_at, sooner.due_at = utcnow() + timedelta(hours=20), utcnow() + timedelta(hours=2)
    nova = arrived(submit("N-1", {"N1": {"NOVA-LAMP-01": 4}}, seller="NOVA"))
    draft = raise_exception(nova, "damaged", user=user("dock"), carton_label="N1",
                            sku="NOVA-LAMP-01", qty=1, note="crushed corner")
    done = open_short(app, "R-3", found=9)
    resolve_exception(done, "accept", "fine", user=user("supervisor"))
    db.session.commit()
    return {"sooner": sooner, "later": later, "draft": draft, "done": done}


def test_open_exceptions_come_first_by_due_time_then_drafts_then_the_resolved(queue, auth,
                                                                               client):
    auth.login("supervisor")
    page = client.get("/review/exceptions").get_data(as_text=True)
    assert card_order(page) == [queue["sooner"].id, queue["later"].id, queue["draft"].id,
                                queue["done"].id]


@pytest.mark.parametrize("query, expected", [
    ("seller=NOVA", ["draft"]),
    ("asn=R-2", ["sooner"]),
    ("kind=over", ["sooner"]),
    ("kind=short", ["later", "done"]),
    ("state=resolved", ["done"]),
    ("state=draft", ["draft"]),
    ("seller=ACME&state=open", ["sooner", "later"]),
    ("kind=not-a-kind", ["sooner", "later", "draft", "done"]),
])
def test_the_queue_filters_by_seller_asn_kind_and_state(queue, auth, client, query, expected):
    auth.login("supervisor")
    fragment = client.get(f"/review/exceptions?{query}", headers=HTMX)
    assert fragment.get_data(as_text=True).lstrip().startswith('<section id="exception-queue"')
    assert "HX-Request" in fragment.headers["Vary"]
    assert card_order(fragment.get_data(as_text=True)) == [queue[name].id for name in expected]


def test_a_card_shows_quantities_photos_with_their_barcodes_who_raised_it_and_the_scans(
        demo, app, auth, client):
    exception = open_short(app)
    label = jpeg(sscc_label("106141412345678908", 1200).image)
    photo = attach_photo(exception, label, "label.jpg", user=user("dock"),
                         storage=PhotoStorage(Path(app.config["PHOTO_ROOT"])),
                         max_bytes=app.config["MAX_CONTENT_LENGTH"])
    auth.login("supervisor")
    page = client.get(f"/review/exceptions/{exception.id}").get_data(as_text=True)
    card = page[page.index(f'id="exception-{exception.id}"'):]
    assert "<code>C1</code>" in card and "ACME-MUG-01" in card
    assert "<dt>Expected</dt><dd>10</dd>" in card and "<dt>Found</dt><dd>7</dd>" in card
    assert "<dt>Difference</dt><dd>-3</dd>" in card
    assert f'<a href="/photos/{photo.public_id}"><img src="/photos/{photo.public_id}/thumbnail"' \
        in card
    assert "<code>00106141412345678908</code>" in card  # read from the photo of the label
    assert re.search(r"<dt>Raised</dt><dd>dock, \d{4}-\d\d-\d\d \d\d:\d\d P[SD]T</dd>", card)
    scan_log = card[card.index('id="scan-log-'):]
    assert "<code>C1</code> <span class=\"badge\">this carton</span>" in scan_log
    assert "Exception raised here" in scan_log
    # and the same photo opens at full size for this supervisor
    assert client.get(f"/photos/{photo.public_id}").status_code == 200


def test_the_queue_loads_a_cards_scan_log_when_it_is_unfolded(demo, app, auth, client):
    exception = open_short(app)
    auth.login("supervisor")
    queue = client.get("/review/exceptions").get_data(as_text=True)
    assert f'hx-get="/review/exceptions/{exception.id}/scan-log"' in queue
    fragment = client.get(f"/review/exceptions/{exception.id}/scan-log", headers=HTMX)
    text = fragment.get_data(as_text=True)
    assert text.lstrip().startswith(f'<div id="scan-log-{exception.id}"')
    assert "received" in text and "<code>C1</code>" in text


def test_accepting_from_the_page_records_who_and_why_and_posts_the_shortage(demo, app, auth,
                                                                            client):
    exception = open_short(app)
    auth.login("supervisor")
    response = resolve_form(client, auth, exception, note="photo shows 7", headers=HTMX)
    assert response.status_code == 200
    card = response.get_data(as_text=True)
    assert card.lstrip().startswith(f'<article class="card exception state-resolved" '
                                    f'id="exception-{exception.id}"')
    assert f"Exception {exception.id}: variance accepted." in card
    assert "variance accepted by supervisor" in card and "photo shows 7" in card
    assert 'class="resolve-form"' not in card  # a resolution is never edited
    [decision] = db.session.scalars(sa.select(Resolution)).all()
    assert decision.resolved_by.username == "supervisor" and decision.note == "photo shows 7"
    assert bucket_total("ACME-MUG-01", Bucket.RECEIVING, "LAX1-DOCK-01") == 7


def test_ordering_a_recount_keeps_the_exception_open_for_a_decision_after_it(demo, app, auth,
                                                                          client):
    exception = open_short(app)
    auth.login("supervisor")
    card = resolve_form(client, auth, exception, "recount", "count again",
                        headers=HTMX).get_data(as_text=True)
    assert "recount ordered" in card and 'class="resolve-form"' in card
    assert 'name="version" value="2"' in card  # the next decision is made on what is now
    db.session.refresh(exception)
    assert exception.state is ExceptionState.OPEN and exception.carton.recount_requested


def test_without_htmx_a_decision_returns_to_the_page_it_was_made_on(demo, app, auth, client):
    from_the_queue, from_the_asn = open_short(app, "R-1"), open_short(app, "R-2")
    auth.login("supervisor")
    response = resolve_form(client, auth, from_the_queue, back="queue")
    assert response.status_code == 302 and response.headers["Location"] == "/review/exceptions"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Exception {from_the_queue.id}: variance accepted." in page
    response = resolve_form(client, auth, from_the_asn, back="asn")
    assert response.headers["Location"] == "/review/asns/R-2?seller=ACME"


def test_a_note_is_required_and_nothing_is_recorded_without_one(demo, app, auth, client):
    exception = open_short(app)
    auth.login("supervisor")
    response = resolve_form(client, auth, exception, note="   ", headers=HTMX)
    assert response.status_code == 422
    assert "a note is required" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Resolution.id))) == 0


def test_the_supervisor_who_decides_second_is_told_who_decided_first(demo, app, auth, client):
    exception = open_short(app)
    another_supervisor("supervisor2")
    auth.login("supervisor")
    seen_version = exception.version  # the form on this supervisor's screen
    # meanwhile, at another desk
    resolve_exception(exception, "reject", "counted a stacked layer twice",
                      user=user("supervisor2"))
    response = resolve_form(client, auth, exception, "accept", "photo shows 7",
                            version=seen_version, headers=HTMX)
    assert response.status_code == 409
    card = response.get_data(as_text=True)
    assert (f"Not recorded: supervisor2 resolved exception {exception.id} first (rejected "
            f"(raised in error): counted a stacked layer twice). Their decision stands.") in card
    assert 'class="flash flash-error"' in card and 'class="resolve-form"' not in card
    assert [r.resolution for r in db.session.scalars(sa.select(Resolution))] == \
        [ResolutionKind.REJECT]
    assert bucket_total("ACME-MUG-01", Bucket.RECEIVING, "LAX1-DOCK-01") == 10


def test_without_htmx_the_second_supervisor_reads_the_same_message_on_the_page(demo, app, auth,
                                                                              client):
    exception = open_short(app)
    another_supervisor("supervisor2")
    auth.login("supervisor")
    seen_version = exception.version
    resolve_exception(exception, "accept", "short confirmed", user=user("supervisor2"))
    response = resolve_form(client, auth, exception, "carrier_claim", "box was crushed",
                            version=seen_version, back="exception")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/review/exceptions/{exception.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert (f"Not recorded: supervisor2 resolved exception {exception.id} first (variance "
            f"accepted: short confirmed). Their decision stands.") in page


def test_a_form_older_than_a_recount_is_told_to_look_again(demo, app, auth, client):
    exception = open_short(app)
    another_supervisor("supervisor2")
    auth.login("supervisor")
    seen_version = exception.version
    resolve_exception(exception, "recount", "count again", user=user("supervisor2"))
    response = resolve_form(client, auth, exception, "accept", "fine", version=seen_version,
                            headers=HTMX)
    assert response.status_code == 409
    assert (f"Not recorded: exception {exception.id} changed while you were deciding. "
            "Look at it again and decide.") in response.get_data(as_text=True)
    db.session.refresh(exception)
    assert exception.state is ExceptionState.OPEN and len(exception.resolutions) == 1


def test_a_draft_without_a_photo_can_only_be_rejected(demo, auth, client):
    asn = arrived(submit("D-1", {"C1": {"ACME-MUG-01": 4}}))
    draft = raise_exception(asn, "damaged", user=user("dock"), carton_label="C1",
                            sku="ACME-MUG-01", qty=1)
    auth.login("supervisor")
    refused = resolve_form(client, auth, draft, "accept", headers=HTMX)
    assert refused.status_code == 409 and "no photo yet" in refused.get_data(as_text=True)
    rejected = resolve_form(client, auth, draft, "reject", "scanned the wrong box",
                            headers=HTMX)
    assert rejected.status_code == 200
    assert db.session.get(ReceivingException, draft.id).state is ExceptionState.RESOLVED
