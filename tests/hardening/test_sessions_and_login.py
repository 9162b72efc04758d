"""Sessions and login: throttling, fixation, ending sessions, shift-long remember-me."""
import re
import shutil
import time

import pytest
import sqlalchemy as sa

from receiving_app import accounts
from receiving_app.extensions import db
from receiving_app.models import User
from tests.conftest import make_app


def test_failed_logins_are_throttled_per_account(demo, auth, client):
    demo.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    for _ in range(3):
        assert auth.login("dock", "wrong-password").status_code == 401
    throttled = auth.login("dock", "wrong-password")
    assert throttled.status_code == 429
    assert "Too many failed attempts" in throttled.get_data(as_text=True)
    # even the right password waits: the attacker cannot tell when they hit it
    assert auth.login("dock").status_code == 429
    # another account from the same address is not locked by this one
    assert auth.login("supervisor").status_code == 302


def test_failed_logins_are_throttled_per_address(demo, auth):
    demo.config["LOGIN_LIMIT_PER_ADDRESS"] = "4 per 15 minutes"
    for name in ("a", "b", "c", "d"):
        assert auth.login(f"nobody-{name}", "wrong-password").status_code == 401
    assert auth.login("dock").status_code == 429


def test_a_throttled_login_is_refused_whatever_its_body(demo, auth, client):
    demo.config["LOGIN_LIMIT_PER_ADDRESS"] = "1 per 15 minutes"
    demo.config["MAX_CONTENT_LENGTH"] = 1024
    assert auth.login("nobody", "wrong-password").status_code == 401
    throttled = client.post("/auth/login", data="5", content_type="application/json",
                            headers={"X-CSRFToken": auth.csrf_token("/auth/login")})
    assert throttled.status_code == 429
    assert "Too many failed attempts" in throttled.get_data(as_text=True)
    too_large = client.post("/auth/login", data={"username": "x" * 2048})
    assert too_large.status_code in (413, 429)


@pytest.mark.parametrize("body", ['"dock"', "5", "[1, 2]", "[" * 5000 + "]" * 5000,
                                  '{"username": ["dock"], "password": {}}'])
def test_a_login_or_password_form_posted_as_json_is_an_empty_form(demo, auth, client, body):
    for path in ("/auth/login", "/auth/password"):
        response = client.post(path, data=body, content_type="application/json",
                               headers={"X-CSRFToken": auth.csrf_token(path)})
        assert response.status_code == 422 if path == "/auth/password" else 200
        assert "<form" in response.get_data(as_text=True)
        auth.login("dock")


def test_every_view_with_a_limit_is_one_the_limiter_checks(app):
    """The limiter skips requests outside THROTTLED_ENDPOINTS: a limit put on another view
    would never be checked, so this names them all."""
    from flask_limiter.util import get_qualified_name

    from receiving_app.security import THROTTLED_ENDPOINTS, limiter

    limited = set(limiter.limit_manager._decorated_limits)
    assert limited, "no limits found: the limiter's bookkeeping has moved"
    endpoints = {endpoint for endpoint, view in app.view_functions.items()
                 if get_qualified_name(view) in limited}
    assert endpoints == THROTTLED_ENDPOINTS


def test_successful_logins_do_not_count_against_the_limit(demo, auth, client):
    demo.config["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per 15 minutes"
    for _ in range(4):
        assert auth.login("dock").status_code == 302
        client.post("/auth/logout", data={"csrf_token": auth.csrf_token("/dock/")})


def test_unknown_user_and_wrong_password_cost_the_same_hash(demo, auth, monkeypatch):
    calls = []
    real = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash",
                        lambda stored, given: calls.append(stored.split(":")[:2]) or
                        real(stored, given))
    auth.login("nobody-at-all", "some-password")
    auth.login("dock", "some-password")
    assert len(calls) == 2 and calls[0] == calls[1]  # same algorithm and cost either way


