"""Who did each step, and what the truck brought: the ASN's history, its deliveries and
their documents over the API."""
import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from receiving_app.extensions import db
from receiving_app.models import Photo
from tests.support.builders import jpeg_bytes, submit, warehouse
from tests.support.images import hostile_files
from tests.unit.test_evidence_hostile import REFUSALS

pytestmark = pytest.mark.both_databases


def photo_form(data: bytes, **fields) -> dict:
    return {"photo": (io.BytesIO(data), "document.jpg"), **fields}


def steps(body: dict) -> list[tuple]:
    return [(h["step"], h["by"], h["delivery"]) for h in body["history"]]


def test_every_step_of_a_receipt_says_who_did_it_and_when(api):
    dock, supervisor = api("dock"), api("supervisor")
    asn = submit("H-1", {"C1": {"ACME-MUG-01": 10}, "C2": {"ACME-MUG-01": 10}})
    assert dock.post("/api/v1/asns/H-1/arrive", json={"paperwork_cartons": 2}).status_code == 200
    for label in ("C1", "C2"):
        dock.post(f"/api/v1/asns/H-1/cartons/{label}/receive")
    sample = dock.post("/api/v1/asns/H-1/count/complete").get_json()["sample"]
    for label in sample:
        supervisor.post(f"/api/v1/asns/H-1/cartons/{label}/inspect",
                        json={"counts": [{"sku": "ACME-MUG-01", "qty": 10}]})
    for label in ("C1", "C2"):
        dock.post(f"/api/v1/asns/H-1/cartons/{label}/putaway", json={"location": "LAX1-A-01-01"})
    assert supervisor.post("/api/v1/asns/H-1/close").status_code == 200
    body = api("acme").get("/api/v1/asns/H-1").get_json()
    assert steps(body) == [
        ("submitted", "supervisor", None), ("checked_in", "dock", 1), ("counted", "dock", None),
        ("inspected", "supervisor", None), ("put_away", "dock", None),
        ("closed", "supervisor", None)]
    db.session.refresh(asn)
    assert [h["at"] for h in body["history"]] == [
        t.isoformat() for t in (asn.submitted_at, asn.arrived_at, asn.counted_at,
                                asn.inspected_at, asn.put_away_at, asn.closed_at)]


def test_a_cancelled_asn_says_who_cancelled_it(api):
    submit("H-2")
    assert api("acme").post("/api/v1/asns/H-2/cancel").status_code == 200
    body = api("acme").get("/api/v1/asns/H-2").get_json()
    assert steps(body) == [("submitted", "supervisor", None), ("cancelled", "acme", None)]


def test_the_check_in_records_the_trucks_seal_trailer_and_carrier(api):
    submit("D-1")
    answer = api("dock").post("/api/v1/asns/D-1/arrive", json={
        "paperwork_cartons": 10, "seal_number": " SL-449120 ", "trailer": "TRL 5531",
        "carrier": "Old Dominion", "mode": "ltl"})
    assert answer.status_code == 200
    [delivery] = answer.get_json()["deliveries"]
    assert delivery | {"arrived_at": None} == {
        "number": 1, "arrived_at": None, "checked_in_by": "dock", "paperwork_cartons": 10,
        "seal_number": "SL-449120", "trailer": "TRL 5531", "carrier": "Old Dominion",
        "mode": "ltl", "documents": []}
    assert delivery["arrived_at"] == answer.get_json()["arrived_at"]


def test_a_second_truck_is_a_second_delivery_and_its_cartons_count_on_the_paperwork(api):
    submit("D-2")
    dock = api("dock")
    dock.post("/api/v1/asns/D-2/arrive", json={"paperwork_cartons": 6, "carrier": "Estes"})
    for n in range(1, 7):
        dock.post(f"/api/v1/asns/D-2/cartons/C{n:02d}/receive")
    second = dock.post("/api/v1/asns/D-2/deliveries", json={
        "paperwork_cartons": 4, "seal_number": "SL-2", "trailer": "T-2", "carrier": "Saia"})
    assert second.status_code == 201
    assert second.get_json()["number"] == 2 and second.get_json()["carrier"] == "Saia"
    for n in range(7, 11):
        dock.post(f"/api/v1/asns/D-2/cartons/C{n:02d}/receive")
    counted = dock.post("/api/v1/asns/D-2/count/complete").get_json()
    assert counted["paperwork_cartons"] == 10 and counted["paperwork_matches"]
    body = dock.get("/api/v1/asns/D-2").get_json()
    assert [(d["number"], d["paperwork_cartons"], d["carrier"]) for d in body["deliveries"]] \
        == [(1, 6, "Estes"), (2, 4, "Saia")]
    assert [s for s in steps(body) if s[0] == "checked_in"] == [
        ("checked_in", "dock", 1), ("checked_in", "dock", 2)]


