"""The seller's side over the API: the evidence pack, disputes, and webhooks with their logs."""
from flask import current_app, g, request

from ...models import WebhookDelivery, WebhookEndpoint
from ...receiving import find_asn
from ...receiving.disputes import dispute_line
from ...webhooks import (
    deactivate_endpoint, delivery_log, find_endpoint, list_endpoints, loopback_allowed,
    register_endpoint,
)
from ..seller.downloads import csv_download, pdf_download
from . import bp, json_body, require_action
from .serializers import exception_json, iso


def _asn(number: str):
    return find_asn(g.api_user, number, request.args.get("seller"))


@bp.get("/asns/<number>/evidence.pdf")
def evidence_pdf(number: str):
    """The claim-ready PDF (?lang=en or zh_Hans, else the token user's language)."""
    return pdf_download(_asn(number))


@bp.get("/asns/<number>/lines.csv")
def lines_csv(number: str):
    """The receipt's lines as CSV, one row per SKU."""
    return csv_download(_asn(number))


@bp.post("/asns/<number>/disputes")
def create_dispute(number: str):
    """Contest a line of a closed receipt: {"sku", "note"}; 201 with the new exception."""
    require_action("seller")
    body = json_body()
    exception = dispute_line(_asn(number), body.get("sku") or "", body.get("note") or "",
                             user=g.api_user)
    return exception_json(exception), 201


@bp.get("/webhooks")
def list_webhooks():
    """The seller's webhook endpoints (secrets are shown only when one is created)."""
    require_action("seller")
    return {"webhooks": [endpoint_json(e) for e in list_endpoints(g.api_user)]}


@bp.post("/webhooks")
def create_webhook():
    """Register {"url"}: 201 with the endpoint and its signing secret, shown this once."""
    require_action("seller")
    endpoint = register_endpoint(g.api_user, json_body().get("url"),
                                 allow_loopback=loopback_allowed(current_app.config["APP_ENV"]))
    return endpoint_json(endpoint) | {"secret": endpoint.secret}, 201


@bp.delete("/webhooks/<int:endpoint_id>")
def delete_webhook(endpoint_id: int):
    """Switch an endpoint off (it and its log are kept)."""
    require_action("seller")
    return endpoint_json(deactivate_endpoint(g.api_user, endpoint_id))


@bp.get("/webhooks/<int:endpoint_id>/deliveries")
def webhook_deliveries(endpoint_id: int):
    """The endpoint's delivery log, newest event first."""
    require_action("seller")
    endpoint = find_endpoint(g.api_user, endpoint_id)
    return {"webhook": endpoint_json(endpoint),
            "deliveries": [delivery_json(d) for d in delivery_log(endpoint)]}


def endpoint_json(endpoint: WebhookEndpoint) -> dict:
    return {"id": endpoint.id, "url": endpoint.url, "active": endpoint.active,
            "created_at": iso(endpoint.created_at)}


def delivery_json(delivery: WebhookDelivery) -> dict:
    return {
        "event_id": delivery.event.event_id, "type": delivery.event.type,
        "created_at": iso(delivery.event.created_at), "status": delivery.status,
        "attempts": delivery.attempts, "last_attempt_at": iso(delivery.last_attempt_at),
        "last_status_code": delivery.last_status_code, "last_error": delivery.last_error,
        "next_attempt_at": iso(delivery.next_attempt_at) if delivery.status == "pending"
        else None,
        "delivered_at": iso(delivery.delivered_at),
    }
