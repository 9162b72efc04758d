"""A seller never sees another seller's anything. Every seller-facing route in the URL map
(the seller pages, the API, the photos) is called by ACME with NOVA's ASN, photo, exception,
carrier claim and webhook: each answers exactly as for something that does not exist."""
import re

import pytest
import sqlalchemy as sa

from receiving_app.extensions import db
from receiving_app.inventory.adjustments import adjust_stock
from receiving_app.inventory.counts import create_cycle_count
from receiving_app.models import Asn, ClaimItem, Photo
from receiving_app.receiving import raise_exception, resolve_exception
from receiving_app.webhooks import register_endpoint
from tests.support.builders import counted, photographed, user

SELLER_FACING = ("seller.", "api.", "photos.")
# An identifier for each URL argument, for an object that does not exist anywhere.
NOWHERE = {"number": "ASN-NOPE-404", "label": "NOPE-CARTON", "public_id": "f" * 32,
           "exception_id": "987654", "endpoint_id": "987654", "adjustment_id": "987654",
           "count_id": "987654", "claim_id": "987654",
           "code": "NOPE"}
# Where a seller must meet a 404, by name (the list), so these cannot drop out.
MUST_BE_NOT_FOUND = {
    "seller.asn_detail", "seller.evidence_pack", "seller.lines", "seller.dispute",
    "seller.webhook_log", "seller.deactivate_webhook", "photos.full", "photos.thumbnail",
    "api.get_asn", "api.evidence_pdf", "api.lines_csv", "api.create_dispute",
    "api.webhook_deliveries", "api.delete_webhook", "api.get_adjustment",
    "api.claim", "api.claim_pack", "api.seller_inspection",
}
ANY_BODY = {"sku": "NOVA-LAMP-01", "note": "contested", "locale": "", "url":
            "https://erp.example.com/hook", "paperwork_cartons": 1, "counts": [],
            "location": "LAX1-A-01-01", "resolution": "accept", "kind": "damaged"}


def objects_of(seller: str, app) -> dict[str, str]:
    """An ASN of the seller, counted, with an exception photographed and a webhook endpoint;
    an adjustment of the seller's stock, and a cycle count of the shelf it is on (the
    warehouse's, which no seller may use)."""
    asn = db.session.scalar(sa.select(Asn).where(Asn.number == f"ASN-{seller}-0001"))
    counted(asn)
    exception = raise_exception(asn, "damaged", user=user("dock"),
                                carton_label=asn.cartons[0].label, note="crushed")
    photo: Photo = photographed(exception, app)
    resolve_exception(exception, "carrier_claim", "Crushed in transit.", user=user("supervisor"))
    claim_id = db.session.scalar(sa.select(ClaimItem.claim_id).where(
        ClaimItem.exception_id == exception.id))
    endpoint = register_endpoint(user(seller.lower()), f"https://erp.{seller.lower()}.example/h",
                                 allow_loopback=False)
    shelf = {"ACME": "LAX1-A-04-01", "NOVA": "LAX1-A-04-02"}[seller]
    found = adjust_stock(warehouse="LAX1", seller=seller, sku=asn.cartons[0].contents[0].sku.code,
                         location=shelf, qty=2, reason="found", note="behind the rack",
                         user=user("supervisor"))
    count = create_cycle_count(warehouse="LAX1", locations=[shelf], user=user("supervisor"))
    return {"number": asn.number, "label": asn.cartons[0].label, "public_id": photo.public_id,
            "exception_id": str(exception.id), "endpoint_id": str(endpoint.id),
            "adjustment_id": str(found.id), "count_id": str(count.id),
            "claim_id": str(claim_id), "code": seller}


def seller_routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint.startswith(SELLER_FACING):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


class SellerAcme:
    """ACME, by session cookie on the pages and photos, by Bearer token on the API."""

    def __init__(self, client, auth, api):
        auth.login("acme")
        self.client, self.api = client, api("acme")
        self.csrf = auth.csrf_token("/seller/")

    def call(self, rule, method: str, ids: dict[str, str]):
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(?:[a-z]+:)?{name}>", ids[name], path)
        if rule.endpoint.startswith("api."):
            kwargs = {"json": ANY_BODY} if method in ("POST", "PUT", "PATCH") else {}
            return self.api.client.open(path, method=method, headers=self.api._headers(),
                                        **kwargs)
        data = dict(ANY_BODY, csrf_token=self.csrf) if method == "POST" else None
        return self.client.open(path, method=method, data=data)


def normalised(body: str, values) -> str:
    """The body with the identifiers asked for (and CSRF tokens, which differ per page) blanked."""
    body = re.sub(r'(csrf_token" type="hidden" value="|"X-CSRFToken": "|name="csrf_token" '
                  r'value=")[^"]+', r"\1…", body)
    for value in sorted(values, key=len, reverse=True):
        body = re.sub(rf"(?<![\w-]){re.escape(value)}(?![\w-])", "<id>", body)
    return body


def test_every_seller_route_answers_another_sellers_ids_as_if_they_did_not_exist(
        demo, app, client, auth, api):
    nova = objects_of("NOVA", app)
    acme = objects_of("ACME", app)
    seller = SellerAcme(client, auth, api)
    not_found = set()
    for rule, method in seller_routes(app):
        if not rule.arguments:
            continue
        unknown = rule.arguments - set(nova)
        assert not unknown, f"{rule.rule}: which object does {unknown} name? Add it here."
        theirs = seller.call(rule, method, nova)
        nothing = seller.call(rule, method, NOWHERE)
        where = f"{method} {rule.rule}"
        assert theirs.status_code == nothing.status_code, where
        assert theirs.status_code in (403, 404), f"{where}: {theirs.status_code}"
        values = list(nova.values()) + list(NOWHERE.values())
        assert normalised(theirs.get_data(as_text=True), values) == normalised(
            nothing.get_data(as_text=True), values), f"{where} tells theirs from nothing"
        if theirs.status_code == 404:
            not_found.add(rule.endpoint)
        else:
            # Refused by role before any lookup: then ACME's own object is refused too.
            assert seller.call(rule, method, acme).status_code == 403, where
    assert MUST_BE_NOT_FOUND <= not_found, MUST_BE_NOT_FOUND - not_found


def test_a_sellers_own_objects_are_there_on_the_same_routes(demo, app, client, auth, api):
    acme = objects_of("ACME", app)
    seller = SellerAcme(client, auth, api)
    reads = {rule.endpoint: rule for rule, method in seller_routes(app)
             if method == "GET" and rule.endpoint in MUST_BE_NOT_FOUND}
    assert len(reads) == 14
    for endpoint, rule in reads.items():
        assert seller.call(rule, "GET", acme).status_code == 200, endpoint


@pytest.mark.parametrize("path", ["/seller/", "/api/v1/exceptions", "/api/v1/inventory",
                                  "/api/v1/webhooks", "/seller/webhooks", "/seller/stock",
                                  "/api/v1/adjustments", "/api/v1/reports/reconciliation"])
def test_lists_show_only_the_sellers_own_rows(demo, app, client, auth, api, path):
    objects_of("NOVA", app)
    seller = SellerAcme(client, auth, api)
    caller = seller.api.client if path.startswith("/api/") else seller.client
    headers = seller.api._headers() if path.startswith("/api/") else {}
    body = caller.get(path, headers=headers).get_data(as_text=True)
    assert "NOVA" not in body and "nova" not in body
