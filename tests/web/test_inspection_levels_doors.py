"""Inspection levels at the doors: the count's answer says the level and why, the dock and
the review desk show that one line, the seller sees their level and its history, the API
reads it and a supervisor sets it by hand."""
import pytest
import sqlalchemy as sa

from receiving_app.extensions import db
from receiving_app.models import Seller, Warehouse
from receiving_app.receiving.inspection_levels import set_inspection_level
from tests.domain.test_inspection_levels import receipt
from tests.support.builders import counted, submit, user, warehouse
from tests.support.i18n import compiled_catalogues  # noqa: F401  (fixture)

pytestmark = [pytest.mark.both_databases, pytest.mark.usefixtures("compiled_catalogues")]


def tighten_acme(app) -> None:
    receipt(app, "TG-1", short=True)
    receipt(app, "TG-2", short=True)


def test_the_count_says_the_sellers_level_and_why_on_the_api_the_dock_and_the_desk(
        demo, app, api, client, auth):
    tighten_acme(app)
    submit("TG-3", {f"TG-3-C{n}": {"ACME-MUG-01": 5} for n in range(1, 51)})
    dock = api("dock")
    dock.post("/api/v1/asns/TG-3/arrive", json={"paperwork_cartons": 50})
    for n in range(1, 51):
        dock.post(f"/api/v1/asns/TG-3/cartons/TG-3-C{n}/receive")
    answer = dock.post("/api/v1/asns/TG-3/count/complete").get_json()
    line = "tightened: 2 of the last 5 receipts had differences"
    assert answer["inspection"] == {"level": "tightened", "reason": line, "sample_size": 13}
    assert len(answer["sample"]) == 13  # Z1.4 level III for 50 cartons, not level II's 8
    auth.login("dock")
    assert line in client.get("/dock/asns/TG-3").get_data(as_text=True)
    auth.login("supervisor")
    assert line in client.get("/review/asns/TG-3").get_data(as_text=True)


def test_the_api_gives_the_level_with_its_history_to_the_seller_and_their_warehouse(
        demo, app, api):
    tighten_acme(app)
    mine = api("acme").get("/api/v1/sellers/ACME/inspection?warehouse=LAX1")
    assert mine.status_code == 200
    body = mine.get_json()
    assert (body["seller"], body["warehouse"], body["level"], body["clean_in_a_row"]) == (
        "ACME", "LAX1", "tightened", 0)
    assert [(h["from"], h["to"], h["asn"], h["by"]) for h in body["history"]] == [
        ("normal", "tightened", "TG-2", None)]
    assert api("supervisor").get("/api/v1/sellers/ACME/inspection").get_json()["level"] == \
        "tightened", "staff read their own warehouse by default"
    assert api("nova").get("/api/v1/sellers/ACME/inspection?warehouse=LAX1").status_code == 404
    assert api("acme").get("/api/v1/sellers/NOPE/inspection?warehouse=LAX1").status_code == 404
    assert api("acme").get("/api/v1/sellers/ACME/inspection?warehouse=NYC9").status_code == 404
    assert api("dock").get("/api/v1/sellers/ACME/inspection").status_code == 403
    db.session.add(Warehouse(code="NYC1", name="New York 1"))
    db.session.commit()
    assert api("supervisor").get("/api/v1/sellers/ACME/inspection?warehouse=NYC1"
                                 ).status_code == 404, "another warehouse's is not theirs"


def test_a_supervisor_sets_the_level_by_hand_over_the_api_with_a_note(demo, api):
    supervisor = api("supervisor")
    put = supervisor.client.put(
        "/api/v1/sellers/ACME/inspection", json={"level": "reduced", "note": "Audited."},
        headers={"Authorization": f"Bearer {supervisor.token}"})
    assert put.status_code == 200
    assert put.get_json()["level"] == "reduced"
    assert put.get_json()["history"][0] | {"at": None} == {
        "at": None, "from": "normal", "to": "reduced", "reason": "reduced: set by a supervisor",
        "note": "Audited.", "by": "supervisor", "asn": None}
    bad = supervisor.client.put(
        "/api/v1/sellers/ACME/inspection", json={"level": "none", "note": ""},
        headers={"Authorization": f"Bearer {supervisor.token}"})
    assert bad.status_code == 422
    assert {d["path"] for d in bad.get_json()["error"]["details"]} == {"level", "note"}
    nul = supervisor.client.put(
        "/api/v1/sellers/ACME/inspection", json={"level": "normal", "note": "x\x00"},
        headers={"Authorization": f"Bearer {supervisor.token}"})
    assert nul.status_code == 422
    seller = api("acme")
    assert seller.client.put("/api/v1/sellers/ACME/inspection", json={
        "level": "reduced", "note": "please"},
        headers={"Authorization": f"Bearer {seller.token}"}).status_code == 403


def test_the_review_desk_lists_levels_and_sets_one_by_hand(demo, app, client, auth):
    tighten_acme(app)
    counted(submit("NV-1", {"NV-C1": {"NOVA-LAMP-01": 2}}, seller="NOVA"))
    auth.login("supervisor")
    page = client.get("/review/inspection").get_data(as_text=True)
    assert page.index('data-seller="ACME"') < page.index('data-seller="NOVA"'), \
        "tightened first"
    token = auth.csrf_token("/review/sellers/ACME/inspection")
    saved = client.post("/review/sellers/ACME/inspection", data={
        "csrf_token": token, "level": "normal", "note": "Their packer retrained."})
    assert saved.status_code == 302
    html = client.get(saved.location).get_data(as_text=True)
    assert "normal: set by a supervisor" in html and "Their packer retrained." in html
    refused = client.post("/review/sellers/ACME/inspection", data={
        "csrf_token": token, "level": "normal", "note": ""})
    assert refused.status_code == 422


def test_the_seller_sees_their_level_and_its_history_in_their_language(demo, app, client,
                                                                        auth):
    tighten_acme(app)
    set_inspection_level(db.session.scalar(sa.select(Seller).where(Seller.code == "ACME")),
                         warehouse(), "tightened", "Watch the lids.", user=user("supervisor"))
    auth.login("acme")
    html = client.get("/seller/inspection", headers={"Accept-Language": "zh-CN"}).get_data(
        as_text=True)
    assert 'data-level="tightened"' in html
    assert "加严: 由主管设置" in html and "最近 5 次收货中有 2 次有差异" in html
    assert "Watch the lids." in html
