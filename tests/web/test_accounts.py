"""Login, logout, CSRF, cookies and who may reach which page."""
import re

import pytest
import sqlalchemy as sa

from receiving_app.extensions import db
from receiving_app.models import User


def test_correct_password_logs_in_and_lands_on_the_roles_home(demo, auth, client):
    response = auth.login("dock")
    assert response.status_code == 302
    assert client.get("/").headers["Location"].endswith("/dock/")


def test_wrong_password_is_refused(demo, auth, client):
    response = auth.login("dock", "not-the-password")
    assert response.status_code == 401
    assert "Wrong username or password" in response.get_data(as_text=True)
    assert client.get("/dock/").status_code == 302  # still sent to the login page


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(demo, auth):
    unknown = auth.login("nobody", "whatever-password")
    wrong = auth.login("dock", "whatever-password")
    assert unknown.status_code == wrong.status_code == 401
    assert _flash(unknown) == _flash(wrong)


def _flash(response) -> str:
    return re.search(r'<p class="flash[^>]*>([^<]+)<', response.get_data(as_text=True)).group(1)


def test_login_form_without_csrf_token_is_refused(demo, client):
    response = client.post("/auth/login", data={"username": "dock", "password": "dockside-demo"})
    assert response.status_code == 400
    assert client.get("/dock/").status_code == 302


def test_htmx_post_without_csrf_header_is_refused_and_with_it_accepted(demo, auth, client):
    auth.login("dock")
    token = auth.csrf_token("/dock/")
    assert client.post("/auth/logout", headers={"HX-Request": "true"}).status_code == 400
    assert client.get("/dock/").status_code == 200  # still logged in
    response = client.post("/auth/logout", headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 302
    assert client.get("/dock/").status_code == 302


def test_session_cookie_is_httponly_and_samesite_lax(demo, auth):
    response = auth.login("dock")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_logout_ends_every_session_of_the_user(demo, app, auth, client):
    auth.login("dock")
    other_device = app.test_client()
    other_device.set_cookie("session", client.get_cookie("session").value)
    assert other_device.get("/dock/").status_code == 200
    client.post("/auth/logout", data={"csrf_token": auth.csrf_token("/dock/")})
    assert other_device.get("/dock/").status_code == 302


def test_next_parameter_never_redirects_off_site(demo, client, auth):
    token = auth.csrf_token("/auth/login")
    response = client.post("/auth/login?next=//evil.example/x", data={
        "username": "dock", "password": "dockside-demo", "csrf_token": token})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("username, forbidden", [
    ("dock", ["/review/", "/seller/", "/seller/asns/new"]),
    ("seller_acme", ["/dock/", "/review/"]),
    ("supervisor", ["/seller/"]),
])
def test_a_role_is_refused_the_pages_it_may_not_use(demo, auth, client, username, forbidden):
    auth.login("acme" if username == "seller_acme" else username)
    for path in forbidden:
        assert client.get(path).status_code == 403, path


def test_anonymous_visitors_are_sent_to_login(demo, client):
    for path in ("/dock/", "/review/", "/seller/", "/"):
        response = client.get(path)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_disabled_user_cannot_log_in_and_loses_the_session(demo, auth, client):
    auth.login("dock")
    user = db.session.scalar(sa.select(User).where(User.username == "dock"))
    user.active = False
    db.session.commit()
    assert client.get("/dock/").status_code == 302
    assert auth.login("dock").status_code == 401
