"""The review desk's SLA board in a real browser: the clocks tick without a reload, and a
receipt that breaches while the supervisor watches turns red, under the app's
Content-Security-Policy (the `phone` fixture fails on any violation or script error)."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from receiving_app.extensions import db
from receiving_app.models import utcnow
from tests.support.builders import arrived, submit

pytestmark = pytest.mark.browser


def clock_text(page, number: str, kind: str) -> str:
    return page.locator(f"tr:has(strong:text-is('{number}')) [data-{kind}]").inner_text()


def wait_for_tick(page, number: str, kind: str, shown: str) -> None:
    """Until the clock shows something else than `shown`: two seconds at most."""
    page.wait_for_function(
        "([number, kind, shown]) => [...document.querySelectorAll('tr')].some(row => "
        "row.querySelector('strong')?.textContent === number && "
        "row.querySelector(`[data-${kind}]`).textContent !== shown)",
        arg=[number, kind, shown], timeout=2_000)


def test_the_board_counts_down_live_and_turns_a_breach_red_without_a_reload(phone):
    with phone.server.app_context():
        for number, seconds in (("TICKING", 2 * 3600), ("BREACHING", 4)):
            asn = arrived(submit(number, {"C1": {"ACME-MUG-01": 1}}))
            asn.sla_due_at = utcnow() + timedelta(seconds=seconds)
        db.session.commit()
    page = phone.login("supervisor")
    assert page.url.endswith("/review/")
    page.evaluate("window.sameDocument = true")

    for kind in ("countdown-to", "elapsed-since"):
        wait_for_tick(page, "TICKING", kind, clock_text(page, "TICKING", kind))
    assert clock_text(page, "TICKING", "countdown-to").startswith(("01:59:", "01:58:"))

    breaching = page.locator("tr:has(strong:text-is('BREACHING'))")
    page.wait_for_function(
        "() => [...document.querySelectorAll('tr.breached strong')].some("
        "s => s.textContent === 'BREACHING')", timeout=8_000)
    assert "tone-error" in breaching.get_attribute("class")
    assert clock_text(page, "BREACHING", "countdown-to").startswith("overdue 00:00:0")
    assert page.evaluate("window.sameDocument") is True  # no reload happened


def test_the_boards_refresh_after_the_session_ended_shows_the_login_page_whole(phone):
    page = phone.login("supervisor")
    phone.context.clear_cookies()  # logged out elsewhere, or the session expired

    # the board's refresh, as its minute's poll sends it, now rather than in a minute
    page.evaluate("htmx.ajax('GET', '/review/', {source: '#sla-board', target: '#sla-board',"
                  " swap: 'outerHTML'})")

    expect(page).to_have_url(re.compile(r"/auth/login\?next=%2Freview%2F"))
    expect(page.locator("#sla-board")).to_have_count(0)
    expect(page.locator("input[name=username]")).to_have_count(1)
