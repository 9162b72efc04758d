"""Every route of the URL map x every role x objects of another seller or warehouse.

Another tenant's object is the same 404 as one that does not exist; a role that may not use
a page at all gets 403. A new route with an object parameter this test does not know fails
it, so nobody adds a door without adding it here.
"""
import re
import secrets

import pytest
import sqlalchemy as sa

from receiving_app.accounts import create_api_token, create_user
from receiving_app.extensions import db
from receiving_app.inventory.adjustments import adjust_stock
from receiving_app.inventory.counts import create_cycle_count
from receiving_app.models import (
    Asn, ClaimItem, Location, LocationKind, Photo, User, Warehouse, WebhookEndpoint,
)
from receiving_app.receiving import raise_exception, resolve_exception, submit_asn
from tests.support.builders import arrived, counted, photographed, user

pytestmark = pytest.mark.both_databases

ROLE_OF_BLUEPRINT = {"dock": "dock", "review": "review", "seller": "seller", "admin": "admin"}
OBJECT_PARAMS = {"number", "label", "exception_id", "public_id", "endpoint_id", "code",
                 "adjustment_id", "count_id", "claim_id"}
SKIP = {"static"}


def object_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP or not rule.arguments:
            continue
        unknown = set(rule.arguments) - OBJECT_PARAMS
        assert not unknown, f"{rule.rule}: add {unknown} to the access matrix"
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method


def foreign_world(app) -> dict:
    """Objects the test users must never reach: NOVA's (another seller) and NYC1's (another
    warehouse, though the seller ACME's)."""
    nova = arrived(db.session.scalar(sa.select(Asn).where(Asn.number == "ASN-NOVA-0001")))
    counted(nova)
    nova_exception = raise_exception(nova, "damaged", user=user("dock"),
                                     carton_label=nova.cartons[0].label, note="x")
    nova_photo = photographed(nova_exception, app)
    endpoint = WebhookEndpoint(seller_id=nova.seller_id, url="https://nova.example/hook",
                               secret=secrets.token_hex(16))
    db.session.add(endpoint)
    nyc = Warehouse(code="NYC1", name="New York 1")
    db.session.add_all([Location(warehouse=nyc, barcode=f"NYC1-{k.value}", kind=k)
                        for k in LocationKind])
    db.session.commit()
    create_user("nyc-super", "dockside-demo", "supervisor", warehouse_code="NYC1")
    nyc_asn = submit_asn({"number": "NYC-ACME-1", "warehouse": "NYC1", "cartons": [
        {"label": "NYC-C1", "contents": [{"sku": "ACME-MUG-01", "qty": 3}]}]},
        user=user("acme"))
    counted(nyc_asn)
    nyc_exception = raise_exception(nyc_asn, "unreadable_label", user=user("nyc-super"),
                                    carton_label="NYC-C1")
    nyc_photo = photographed(nyc_exception, app)
    nova_found = adjust_stock(warehouse="LAX1", seller="NOVA", sku="NOVA-LAMP-01",
                              location="LAX1-A-04-04", qty=2, reason="found", note="x",
                              user=user("supervisor"))
    nyc_found = adjust_stock(warehouse="NYC1", seller="ACME", sku="ACME-MUG-01",
                             location="NYC1-storage", qty=2, reason="found", note="x",
                             user=user("nyc-super"))
    nyc_count = create_cycle_count(warehouse="NYC1", locations=["NYC1-storage"],
                                   user=user("nyc-super"))
    nova_claim = carrier_claim(nova_exception, user("supervisor"))
    nyc_claim = carrier_claim(nyc_exception, user("nyc-super"))
    return {
        "seller": {"number": nova.number, "label": nova.cartons[0].label,
                   "exception_id": nova_exception.id, "public_id": nova_photo.public_id,
                   "endpoint_id": endpoint.id, "code": "NYC1", "adjustment_id": nova_found.id,
                   "count_id": nyc_count.id, "claim_id": nova_claim},
        "warehouse": {"number": nyc_asn.number, "label": "NYC-C1",
                      "exception_id": nyc_exception.id, "public_id": nyc_photo.public_id,
                      "endpoint_id": endpoint.id, "code": "NYC1", "adjustment_id": nyc_found.id,
                      "count_id": nyc_count.id, "claim_id": nyc_claim},
    }


