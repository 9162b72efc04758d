"""The SLA board page: breached receipts on top, clocks the browser keeps ticking, and a
fragment the page polls; one ASN's clock on its page."""
import re
from datetime import timedelta

from receiving_app.extensions import db
from receiving_app.models import AsnStatus, utcnow
from tests.support.builders import arrived, submit, warehouse

HTMX = {"HX-Request": "true"}


def due_in(number: str, hours: float, status: AsnStatus = AsnStatus.ARRIVED):
    asn = arrived(submit(number, {"C1": {"ACME-MUG-01": 1}}))
    asn.status = status
    asn.sla_due_at = utcnow() + timedelta(hours=hours)
    db.session.commit()
    return asn


def board_rows(page: str) -> list[str]:
    return re.findall(r'<tr class="sla-row[^"]*" data-sla-row>\s*<td><a href="[^"]+"><strong>'
                      r'([^<]+)</strong>', page)


def test_the_board_shows_breached_receipts_first_marked_red(demo, auth, client):
    due_in("ON-TIME", 30)
    due_in("LATE", -2)
    due_in("SOON", 1)
    auth.login("supervisor")
    page = client.get("/review/").get_data(as_text=True)
    # the demo's ASNs are still in transit: no clock yet, at the bottom
    assert board_rows(page) == ["LATE", "SOON", "ON-TIME", "ASN-ACME-0001", "ASN-NOVA-0001"]
    late_row = page[page.index("<strong>LATE</strong>") - 400:page.index("<strong>LATE</strong>")]
    assert 'class="sla-row tone-error breached"' in late_row
    assert re.search(r'data-countdown-to="[^"]+">overdue 0[12]:\d\d:\d\d</time>', page)


def test_each_clock_carries_its_due_time_for_the_browser_to_count_down(demo, auth, client):
    asn = due_in("TICK", 5)
    auth.login("supervisor")
    page = client.get("/review/").get_data(as_text=True)
    due = asn.sla_due_at.replace(microsecond=0).isoformat().replace("+00:00", "Z")
    assert f'data-countdown-to="{due}">04:59:' in page or f'data-countdown-to="{due}">05:00:00' \
        in page
    arrived_at = asn.arrived_at.replace(microsecond=0).isoformat().replace("+00:00", "Z")
    assert f'data-elapsed-since="{arrived_at}"' in page
    assert re.search(r'<section id="sla-board" class="card" data-server-now="[^"]+Z"', page)
    assert '<script src="/static/review.js" defer></script>' in page
    # no inline script or style: the page works under a strict Content-Security-Policy
    assert not re.search(r"<script(?![^>]*\bsrc=)", page) and ' style="' not in page


def test_the_board_polls_itself_and_answers_htmx_with_the_board_alone(demo, auth, client):
    auth.login("supervisor")
    page = client.get("/review/").get_data(as_text=True)
    assert 'hx-get="/review/" hx-trigger="every 60s" hx-target="this" hx-swap="outerHTML"' in page
    fragment = client.get("/review/", headers=HTMX)
    assert fragment.get_data(as_text=True).lstrip().startswith('<section id="sla-board"')
    assert "<html" not in fragment.get_data(as_text=True)
    assert "HX-Request" in fragment.headers["Vary"]


def test_a_late_stage_shows_before_its_receipt_is_breached(demo, auth, client):
    asn = due_in("SLOW-COUNT", 20)
    asn.arrived_at = utcnow() - timedelta(hours=5)  # counting target: 4 hours
    db.session.commit()
    auth.login("supervisor")
    page = client.get("/review/").get_data(as_text=True)
    row = page[page.index("<strong>SLOW-COUNT</strong>"):]
    row = row[:row.index("</tr>")]
    assert "counting cartons" in row and "stage late" in row and "breached" not in row


def test_a_business_hours_warehouse_shows_the_working_hours_left(demo, auth, client):
    lax1 = warehouse()
    lax1.business_hours_only = True
    db.session.commit()
    due_in("BH-1", 30)
    auth.login("supervisor")
    page = client.get("/review/").get_data(as_text=True)
    row = page[page.index("<strong>BH-1</strong>"):]
    assert re.search(r'<span class="meta">\d+\.\d h working</span>', row[:row.index("</tr>")])


def test_an_asn_page_shows_its_stage_its_due_time_on_the_warehouse_clock_and_time_left(
        demo, auth, client):
    asn = due_in("PAGE-1", 10, AsnStatus.COUNTED)
    asn.counted_at = utcnow()
    db.session.commit()
    auth.login("supervisor")
    page = client.get("/review/asns/PAGE-1").get_data(as_text=True)
    assert "<dt>Stage</dt><dd>opening the sample</dd>" in page
    assert re.search(r"<dt>Receipt due</dt><dd>\d{4}-\d\d-\d\d \d\d:\d\d P[SD]T</dd>", page)
    assert re.search(r'data-countdown-to="[^"]+">(09:59:\d\d|10:00:00)</time>', page)
    assert "<dt>Stage due</dt>" in page


def test_all_asns_are_listed_closed_ones_too(demo, auth, client):
    closed = due_in("DONE-1", 1)
    closed.status = AsnStatus.CLOSED
    db.session.commit()
    auth.login("supervisor")
    assert "DONE-1" not in client.get("/review/").get_data(as_text=True)
    assert "DONE-1" in client.get("/review/asns").get_data(as_text=True)


def test_a_clock_reads_hours_minutes_seconds_and_days_beyond_a_day():
    from receiving_app.web.review.formatting import duration

    assert duration(3 * 3600 + 5 * 60 + 9.9) == "03:05:09"
    assert duration(86400 + 61) == "1 d 00:01:01"
    assert duration(-600.5) == "overdue 00:10:00"
    assert duration(None) == "—"