def test_a_second_delivery_needs_a_receipt_in_progress(api):
    submit("D-3")
    dock = api("dock")
    refused = dock.post("/api/v1/asns/D-3/deliveries", json={"paperwork_cartons": 1})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "wrong_step"
    dock.post("/api/v1/asns/D-3/arrive", json={"paperwork_cartons": 10})
    bad = dock.post("/api/v1/asns/D-3/deliveries", json={
        "paperwork_cartons": -1, "mode": "teleport", "trailer": "x" * 65})
    assert bad.status_code == 422
    assert {d["path"] for d in bad.get_json()["error"]["details"]} == {
        "paperwork_cartons", "mode", "trailer"}
    assert len(dock.get("/api/v1/asns/D-3").get_json()["deliveries"]) == 1


def test_delivery_documents_go_through_the_photo_intake_onto_their_delivery(api, app):
    submit("DOC-1")
    dock = api("dock")
    dock.post("/api/v1/asns/DOC-1/arrive", json={"paperwork_cartons": 10})
    dock.post("/api/v1/asns/DOC-1/deliveries", json={"paperwork_cartons": 0})
    first = dock.post("/api/v1/asns/DOC-1/documents", content_type="multipart/form-data",
                      data=photo_form(jpeg_bytes((10, 10, 10)), kind="bol", delivery="1"))
    latest = dock.post("/api/v1/asns/DOC-1/documents", content_type="multipart/form-data",
                       data=photo_form(jpeg_bytes((90, 10, 10)), kind="seal"))
    assert first.status_code == 201 and latest.status_code == 201
    assert first.get_json()["kind"] == "bol" and len(first.get_json()["sha256"]) == 64
    body = dock.get("/api/v1/asns/DOC-1").get_json()
    assert [[doc["kind"] for doc in d["documents"]] for d in body["deliveries"]] == [
        ["bol"], ["seal"]]
    assert api("acme").get(first.get_json()["url"]).mimetype == "image/jpeg"
    again = dock.post("/api/v1/asns/DOC-1/documents", content_type="multipart/form-data",
                      data=photo_form(jpeg_bytes((10, 10, 10)), kind="bol", delivery="1"))
    assert again.get_json()["id"] == first.get_json()["id"], "a replayed upload adds nothing"


def test_hostile_documents_are_refused_as_exception_photos_are_and_leave_nothing(api, app):
    submit("DOC-2")
    dock = api("dock")
    dock.post("/api/v1/asns/DOC-2/arrive", json={"paperwork_cartons": 10})
    root = Path(app.config["PHOTO_ROOT"])
    for name, data in hostile_files().items():
        answer = dock.post("/api/v1/asns/DOC-2/documents", content_type="multipart/form-data",
                           data=photo_form(data, kind="pod"))
        assert (answer.status_code, answer.get_json()["error"]["code"]) == REFUSALS[name], name
    assert db.session.scalar(sa.select(sa.func.count(Photo.id))) == 0
    assert not root.exists() or not any(p.is_file() for p in root.rglob("*"))


def test_a_document_needs_a_kind_and_a_truck_that_came(api):
    submit("DOC-3")
    dock = api("dock")
    early = dock.post("/api/v1/asns/DOC-3/documents", content_type="multipart/form-data",
                      data=photo_form(jpeg_bytes(), kind="pod"))
    assert early.status_code == 409
    dock.post("/api/v1/asns/DOC-3/arrive", json={"paperwork_cartons": 10})
    unknown = dock.post("/api/v1/asns/DOC-3/documents", content_type="multipart/form-data",
                        data=photo_form(jpeg_bytes(), kind="selfie"))
    assert unknown.status_code == 422
    assert unknown.get_json()["error"]["details"][0]["path"] == "kind"
    missing = dock.post("/api/v1/asns/DOC-3/documents", content_type="multipart/form-data",
                        data={"kind": "pod"})
    assert missing.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Photo.id))) == 0


def test_the_check_in_can_carry_the_delivery_receipts_photo_and_a_warehouse_may_require_it(
        api):
    submit("POD-1")
    submit("POD-2")
    warehouse().delivery_receipt_required = True
    db.session.commit()
    dock = api("dock")
    refused = dock.post("/api/v1/asns/POD-1/arrive", json={"paperwork_cartons": 10})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["details"] == [
        {"path": "receipt", "message": "a photo is required"}]
    assert dock.get("/api/v1/asns/POD-1").get_json()["status"] == "submitted"
    answer = dock.post("/api/v1/asns/POD-1/arrive", content_type="multipart/form-data",
                       data=photo_form(jpeg_bytes(), paperwork_cartons="10", seal_number="S9"))
    assert answer.status_code == 200
    [delivery] = answer.get_json()["deliveries"]
    assert delivery["seal_number"] == "S9"
    assert [d["kind"] for d in delivery["documents"]] == ["pod"]
    hostile = dock.post("/api/v1/asns/POD-2/arrive", content_type="multipart/form-data",
                        data=photo_form(b"<svg/>", paperwork_cartons="10"))
    assert hostile.status_code == 415
    assert dock.get("/api/v1/asns/POD-2").get_json()["status"] == "submitted"
