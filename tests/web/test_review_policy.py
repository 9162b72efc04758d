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


POLICY_PAGE = "/admin/warehouses/LAX1/sla"


def loaded_form(client) -> dict:
    """The policy form's hidden fields, as the admin's browser holds them once the page is
    open (its CSRF token, the policy version it shows)."""
    return hidden_fields(client.get(POLICY_PAGE).get_data(as_text=True))


def hidden_fields(page: str) -> dict:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))


def post_policy(client, auth=None, form: dict | None = None, **changes):
    """Save the policy from the form as loaded now (or as loaded earlier: `form`)."""
    data = {**FORM, **changes, **(form or loaded_form(client))}
    return client.post(POLICY_PAGE, data={k: v for k, v in data.items() if v is not None})


def another_admin(app):
    """A second admin at another desk, logged in."""
    from receiving_app.accounts import create_user
    from tests.conftest import Auth

    create_user("admin2", "dockside-demo", "admin")
    desk = app.test_client()
    Auth(desk).login("admin2")
    return desk


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


def test_a_second_admin_saving_from_the_same_form_is_told_not_obeyed(demo, app, auth, client):
    auth.login("admin")
    other_desk = another_admin(app)
    mine, theirs = loaded_form(client), loaded_form(other_desk)  # both open the form
    assert post_policy(client, form=mine, receipt_hours="24").status_code == 302
    refused = post_policy(other_desk, form=theirs, receipt_hours="72")
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "Another admin saved this SLA policy after you opened it" in page
    assert re.search(r'name="receipt_hours"[^>]*value="72"', page)  # what was typed stays
    db.session.expire_all()
    assert warehouse().receipt_hours == 24
    # told, the admin may save again from that page on purpose
    assert post_policy(other_desk, form=hidden_fields(page), receipt_hours="72").status_code \
        == 302
    db.session.expire_all()
    assert warehouse().receipt_hours == 72


def test_a_form_corrected_after_an_error_still_notices_the_other_admins_save(demo, app, auth,
                                                                             client):
    auth.login("admin")
    mine = loaded_form(client)
    other_desk = another_admin(app)
    assert post_policy(other_desk, receipt_hours="24").status_code == 302
    wrong = post_policy(client, form=mine, receipt_hours="0")
    assert wrong.status_code == 422
    corrected = post_policy(client, form=hidden_fields(wrong.get_data(as_text=True)),
                            receipt_hours="36")
    assert corrected.status_code == 409
    db.session.expire_all()
    assert warehouse().receipt_hours == 24


def test_a_policy_form_without_its_version_is_refused_and_saves_nothing(demo, auth, client):
    auth.login("admin")
    form = loaded_form(client)
    form.pop("version", None)
    refused = post_policy(client, form=form, receipt_hours="24")
    assert refused.status_code == 422
    assert "reload the page" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert warehouse().receipt_hours == 48