def test_the_session_changes_at_login_and_planted_values_do_not_survive(demo, app, auth, client):
    client.get("/auth/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    before = client.get_cookie("session").value
    auth.login("dock")
    after = client.get_cookie("session").value
    assert after != before
    with client.session_transaction() as session:
        assert "planted" not in session and session["_user_id"].startswith(
            str(db.session.scalar(sa.select(User.id).where(User.username == "dock"))))


def test_a_password_change_ends_every_other_session(demo, app, auth, client):
    auth.login("dock")
    other_device = app.test_client()
    other_device.set_cookie("session", client.get_cookie("session").value)
    response = client.post("/auth/password", data={
        "csrf_token": auth.csrf_token("/auth/password"), "current": "dockside-demo",
        "new": "a brand new passphrase", "confirm": "a brand new passphrase"})
    assert response.status_code == 302
    assert client.get("/dock/").status_code == 200  # this device stays logged in
    assert other_device.get("/dock/").status_code == 302  # the copied cookie is refused
    client.post("/auth/logout", data={"csrf_token": auth.csrf_token("/dock/")})
    assert auth.login("dock", "dockside-demo").status_code == 401
    assert auth.login("dock", "a brand new passphrase").status_code == 302


def test_a_wrong_current_password_changes_nothing(demo, auth, client):
    auth.login("dock")
    response = client.post("/auth/password", data={
        "csrf_token": auth.csrf_token("/auth/password"), "current": "guess",
        "new": "another passphrase", "confirm": "another passphrase"})
    assert response.status_code == 422
    assert client.get("/dock/").status_code == 200


def test_disabling_a_user_refuses_their_copied_cookie_and_token(demo, app, auth, client, api):
    token_client = api("dock")
    auth.login("dock")
    accounts.set_active(db.session.scalar(sa.select(User).where(User.username == "dock")), False)
    assert client.get("/dock/").status_code == 302
    assert token_client.get("/api/v1/asns/ASN-ACME-0001").status_code == 401


def test_a_password_change_stops_the_users_api_tokens(demo, auth, client, api):
    token_client = api("dock")
    assert token_client.get("/api/v1/asns/ASN-ACME-0001").status_code == 200
    auth.login("dock")
    client.post("/auth/password", data={
        "csrf_token": auth.csrf_token("/auth/password"), "current": "dockside-demo",
        "new": "a brand new passphrase", "confirm": "a brand new passphrase"})
    refused = token_client.get("/api/v1/asns/ASN-ACME-0001")
    assert refused.status_code == 401
    assert refused.get_json()["error"]["code"] == "unauthorized"


def test_logging_out_everywhere_stops_the_users_api_tokens(demo, auth, client, api):
    token_client, other_users_token = api("dock"), api("supervisor")
    auth.login("dock")
    client.post("/auth/logout", data={"csrf_token": auth.csrf_token("/dock/")})
    assert token_client.get("/api/v1/asns/ASN-ACME-0001").status_code == 401
    # another user's token is theirs to end
    assert other_users_token.get("/api/v1/asns/ASN-ACME-0001").status_code == 200


def test_a_user_enabled_again_needs_a_new_token(demo, api):
    token_client = api("dock")
    dock = db.session.scalar(sa.select(User).where(User.username == "dock"))
    accounts.set_active(dock, False)
    accounts.set_active(dock, True)
    assert token_client.get("/api/v1/asns/ASN-ACME-0001").status_code == 401
    assert api("dock").get("/api/v1/asns/ASN-ACME-0001").status_code == 200


def test_long_passwords_are_accepted(demo, runner, auth):
    long_password = "correct horse battery staple " * 4  # 116 characters
    result = runner.invoke(args=["create-user", "longpass", "--role", "dock", "--warehouse",
                                 "LAX1", "--password", long_password])
    assert result.exit_code == 0, result.output
    assert auth.login("longpass", long_password).status_code == 302


def test_remember_me_and_the_session_last_one_shift_at_most(demo, auth, client):
    token = auth.csrf_token("/auth/login")
    response = client.post("/auth/login", data={"username": "dock", "password": "dockside-demo",
                                                "remember": "y", "csrf_token": token})
    cookies = {c.split("=")[0]: c for c in response.headers.getlist("Set-Cookie")}
    assert "remember_token" in cookies and "session" in cookies
    assert "Max-Age" not in cookies["remember_token"] or "Max-Age=43200" in cookies[
        "remember_token"]
    assert demo.config["REMEMBER_COOKIE_DURATION"].total_seconds() <= 12 * 3600
    assert demo.config["PERMANENT_SESSION_LIFETIME"].total_seconds() <= 12 * 3600


HOUR = 3600


@pytest.fixture
def clock(monkeypatch):
    """The server's clock (the session's signature and the login's start), moved by hand."""
    now = [time.time()]
    monkeypatch.setattr(time, "time", lambda: now[0])
    return now


def test_a_session_ends_12_hours_after_login_however_busy_the_shift(demo, auth, client, clock):
    auth.login("dock")
    for _ in range(11):  # a request every hour slides nothing forward
        clock[0] += HOUR
        assert client.get("/dock/").status_code == 200
    clock[0] += HOUR - 60
    assert client.get("/dock/").status_code == 200  # 11:59 after login
    clock[0] += 120
    response = client.get("/dock/")  # 12:01 after login
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_a_remember_cookie_is_refused_12_hours_after_its_login(demo, app, auth, client, clock):
    token = auth.csrf_token("/auth/login")
    client.post("/auth/login", data={"username": "dock", "password": "dockside-demo",
                                     "remember": "y", "csrf_token": token})
    remembered = app.test_client()  # a copy of the remember cookie alone, no session
    remembered.set_cookie("remember_token", client.get_cookie("remember_token").value)
    clock[0] += 11 * HOUR
    assert remembered.get("/dock/").status_code == 200
    clock[0] += 2 * HOUR
    assert remembered.get("/dock/").status_code == 302


def test_a_password_change_does_not_restart_the_12_hours(demo, auth, client, clock):
    auth.login("dock")
    clock[0] += 6 * HOUR
    client.post("/auth/password", data={
        "csrf_token": auth.csrf_token("/auth/password"), "current": "dockside-demo",
        "new": "a brand new passphrase", "confirm": "a brand new passphrase"})
    clock[0] += 5 * HOUR
    assert client.get("/dock/").status_code == 200
    clock[0] += 2 * HOUR
    assert client.get("/dock/").status_code == 302


def test_the_limits_use_shared_storage_when_configured(tmp_path):
    app = make_app(f"sqlite:///{tmp_path}/x.sqlite", tmp_path,
                   RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15")
    from receiving_app.security import limiter

    assert type(limiter._storage).__name__ == "RedisStorage"
    assert app.config["RATELIMIT_STORAGE_URI"].startswith("redis://")


@pytest.fixture
def production(sqlite_demo_template, tmp_path):
    """The demo data served with production settings, over HTTPS."""
    path = tmp_path / "production.sqlite"
    shutil.copy(sqlite_demo_template, path)
    app = make_app(f"sqlite:///{path}", tmp_path, APP_ENV="production")
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_production_cookies_are_host_prefixed_so_no_subdomain_can_plant_them(production):
    phone = production.test_client()
    https = {"base_url": "https://dock.example", "headers": {
        "Referer": "https://dock.example/auth/login"}}  # CSRF checks the referrer on HTTPS
    page = phone.get("/auth/login", **https).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = phone.post("/auth/login", data={"username": "dock", "password": "dockside-demo",
                                               "remember": "y", "csrf_token": token}, **https)
    assert response.status_code == 302
    cookies = {c.split("=")[0]: c for c in response.headers.getlist("Set-Cookie")}
    assert set(cookies) == {"__Host-session", "__Host-remember_token"}
    for cookie in cookies.values():  # what a browser demands of a __Host- cookie
        assert "; Secure" in cookie and "; Path=/;" in cookie + ";" and "Domain=" not in cookie
    assert phone.get("/dock/", **https).status_code == 200
