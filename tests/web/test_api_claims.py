"""Carrier claims over the API: opened by a carrier_claim decision, listed nearest deadline
first, filed and answered with PATCH, each seller seeing their own; the claim pack names
every document and photo with its SHA-256."""
import io

import pytest
import sqlalchemy as sa

from receiving_app.extensions import db
from receiving_app.models import Photo
from tests.support.builders import counted, jpeg_bytes, submit
from tests.support.i18n import compiled_catalogues  # noqa: F401  (fixture)
from tests.web.test_seller_evidence_pack import cells_after, pdf_text

pytestmark = [pytest.mark.both_databases, pytest.mark.usefixtures("compiled_catalogues")]


def photo_form(data: bytes, **fields) -> dict:
    return {"photo": (io.BytesIO(data), "photo.jpg"), **fields}


def damaged_and_claimed(api, number: str, *, seller: str = "ACME", claim_kind=None) -> dict:
    """An ASN checked in through the API with its documents, counted, a crushed carton
    photographed and decided as a carrier claim; answers the claim."""
    sku = {"ACME": "ACME-MUG-01", "NOVA": "NOVA-LAMP-01"}[seller]
    submit(number, {"C1": {sku: 10}, "C2": {sku: 10}}, seller=seller)
    dock, supervisor = api("dock"), api("supervisor")
    dock.post(f"/api/v1/asns/{number}/arrive", json={
        "paperwork_cartons": 2, "seal_number": "SL-31", "trailer": "TR-9", "carrier": "Estes"})
    for kind, color in (("pod", (1, 2, 3)), ("bol", (4, 5, 6)), ("seal", (7, 8, 9))):
        dock.post(f"/api/v1/asns/{number}/documents", content_type="multipart/form-data",
                  data=photo_form(jpeg_bytes(color), kind=kind))
    for label in ("C1", "C2"):
        dock.post(f"/api/v1/asns/{number}/cartons/{label}/receive")
    dock.post(f"/api/v1/asns/{number}/count/complete")
    exception = dock.post(f"/api/v1/asns/{number}/exceptions", json={
        "kind": "damaged", "carton": "C1", "note": "Forklift hole."}).get_json()
    dock.post(f"/api/v1/exceptions/{exception['id']}/photos",
              content_type="multipart/form-data", data=photo_form(jpeg_bytes((200, 9, 9))))
    body = {"resolution": "carrier_claim", "note": "Damaged in the trailer."}
    if claim_kind:
        body["claim_kind"] = claim_kind
    decided = supervisor.post(f"/api/v1/exceptions/{exception['id']}/resolve", json=body)
    assert decided.status_code == 200, decided.get_json()
    [claim] = [c for c in supervisor.get("/api/v1/claims").get_json()["claims"]
               if c["asn"] == number]
    return claim


def test_a_carrier_claim_decision_opens_a_claim_the_api_lists(api):
    claim = damaged_and_claimed(api, "AC-1")
    assert claim | {"id": 0, "deadline_at": None, "opened_at": None, "exceptions": None,
                    "business_days_left": None} == {
        "id": 0, "asn": "AC-1", "seller": "ACME", "warehouse": "LAX1", "delivery": 1,
        "carrier": "Estes", "mode": "ltl", "kind": "visible_damage", "status": "to_file",
        "deadline_at": None, "business_days_left": None, "amount": None, "currency": None,
        "reference": "", "opened_at": None, "version": 1, "exceptions": None}
    assert claim["business_days_left"] in (4, 5)  # 5 business days from today
    assert [(e["kind"], e["claim_kind"], e["carton"]) for e in claim["exceptions"]] == [
        ("damaged", "visible_damage", "C1")]
    one = api("acme").get(f"/api/v1/claims/{claim['id']}").get_json()
    assert [(h["action"], h["by"]) for h in one["history"]] == [("opened", "supervisor")]


def test_each_seller_sees_only_their_own_claims_and_the_dock_none(api):
    acme_claim = damaged_and_claimed(api, "AC-2")
    damaged_and_claimed(api, "NV-2", seller="NOVA")
    assert [c["asn"] for c in api("acme").get("/api/v1/claims").get_json()["claims"]] == ["AC-2"]
    assert [c["asn"] for c in api("nova").get("/api/v1/claims").get_json()["claims"]] == ["NV-2"]
    nova = api("nova")
    for path in (f"/api/v1/claims/{acme_claim['id']}",
                 f"/api/v1/claims/{acme_claim['id']}/pack.pdf"):
        assert nova.get(path).status_code == 404
    assert nova.client.patch(f"/api/v1/claims/{acme_claim['id']}", json={"note": "x"},
                             headers={"Authorization": f"Bearer {nova.token}"}
                             ).status_code == 403
    assert api("dock").get("/api/v1/claims").status_code == 403