def carrier_claim(exception, supervisor) -> int:
    """The id of the claim a carrier_claim decision on the exception opens."""
    resolve_exception(exception, "carrier_claim", "Damaged in transit.", user=supervisor)
    return db.session.scalar(sa.select(ClaimItem.claim_id).where(
        ClaimItem.exception_id == exception.id))


def csrf_token(client) -> str:
    page = client.get("/auth/password").get_data(as_text=True)
    return re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)


# who tries, and whose objects: a seller against another seller, staff against another
# warehouse
CASES = [("acme", "seller"), ("dock", "warehouse"), ("supervisor", "warehouse")]


@pytest.mark.parametrize("username, foreign", CASES)
def test_no_route_reaches_another_tenants_objects(demo, app, auth, client, username, foreign):
    world = foreign_world(app)[foreign]
    role = db.session.scalar(sa.select(User).where(User.username == username)).role
    from receiving_app.access import can

    who = db.session.scalar(sa.select(User).where(User.username == username))
    token = create_api_token(who)
    auth.login(username)
    csrf = csrf_token(client)
    leaks = []
    for rule, method in object_routes(app):
        path = rule.build(world, append_unknown=False)[1]
        blueprint = rule.endpoint.split(".")[0]
        if blueprint == "api":
            headers = {"Authorization": f"Bearer {token}"}
            response = app.test_client().open(path, method=method, headers=headers, json={})
            allowed = {403, 404}
        else:
            headers = {"X-CSRFToken": csrf, "HX-Request": "true"}
            response = client.open(path, method=method, headers=headers,
                                   data={"csrf_token": csrf})
            action = ROLE_OF_BLUEPRINT.get(blueprint)
            allowed = {404} if action is None or can(who, action) else {403}
        if response.status_code not in allowed:
            leaks.append(f"{role.value} {method} {path} -> {response.status_code}")
    assert leaks == []


def test_a_sellers_api_reads_of_another_seller_are_404(demo, app, api):
    world = foreign_world(app)["seller"]
    acme = api("acme")
    for path in (f"/api/v1/asns/{world['number']}", f"/api/v1/asns/{world['number']}/lines.csv",
                 f"/api/v1/asns/{world['number']}/evidence.pdf",
                 f"/photos/{world['public_id']}"):
        assert acme.get(path).status_code == 404, path


def test_an_erp_fetches_its_own_photos_by_the_apis_urls_with_its_token(demo, app, api):
    foreign_world(app)
    body = api("nova").get("/api/v1/asns/ASN-NOVA-0001").get_json()
    photo = next(p for e in body["exceptions"] for p in e["photos"])
    for url in (photo["url"], photo["thumbnail_url"]):
        response = api("nova").get(url)
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        assert "private" in response.headers["Cache-Control"]


def test_ten_thousand_guessed_photo_ids_find_nothing(demo, app, auth, client):
    from receiving_app.web.photos import find_visible_photo

    foreign_world(app)
    supervisor = user("supervisor")
    guesses = [secrets.token_hex(16) for _ in range(10_000)]
    # every guess through the scoped lookup the photo routes use ...
    assert [g for g in guesses if find_visible_photo(supervisor, g) is not None] == []
    # ... and a sample of them through the routes themselves
    auth.login("supervisor")
    answers = {client.get(f"/photos/{g}").status_code for g in guesses[:300]}
    answers |= {client.get(f"/photos/{g}/thumbnail").status_code for g in guesses[300:400]}
    assert answers == {404}
    assert db.session.scalar(sa.select(sa.func.count(Photo.id))) == 2
