"""The first phone pages: each role sees the ASNs it should, and no others."""
import sqlalchemy as sa

from receiving_app.extensions import db
from receiving_app.models import Asn, AsnStatus


def test_dock_worker_sees_the_open_asns_of_the_warehouse(demo, auth, client):
    acme = db.session.scalar(sa.select(Asn).where(Asn.number == "ASN-ACME-0001"))
    acme.status = AsnStatus.CLOSED
    db.session.commit()
    auth.login("dock")
    page = client.get("/dock/").get_data(as_text=True)
    assert "ASN-NOVA-0001" in page
    assert "ASN-ACME-0001" not in page  # closed: off the dock list


def test_dock_list_answers_htmx_with_the_fragment_and_varies_on_it(demo, auth, client):
    auth.login("dock")
    full = client.get("/dock/")
    fragment = client.get("/dock/", headers={"HX-Request": "true"})
    restore = client.get("/dock/", headers={"HX-Request": "true",
                                             "HX-History-Restore-Request": "true"})
    assert "<html" in full.get_data(as_text=True)
    assert fragment.get_data(as_text=True).lstrip().startswith('<section id="asn-list"')
    assert "<html" in restore.get_data(as_text=True)
    assert "HX-Request" in full.headers["Vary"] and "HX-Request" in fragment.headers["Vary"]


def test_seller_sees_only_their_own_asns(demo, auth, client):
    auth.login("acme")
    page = client.get("/seller/").get_data(as_text=True)
    assert "ASN-ACME-0001" in page and "ASN-NOVA-0001" not in page


def test_supervisor_sees_every_asn_of_the_warehouse(demo, auth, client):
    auth.login("supervisor")
    page = client.get("/review/").get_data(as_text=True)
    assert "ASN-ACME-0001" in page and "ASN-NOVA-0001" in page


def test_another_sellers_asn_is_the_same_404_as_one_that_does_not_exist(demo, auth, client):
    auth.login("acme")
    other = client.get("/seller/asns/ASN-NOVA-0001")
    missing = client.get("/seller/asns/ASN-NOPE")
    assert other.status_code == missing.status_code == 404
    assert other.get_data(as_text=True).replace("ASN-NOVA-0001", "X") == \
        missing.get_data(as_text=True).replace("ASN-NOPE", "X")
    assert client.get("/seller/asns/ASN-ACME-0001").status_code == 200
