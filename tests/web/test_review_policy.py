"""An admin edits a warehouse's SLA policy from the page; the board follows it."""
import re
from datetime import timedelta

from receiving_app.extensions import db
from receiving_app.models import AsnStatus, utcnow
from tests.support.builders import arrived, submit, warehouse

FORM = {
    "receipt_hours": "24", "count_hours": "1", "inspection_hours": "6", "putaway_hours": "12",
    "exception_response_hours": "8", "business_hours_only": "on",
    "business_day_start_hour": "6", "business_day_end_hour": "22",
    "business_weekdays": ["1", "2", "3", "4", "5", "6"], "timezone": "America/Chicago",
}


def post_policy(client, auth, **changes):
    data = {**FORM, **changes, "csrf_token": auth.csrf_token("/admin/warehouses/LAX1/sla")}
    return client.post("/admin/warehouses/LAX1/sla", data={k: v for k, v in data.items()
                                                            if v is not None})


def test_the_form_shows_the_current_policy(demo, auth, client):
    auth.login("admin")
    page = client.get("/admin/warehouses/LAX1/sla").get_data(as_text=True)
    assert re.search(r'name="receipt_hours"[^>]*value="48"', page)
    assert re.search(r'name="count_hours"[^>]*value="4"', page)
    assert "<option selected>America/Los_Angeles</option>" in page
    assert re.search(r'value="5" checked> Fri', page) and re.search(r'value="6"> Sat', page)
    assert 'name="business_hours_only" value="on">' in page  # not ticked


def test_an_admin_saves_targets_and_business_hours(demo, auth, client):
    auth.login("admin")
    response = post_policy(client, auth)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "SLA policy of LAX1 saved." in page
    db.session.expire_all()
    lax1 = warehouse()
    assert (lax1.receipt_hours, lax1.count_hours, lax1.exception_response_hours) == (24, 1, 8)
    assert lax1.business_hours_only and lax1.business_weekdays == "1,2,3,4,5,6"
    assert (lax1.business_day_start_hour, lax1.business_day_end_hour, lax1.timezone) == \
        (6, 22, "America/Chicago")
    overview = client.get("/admin/").get_data(as_text=True)
    assert "business hours 06:00–22:00, days 1,2,3,4,5,6" in overview


def test_unticking_business_hours_counts_around_the_clock_again(demo, auth, client):
    lax1 = warehouse()
    lax1.business_hours_only = True
    db.session.commit()
    auth.login("admin")
    post_policy(client, auth, business_hours_only=None)
    db.session.expire_all()
    assert warehouse().business_hours_only is False


def test_a_wrong_field_is_shown_beside_the_form_and_nothing_is_saved(demo, auth, client):
    auth.login("admin")
    response = post_policy(client, auth, count_hours="0", business_day_end_hour="5",
                           business_weekdays=[])
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "nothing was saved" in page
    assert '<span class="flash-error" id="count_hours-error">a whole number from 1 to 744</span>' \
        in page
    assert "after the start hour" in page and "at least one weekday" in page
    assert re.search(r'name="count_hours"[^>]*value="0"', page)  # what was typed stays
    db.session.expire_all()
    lax1 = warehouse()
    assert (lax1.receipt_hours, lax1.count_hours, lax1.timezone) == (48, 4, "America/Los_Angeles")


def test_a_shorter_count_target_makes_a_slow_count_late_on_the_board_at_once(demo, auth, client):
    asn = arrived(submit("SLOW", {"C1": {"ACME-MUG-01": 1}}))
    asn.arrived_at = utcnow() - timedelta(hours=2)
    db.session.commit()
    assert asn.status is AsnStatus.ARRIVED
    auth.login("admin")

    def slow_row() -> str:
        page = client.get("/review/").get_data(as_text=True)
        row = page[page.index("<strong>SLOW</strong>"):]
        return row[:row.index("</tr>")]

    assert "stage late" not in slow_row()  # 2 hours into a 4-hour count
    post_policy(client, auth, business_hours_only=None, count_hours="1")
    assert "stage late" in slow_row()
