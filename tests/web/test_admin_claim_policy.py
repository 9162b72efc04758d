"""The admin sets a warehouse's carrier windows, holidays and check-in rule; claims opened
afterwards follow them."""
import pytest

from receiving_app.extensions import db
from receiving_app.models import Holiday
from receiving_app.receiving import resolve_exception
from tests.domain.test_claims import LA, claim_of, damaged, delivered, la
from tests.support.builders import user, warehouse

pytestmark = pytest.mark.both_databases


def form(auth, **changes) -> dict:
    windows = {f"window.{mode}.{kind}": "5" for mode in ("ltl", "ftl", "parcel", "ocean", "air")
               for kind in ("visible_damage", "concealed_damage", "shortage", "loss")}
    return {"csrf_token": auth.csrf_token("/admin/warehouses/LAX1/claims"), **windows,
            "holidays": "", "damage_tolerance_pct": "0", **changes}


def test_the_admins_windows_and_holidays_set_the_next_claims_deadline(demo, client, auth):
    auth.login("admin")
    page = client.get("/admin/warehouses/LAX1/claims").get_data(as_text=True)
    assert 'name="window.ltl.concealed_damage"' in page and 'value="190"' in page  # defaults
    saved = client.post("/admin/warehouses/LAX1/claims", data=form(
        auth, **{"window.ltl.visible_damage": "3"},
        holidays="2026-03-09 Closed for stocktaking\n2026-12-25 Christmas"))
    assert saved.status_code == 302
    db.session.expire_all()
    assert [(h.day.isoformat(), h.name) for h in warehouse().holidays] == [
        ("2026-03-09", "Closed for stocktaking"), ("2026-12-25", "Christmas")]
    exception = damaged(delivered("ADM-1"))
    resolve_exception(exception, "carrier_claim", "Crushed.", user=user("supervisor"))
    # Thursday 5 March + 3: Fri 6, (weekend, Mon 9 closed), Tue 10, Wed 11
    assert claim_of(exception).deadline_at.astimezone(LA) == la(2026, 3, 11, 18, 0)


def test_a_wrong_policy_is_shown_and_nothing_is_saved(demo, client, auth):
    auth.login("admin")
    refused = client.post("/admin/warehouses/LAX1/claims", data=form(
        auth, **{"window.air.loss": "-1"}, holidays="2026-02-30 Nope\n2026-07-04 Fourth",
        damage_tolerance_pct="120"))
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "windows.air.loss" in html and "holidays[1]" in html
    assert "damage_tolerance_pct" in html
    db.session.expire_all()
    assert db.session.query(Holiday).count() == 0


def test_the_admin_sets_the_check_ins_receipt_photo_and_the_damage_tolerance(demo, client,
                                                                            auth):
    auth.login("admin")
    client.post("/admin/warehouses/LAX1/claims", data=form(
        auth, delivery_receipt_required="on", damage_tolerance_pct="2.5"))
    db.session.expire_all()
    assert warehouse().delivery_receipt_required
    assert warehouse().damage_tolerance_pct == 2.5


def test_only_an_admin_edits_the_claim_policy(demo, client, auth):
    auth.login("supervisor")
    assert client.get("/admin/warehouses/LAX1/claims").status_code == 403
