"""The /api/v1 contract for ASNs and inventory: 201, 409, 422, token auth, tenant scoping."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from receiving_app.extensions import db
from receiving_app.models import ApiToken, Asn, Bucket
from tests.support.ledger import assert_ledger_balanced, bucket_total, movement_count

pytestmark = pytest.mark.both_databases

# Inside the window intake accepts (a year back, two ahead) whenever the suite runs.
ARRIVAL = (date.today() + timedelta(days=7)).isoformat()


def asn_payload(number="ERP-1", **extra):
    payload = {
        "number": number, "warehouse": "LAX1", "expected_arrival": ARRIVAL,
        "carrier": "Maersk", "tracking": "MAEU1",
        "skus": [{"sku": "API-SKU-1", "description": "Kettle", "barcodes": ["4006381333931"],
                  "high_value": False}],
        "cartons": [
            {"label": "106141412345678908", "contents": [{"sku": "API-SKU-1", "qty": 6}]},
            {"label": "BOX-2", "contents": [{"sku": "API-SKU-1", "qty": 4},
                                            {"sku": "ACME-MUG-01", "qty": 2}]},
        ],
    }
    payload.update(extra)
    return payload


def test_seller_token_creates_an_asn_and_its_in_transit_movements(api):
    acme = api("acme")
    response = acme.post("/api/v1/asns", json=asn_payload())
    assert response.status_code == 201
    body = response.get_json()
    assert body["number"] == "ERP-1" and body["seller"] == "ACME" and body["status"] == "submitted"
    assert body["cartons"][0]["sscc"] == "106141412345678908"
    assert body["cartons"][1]["contents"] == [
        {"sku": "API-SKU-1", "qty": 4, "counted": None, "damaged": 0},
        {"sku": "ACME-MUG-01", "qty": 2, "counted": None, "damaged": 0}]
    assert {line["sku"]: line["expected"] for line in body["lines"]} == {
        "API-SKU-1": 10, "ACME-MUG-01": 2}
    assert bucket_total("API-SKU-1", Bucket.IN_TRANSIT) == 10
    assert_ledger_balanced()


def test_repeated_number_for_the_same_seller_is_409_and_saves_nothing(api):
    acme = api("acme")
    assert acme.post("/api/v1/asns", json=asn_payload()).status_code == 201
    movements = movement_count()
    response = acme.post("/api/v1/asns", json=asn_payload())
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"
    assert movement_count() == movements


def test_same_number_for_another_seller_is_fine(api):
    assert api("acme").post("/api/v1/asns", json=asn_payload("SHARED-1")).status_code == 201
    nova = asn_payload("SHARED-1", skus=[{"sku": "N-1"}],
                       cartons=[{"label": "N-BOX", "contents": [{"sku": "N-1", "qty": 1}]}])
    assert api("nova").post("/api/v1/asns", json=nova).status_code == 201


def test_invalid_asn_is_422_with_a_path_per_bad_field_and_saves_nothing(api):
    movements = movement_count()
    bad = asn_payload(number="", warehouse="ZZZ9", expected_arrival="tomorrow", cartons=[
        {"label": "A", "contents": [{"sku": "API-SKU-1", "qty": 0}]},
        {"label": "A", "contents": [{"sku": "UNKNOWN", "qty": 1}]},
        {"label": "B", "contents": []},
    ])
    response = api("acme").post("/api/v1/asns", json=bad)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and error["message"]
    paths = {d["path"]: d["message"] for d in error["details"]}
    assert paths["number"] == "is required"
    assert paths["warehouse"] == "no warehouse ZZZ9"
    assert "date" in paths["expected_arrival"]
    assert "whole number" in paths["cartons[0].contents[0].qty"]
    assert "appears twice" in paths["cartons[1].label"]
    assert "unknown SKU UNKNOWN" in paths["cartons[1].contents[0].sku"]
    assert "at least one content" in paths["cartons[2].contents"]
    assert movement_count() == movements


def test_a_body_that_is_not_a_json_object_is_422(api):
    response = api("acme").post("/api/v1/asns", data="[1,2]", content_type="application/json")
    assert response.status_code == 422


def test_requests_without_a_valid_token_are_401(demo, client):
    assert client.get("/api/v1/asns/ASN-ACME-0001").status_code == 401
    response = client.get("/api/v1/asns/ASN-ACME-0001",
                          headers={"Authorization": "Bearer dks_forged"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_tokens_are_stored_hashed(api):
    token = api("acme").token
    stored = db.session.scalars(sa.select(ApiToken.token_hash)).all()
    assert token not in stored and len(stored[0]) == 64


def test_seller_token_never_sees_another_sellers_asn(api):
    acme = api("acme")
    other = acme.get("/api/v1/asns/ASN-NOVA-0001")
    missing = acme.get("/api/v1/asns/NOPE")
    assert other.status_code == missing.status_code == 404
    assert other.get_json()["error"]["code"] == missing.get_json()["error"]["code"]
    assert acme.get("/api/v1/asns/ASN-ACME-0001").status_code == 200


def test_seller_token_cannot_submit_for_another_seller(api):
    response = api("acme").post("/api/v1/asns", json=asn_payload(seller="NOVA"))
    assert response.status_code == 422
    assert response.get_json()["error"]["details"][0]["path"] == "seller"


def test_staff_token_names_the_seller_and_the_asn_is_that_sellers(api):
    supervisor = api("supervisor")
    missing = supervisor.post("/api/v1/asns", json=asn_payload("S-1"))
    assert missing.status_code == 422
    created = supervisor.post("/api/v1/asns", json=asn_payload("S-1", seller="ACME"))
    assert created.status_code == 201 and created.get_json()["seller"] == "ACME"
    assert db.session.scalar(sa.select(Asn).where(Asn.number == "S-1")).seller.code == "ACME"


def test_dock_token_may_not_submit_asns(api):
    assert api("dock").post("/api/v1/asns", json=asn_payload(seller="ACME")).status_code == 403


def test_asn_shows_status_timestamps_sla_and_cartons(api):
    body = api("supervisor").get("/api/v1/asns/ASN-ACME-0001").get_json()
    for field in ("status", "submitted_at", "arrived_at", "closed_at", "sla_due_at",
                  "cartons", "lines", "exceptions"):
        assert field in body
    assert len(body["cartons"]) == 12
    assert body["cartons"][0]["status"] == "expected"
    assert body["cartons"][0]["in_sample"] is False and body["cartons"][0]["opened"] is False


def test_inventory_shows_buckets_and_available_scoped_to_the_seller(api):
    acme = api("acme").get("/api/v1/inventory").get_json()["inventory"]
    assert {row["seller"] for row in acme} == {"ACME"}
    mug = next(row for row in acme if row["sku"] == "ACME-MUG-01")
    assert mug["buckets"]["in_transit"] == 252 and mug["available"] == 0
    only = api("acme").get("/api/v1/inventory?sku=ACME-LID-02&warehouse=LAX1").get_json()
    assert [row["sku"] for row in only["inventory"]] == ["ACME-LID-02"]
    staff = api("supervisor").get("/api/v1/inventory").get_json()["inventory"]
    assert {row["seller"] for row in staff} == {"ACME", "NOVA"}
