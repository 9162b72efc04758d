"""The cycle count on the phone (htmx swaps of one partial) and its report on the review
desk, where a supervisor approves it."""
import re

import sqlalchemy as sa

from receiving_app.demo import gtin
from receiving_app.extensions import db
from receiving_app.models import Adjustment, AdjustmentReason
from tests.support.counts import A, B, C, LAMP, LID, MUG, three_shelves

HTMX = {"HX-Request": "true"}


def scan(client, csrf, count_id, code, location="", qty=""):
    return client.post(f"/dock/counts/{count_id}/scan", headers=HTMX, data={
        "csrf_token": csrf, "code": code, "location": location, "qty": qty})


def test_a_counter_scans_locations_and_units_then_recounts_what_is_sent_back(
        demo, client, auth):
    count = three_shelves()
    auth.login("dock")
    csrf = auth.csrf_token(f"/dock/counts/{count.id}")
    assert f"Count {count.id}" in client.get("/dock/counts").get_data(as_text=True)
    refused = scan(client, csrf, count.id, MUG)
    assert refused.status_code == 200 and "Scan a location of this count first." in \
        refused.get_data(as_text=True)
    at_a = scan(client, csrf, count.id, A).get_data(as_text=True)
    assert f"Counting {A}" in at_a and f'name="location" value="{A}"' in at_a
    answer = scan(client, csrf, count.id, gtin("ACME", "00001"), A, "5")  # the mug, typed 5
    assert "ACME-MUG-01: 5 counted at LAX1-A-01-01." in answer.get_data(as_text=True)
    assert answer.headers["HX-Trigger"] == '{"scan-ok": ""}'
    for location, sku, qty in ((B, LID, "4"), (C, LAMP, "1"), (C, LAMP, "1")):
        scan(client, csrf, count.id, location)
        scan(client, csrf, count.id, sku, location, qty)
    page = client.get(f"/dock/counts/{count.id}?location={C}").get_data(as_text=True)
    assert "Book" not in page and "Difference" not in page  # blind
    finished = client.post(f"/dock/counts/{count.id}/complete", headers=HTMX,
                           data={"csrf_token": csrf}).get_data(as_text=True)
    assert f"Recount these locations: {C}." in finished and "Locations to recount" in finished
    wrong = scan(client, csrf, count.id, A)
    assert wrong.status_code == 409 and f"Nothing to recount at {A}." in \
        wrong.get_data(as_text=True)
    scan(client, csrf, count.id, C)
    scan(client, csrf, count.id, LAMP, C, "2")
    done = client.post(f"/dock/counts/{count.id}/complete", headers=HTMX,
                       data={"csrf_token": csrf}).get_data(as_text=True)
    assert "Count complete: a supervisor approves it now." in done


def test_the_review_desk_shows_the_counts_report_and_approves_it(demo, client, auth, api):
    count = three_shelves()
    counter = api("dock")
    for location, sku, qty in ((A, MUG, 5), (B, LID, 4), (C, LAMP, 3)):
        counter.post(f"/api/v1/cycle-counts/{count.id}/lines",
                     json={"location": location, "sku": sku, "qty": qty})
    counter.post(f"/api/v1/cycle-counts/{count.id}/lines", json={"location": A, "sku": LID,
                                                                  "qty": 1})
    counter.post(f"/api/v1/cycle-counts/{count.id}/complete")
    counter.post(f"/api/v1/cycle-counts/{count.id}/lines", json={"location": A, "sku": LID,
                                                                  "qty": 1})
    counter.post(f"/api/v1/cycle-counts/{count.id}/complete")
    auth.login("supervisor")
    page = client.get(f"/review/counts/{count.id}").get_data(as_text=True)
    assert "Accuracy 75.0 % (3 of 4 lines match the book); 1 units gained, 0 lost." in page
    assert re.search(r"<td>0</td><td>1</td>\s*<td>\+1</td>", page)
    csrf = auth.csrf_token(f"/review/counts/{count.id}")
    approved = client.post(f"/review/counts/{count.id}/approve", data={"csrf_token": csrf})
    assert approved.status_code == 302
    assert "its differences are posted" in client.get(approved.location).get_data(as_text=True)
    [gain] = db.session.scalars(sa.select(Adjustment).where(
        Adjustment.reason == AdjustmentReason.COUNT_GAIN)).all()
    assert (gain.qty, gain.sku.code, gain.location.barcode) == (1, LID, A)

