"""Security headers on every response."""
import pytest

from receiving_app.security import CONTENT_SECURITY_POLICY
from tests.conftest import make_app


@pytest.mark.parametrize("path", ["/auth/login", "/healthz", "/static/app.css", "/dock/"])
def test_every_response_carries_the_security_headers(demo, client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "'unsafe-eval'" not in csp
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'",
                      "default-src 'self'"):
        assert directive in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"


def test_pages_and_api_answers_stay_out_of_shared_caches(demo, auth, client, api):
    auth.login("acme")
    page = client.get("/seller/")
    assert "no-store" in page.headers["Cache-Control"] and "private" in page.headers[
        "Cache-Control"]
    answer = api("acme").get("/api/v1/asns/ASN-ACME-0001")
    assert "private" in answer.headers["Cache-Control"]


def test_hsts_outside_development_only(tmp_path, demo, client):
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    production = make_app(f"sqlite:///{tmp_path}/p.sqlite", tmp_path, APP_ENV="production")
    headers = production.test_client().get("/healthz").headers
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_pages_contain_no_inline_script_or_style(demo, auth, client):
    import re

    auth.login("supervisor")
    for path in ("/review/", "/dock/", "/dock/asns/ASN-ACME-0001", "/auth/password"):
        page = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), path
        assert " style=" not in page and "<style" not in page, path
        assert not re.search(r"\son[a-z]+=", page), path
        assert "hx-on" not in page, path
    assert CONTENT_SECURITY_POLICY.count("'self'") >= 5
