"""Blind receiving: the dock worker never sees the packing list's quantities."""
import sqlalchemy as sa

from receiving_app.extensions import db
from receiving_app.models import Asn
from tests.support.builders import counted, warehouse


def test_blind_warehouse_hides_expected_quantities_from_the_dock(demo, auth, client, api):
    warehouse().blind_receiving = True
    db.session.commit()
    asn = db.session.scalar(sa.select(Asn).where(Asn.number == "ASN-NOVA-0001"))
    counted(asn)
    carton = next(c for c in asn.cartons if c.in_sample)
    auth.login("dock")
    page = client.get(f"/dock/asns/{asn.number}/cartons/{carton.label}").get_data(as_text=True)
    assert "Expected" not in page and "Counted" in page
    body = api("dock").get(f"/api/v1/asns/{asn.number}").get_json()
    assert {c["qty"] for carton in body["cartons"] for c in carton["contents"]} == {None}
    assert {line["expected"] for line in body["lines"]} == {None}
    # the supervisor still sees them
    staff = api("supervisor").get(f"/api/v1/asns/{asn.number}").get_json()
    assert all(c["qty"] for carton in staff["cartons"] for c in carton["contents"])


def test_seeing_warehouse_shows_expected_quantities(demo, auth, client):
    asn = db.session.scalar(sa.select(Asn).where(Asn.number == "ASN-NOVA-0001"))
    counted(asn)
    carton = next(c for c in asn.cartons if c.in_sample)
    auth.login("dock")
    page = client.get(f"/dock/asns/{asn.number}/cartons/{carton.label}").get_data(as_text=True)
    assert "Expected" in page
