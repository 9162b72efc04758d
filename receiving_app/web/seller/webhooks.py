"""The seller's webhooks: register a URL (its secret is shown once), switch it off, and
read each endpoint's delivery log."""
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from wtforms import URLField
from wtforms.validators import DataRequired, Length

from ...errors import DomainError, NotFound
from ...webhooks import (
    EVENT_TYPES, deactivate_endpoint, delivery_log, find_endpoint, list_endpoints,
    loopback_allowed, register_endpoint,
)
from ..decorators import requires
from ..forms import PageForm
from ..htmx import render
from . import bp


class EndpointForm(PageForm):
    url = URLField(_l("Your HTTPS URL"), validators=[DataRequired(), Length(max=500)])


def _page(form: EndpointForm, status: int = 200, *, created=None, errors=()):
    return render_template("seller/webhooks.html", form=form, endpoints=list_endpoints(
        current_user), created=created, errors=errors, event_types=EVENT_TYPES), status


@bp.get("/webhooks")
@requires("seller")
def webhooks():
    """The seller's webhook endpoints and the form to add one."""
    return _page(EndpointForm())


@bp.post("/webhooks")
@requires("seller")
def register_webhook():
    """Register a URL; the answer shows its signing secret, this once."""
    form = EndpointForm()
    if not form.validate_on_submit():
        return _page(form, 422, errors=[_("Enter a full https:// URL.")])
    try:
        endpoint = register_endpoint(current_user, form.url.data, allow_loopback=loopback_allowed(
            current_app.config["APP_ENV"]))
    except DomainError as error:
        return _page(form, error.status, errors=[error.message])
    return _page(EndpointForm(formdata=None), 201, created=endpoint)


@bp.get("/webhooks/<int:endpoint_id>")
@requires("seller")
def webhook_log(endpoint_id: int):
    """One endpoint's delivery log, newest first; htmx refreshes the list in place."""
    endpoint = _own_endpoint(endpoint_id)
    return render("seller/webhook.html", "seller/_deliveries.html", endpoint=endpoint,
                  deliveries=delivery_log(endpoint))


@bp.post("/webhooks/<int:endpoint_id>/deactivate")
@requires("seller")
def deactivate_webhook(endpoint_id: int):
    """Stop sending to an endpoint; its log stays."""
    try:
        endpoint = deactivate_endpoint(current_user, endpoint_id)
    except NotFound:
        abort(404)
    flash(_("Webhook to %(url)s switched off.", url=endpoint.url), "success")
    return redirect(url_for("seller.webhooks"))


def _own_endpoint(endpoint_id: int):
    try:
        return find_endpoint(current_user, endpoint_id)
    except NotFound:
        abort(404)
