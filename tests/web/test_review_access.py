"""Who reaches the review desk: supervisors and admins; a dock worker and a seller never."""
import pytest
import sqlalchemy as sa

from receiving_app.extensions import db
from receiving_app.models import Resolution, Warehouse
from tests.support.review import another_supervisor, open_short

REVIEW_PAGES = ["/review/", "/review/asns", "/review/asns/R-1", "/review/exceptions",
                "/review/exceptions/{id}", "/review/exceptions/{id}/scan-log",
                "/review/reports/dock-to-stock", "/review/reports/dock-to-stock.csv"]
ADMIN_PAGES = ["/admin/", "/admin/warehouses/LAX1/sla"]


@pytest.fixture
def pages(demo, app):
    exception = open_short(app)
    return [page.format(id=exception.id) for page in REVIEW_PAGES], exception


@pytest.mark.parametrize("username", ["dock", "acme", "nova"])
def test_a_dock_worker_or_a_seller_is_refused_every_review_page(pages, auth, client, username):
    paths, _ = pages
    auth.login(username)
    for path in paths + ADMIN_PAGES:
        assert client.get(path).status_code == 403, path


@pytest.mark.parametrize("username", ["dock", "acme"])
def test_a_dock_worker_or_a_seller_cannot_resolve_an_exception(pages, auth, client, username):
    _, exception = pages
    auth.login(username)
    token = auth.csrf_token({"dock": "/dock/", "acme": "/seller/"}[username])
    response = client.post(f"/review/exceptions/{exception.id}/resolve", data={
        "csrf_token": token, "resolution": "accept", "note": "mine now", "version": "1"})
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Resolution.id))) == 0


def test_a_visitor_who_is_not_logged_in_is_sent_to_log_in(pages, client):
    paths, _ = pages
    for path in paths + ADMIN_PAGES:
        response = client.get(path)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_a_supervisor_reaches_the_review_desk_but_not_the_policy(pages, auth, client):
    paths, _ = pages
    auth.login("supervisor")
    for path in paths:
        assert client.get(path).status_code == 200, path
    for path in ADMIN_PAGES:
        assert client.get(path).status_code == 403, path
    assert "SLA policy" not in client.get("/review/").get_data(as_text=True)


def test_an_admin_reaches_the_review_desk_and_the_policy(pages, auth, client):
    paths, _ = pages
    auth.login("admin")
    for path in paths + ADMIN_PAGES:
        assert client.get(path).status_code == 200, path
    assert 'href="/admin/"' in client.get("/review/").get_data(as_text=True)


@pytest.mark.parametrize("username", ["dock", "acme"])
def test_the_report_api_refuses_dock_and_seller_tokens(demo, api, username):
    response = api(username).get("/api/v1/reports/dock-to-stock")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_a_supervisor_of_another_warehouse_sees_no_exception_here(pages, auth, client):
    _, exception = pages
    db.session.add(Warehouse(code="EWR1", name="Newark 1", timezone="America/New_York"))
    db.session.commit()
    another_supervisor("newark", warehouse="EWR1")
    auth.login("newark")
    assert client.get(f"/review/exceptions/{exception.id}").status_code == 404
    assert client.get("/review/asns/R-1").status_code == 404
    queue = client.get("/review/exceptions").get_data(as_text=True)
    assert f'id="exception-{exception.id}"' not in queue
    token = auth.csrf_token("/review/")
    response = client.post(f"/review/exceptions/{exception.id}/resolve", data={
        "csrf_token": token, "resolution": "accept", "note": "not mine", "version": "1"})
    assert response.status_code == 404
