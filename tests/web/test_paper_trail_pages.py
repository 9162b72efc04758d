"""The paper trail on the pages: the phone checks the truck in with its seal and a photo of
the delivery receipt, photographs documents and a second truck; the review desk, the
seller's receipt and the evidence PDF say who did each step."""
import io

import pytest
import sqlalchemy as sa

from receiving_app.extensions import db
from receiving_app.models import Asn, Delivery, DocumentKind, Photo
from tests.support.builders import counted, jpeg_bytes, submit, warehouse
from tests.support.i18n import compiled_catalogues  # noqa: F401  (fixture)
from tests.web.test_dock_walk import Phone
from tests.web.test_seller_evidence_pack import cells_after, pdf_text

pytestmark = [pytest.mark.both_databases, pytest.mark.usefixtures("compiled_catalogues")]
HTMX = {"HX-Request": "true"}


def deliveries(number: str) -> list[Delivery]:
    db.session.expire_all()
    asn = db.session.scalar(sa.select(Asn).where(Asn.number == number))
    return list(db.session.scalars(sa.select(Delivery).where(Delivery.asn_id == asn.id)
                                   .order_by(Delivery.number)))


def test_the_phone_checks_the_truck_in_with_its_seal_and_the_receipt_in_one_form(
        demo, client, auth):
    phone = Phone(client, auth)
    base = "/dock/asns/ASN-ACME-0001"
    page = client.get(base).get_data(as_text=True)
    assert 'name="receipt"' in page and 'capture="environment"' in page
    assert "(optional)" in page, "the receipt's photo does not hold the check-in up"
    answer = phone.post(f"{base}/arrive", {
        "paperwork_cartons": "12", "seal_number": "SL-77", "trailer": "53-0042",
        "carrier": "Estes", "mode": "ltl",
        "receipt": (io.BytesIO(jpeg_bytes()), "receipt.jpg")},
        htmx=True, content_type="multipart/form-data")
    assert answer.status_code == 200 and "Checked in: 12 cartons" in answer.get_data(as_text=True)
    [delivery] = deliveries("ASN-ACME-0001")
    assert (delivery.seal_number, delivery.trailer, delivery.carrier,
            delivery.checked_in_by.username) == ("SL-77", "53-0042", "Estes", "dock")
    assert [d.document_kind for d in delivery.documents] == [DocumentKind.POD]
    assert "Delivery 1" in answer.get_data(as_text=True)


def test_a_check_in_without_a_photo_is_as_quick_as_before(demo, client, auth):
    phone = Phone(client, auth)
    answer = phone.post("/dock/asns/ASN-ACME-0001/arrive", {"paperwork_cartons": "12"},
                        content_type="multipart/form-data")
    assert answer.status_code == 302
    [delivery] = deliveries("ASN-ACME-0001")
    assert delivery.paperwork_cartons == 12 and delivery.documents == []
    assert delivery.carrier == "Maersk", "the ASN's carrier unless the driver's paperwork differs"


def test_a_warehouse_that_requires_the_receipts_photo_refuses_a_check_in_without_it(
        demo, client, auth):
    warehouse().delivery_receipt_required = True
    db.session.commit()
    phone = Phone(client, auth)
    page = client.get("/dock/asns/ASN-ACME-0001").get_data(as_text=True)
    assert "(optional)" not in page
    answer = phone.post("/dock/asns/ASN-ACME-0001/arrive", {"paperwork_cartons": "12"},
                        htmx=True, content_type="multipart/form-data")
    assert answer.status_code == 422
    assert "Photograph the delivery receipt to check in." in answer.get_data(as_text=True)
    assert deliveries("ASN-ACME-0001") == []


def test_the_phone_photographs_documents_and_checks_a_second_truck_in(demo, client, auth):
    phone = Phone(client, auth)
    base = "/dock/asns/ASN-ACME-0001"
    phone.post(f"{base}/arrive", {"paperwork_cartons": "8"}, content_type="multipart/form-data")
    bol = phone.post(f"{base}/documents", {"kind": "bol", "photo": (
        io.BytesIO(jpeg_bytes()), "bol.jpg")}, htmx=True, content_type="multipart/form-data")
    assert bol.status_code == 200 and "Document saved." in bol.get_data(as_text=True)
    refused = phone.post(f"{base}/documents", {"kind": "seal", "photo": (
        io.BytesIO(b"<svg onload=alert(1)>"), "seal.jpg")}, htmx=True,
        content_type="multipart/form-data")
    assert refused.status_code == 415 and "Photo refused" in refused.get_data(as_text=True)
    truck = phone.post(f"{base}/deliveries", {"paperwork_cartons": "4", "seal_number": "SL-2"},
                       htmx=True)
    assert truck.status_code == 200
    assert "Delivery 2 checked in" in truck.get_data(as_text=True)
    first, second = deliveries("ASN-ACME-0001")
    assert [d.document_kind for d in first.documents] == [DocumentKind.BOL]
    assert (second.number, second.paperwork_cartons, second.seal_number) == (2, 4, "SL-2")
    assert db.session.scalar(sa.select(sa.func.count(Photo.id))) == 1


def test_the_review_desk_and_the_seller_see_who_did_each_step_in_the_warehouses_time(
        demo, client, auth):
    asn = submit("TRAIL-1", {"C1": {"ACME-MUG-01": 10}})
    counted(asn)
    auth.login("supervisor")
    review = client.get("/review/asns/TRAIL-1").get_data(as_text=True)
    assert 'id="history"' in review and 'data-step="counted"' in review
    # LAX1 is in Los Angeles: the times read as its own clock, offset shown
    assert "UTC-08:00" in review or "UTC-07:00" in review
    assert "Delivery 1" in review and "<td>dock</td>" in review
    auth.login("acme")
    receipt = client.get("/seller/asns/TRAIL-1", headers={"Accept-Language": "zh-CN"})
    text = receipt.get_data(as_text=True)
    assert "各环节操作人" in text and "到车登记" in text and "第 1 车" in text
    assert [step for step in ("submitted", "checked_in", "counted")
            if f'data-step="{step}"' in text] == ["submitted", "checked_in", "counted"]


def test_the_evidence_pack_names_who_did_each_step_and_each_document_with_its_hash(
        demo, app, client, auth):
    asn = submit("TRAIL-2", {"C1": {"ACME-MUG-01": 10}})
    phone = Phone(client, auth)
    phone.post("/dock/asns/TRAIL-2/arrive", {
        "paperwork_cartons": "1", "seal_number": "SL-900",
        "receipt": (io.BytesIO(jpeg_bytes()), "pod.jpg")}, content_type="multipart/form-data")
    counted(db.session.get(Asn, asn.id), ["C1"])
    document = db.session.scalar(sa.select(Photo).where(Photo.document_kind.is_not(None)))
    auth.login("acme")
    _reader, text = pdf_text(client.get("/seller/asns/TRAIL-2/evidence.pdf").data)
    assert "Who did each step" in text
    assert cells_after(text, "Seal number", 1) == ["SL-900"]
    assert f"SHA-256: {document.sha256}" in text
    assert "delivery receipt" in text and "The stored file matches this hash." in text