def patch(api, username: str, claim_id: int, body):
    client = api(username)
    return client.client.patch(f"/api/v1/claims/{claim_id}", json=body,
                               headers={"Authorization": f"Bearer {client.token}"})


def test_a_supervisor_files_the_claim_and_records_the_payment(api):
    claim = damaged_and_claimed(api, "AC-3", claim_kind="concealed_damage")
    filed = patch(api, "supervisor", claim["id"], {
        "status": "filed", "reference": "EST-5531", "amount": 180.5, "currency": "USD",
        "note": "Filed on the carrier's portal.", "version": 1})
    assert filed.status_code == 200
    body = filed.get_json()
    assert (body["status"], body["amount"], body["currency"], body["reference"],
            body["business_days_left"]) == ("filed", "180.50", "USD", "EST-5531", None)
    paid = patch(api, "supervisor", claim["id"], {"status": "paid", "note": "Paid in full."})
    assert paid.get_json()["status"] == "paid"
    assert [(h["action"], h["changes"].get("status")) for h in paid.get_json()["history"]] == [
        ("opened", None), ("updated", ["to_file", "filed"]), ("updated", ["filed", "paid"])]
    assert [c["status"] for c in api("supervisor").get(
        "/api/v1/claims?state=paid").get_json()["claims"]] == ["paid"]
    assert api("supervisor").get("/api/v1/claims?state=to_file").get_json()["claims"] == []


def test_bad_changes_get_the_error_envelope_and_change_nothing(api):
    claim = damaged_and_claimed(api, "AC-4")
    bad = patch(api, "supervisor", claim["id"], {"status": "won", "amount": -3})
    assert bad.status_code == 422
    assert {d["path"] for d in bad.get_json()["error"]["details"]} == {"status", "amount"}
    stale = patch(api, "supervisor", claim["id"], {"status": "filed", "version": 7})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "conflict"
    jump = patch(api, "supervisor", claim["id"], {"status": "paid"})
    assert jump.status_code == 409 and jump.get_json()["error"]["code"] == "wrong_step"
    assert patch(api, "supervisor", claim["id"], ["filed"]).status_code == 422
    nul = patch(api, "supervisor", claim["id"], {"reference": "EST\x005531", "note": "a\x00"})
    assert nul.status_code == 422, "PostgreSQL would refuse the NUL: it never gets there"
    assert {d["path"] for d in nul.get_json()["error"]["details"]} == {"reference", "note"}
    assert api("supervisor").get("/api/v1/claims?state=lost").status_code == 422
    unchanged = api("supervisor").get(f"/api/v1/claims/{claim['id']}").get_json()
    assert (unchanged["status"], unchanged["version"], len(unchanged["history"])) == (
        "to_file", 1, 1)
    refused = api("supervisor").post("/api/v1/exceptions/1/resolve", json={
        "resolution": "carrier_claim", "note": "x", "claim_kind": "weather"})
    assert refused.status_code == 422


def test_the_claim_pack_opens_and_names_every_document_and_photo_with_its_hash(api):
    claim = damaged_and_claimed(api, "AC-5")
    answer = api("supervisor").get(f"/api/v1/claims/{claim['id']}/pack.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    reader, text = pdf_text(answer.data)
    assert reader.metadata.title == f"Carrier claim {claim['id']}: AC-5"
    photos = db.session.scalars(sa.select(Photo).order_by(Photo.id)).all()
    assert len(photos) == 4  # delivery receipt, bill of lading, seal, the damage
    for photo in photos:
        assert f"SHA-256: {photo.sha256}" in text, photo.document_kind
    assert {"delivery receipt", "bill of lading", "seal"} <= set(text.splitlines())
    assert "The stored file matches this hash." in text
    assert "SL-31" in text and "TR-9" in text and "Estes" in text  # the truck
    assert "Scan log of the cartons concerned" in text and "carton count" in text
    checked_in = cells_after(text, "Checked in", 1)[0]  # when, and who checked the truck in
    assert checked_in.endswith("UTC · dock"), checked_in
    chinese = api("acme").get(f"/api/v1/claims/{claim['id']}/pack.pdf?lang=zh_Hans")
    assert chinese.status_code == 200 and "承运商索赔" in pdf_text(chinese.data)[1]
