"""An ERP reads every refusal of the API as its JSON error, also for the requests refused for
their size: a URL too long (414), headers too large (431), a body too large (413). gunicorn
runs as production runs it (gunicorn.conf.py), on a SQLite copy of the demo."""
import socket

import httpx
import pytest

from config import Config
from receiving_app.accounts import create_api_token
from receiving_app.extensions import db
from tests.conftest import make_app
from tests.support.builders import user
from tests.support.production_server import copy_of, production_environment, production_server

UPLOAD_MB = 1


@pytest.fixture(scope="module")
def served(sqlite_demo_template, tmp_path_factory):
    """The demo served by gunicorn (uploads up to 1 MB), and a token of ACME's ERP."""
    folder = tmp_path_factory.mktemp("limits")
    database = copy_of(sqlite_demo_template, folder)
    app = make_app(f"sqlite:///{database}", folder)
    with app.app_context():
        token = create_api_token(user("acme"))
        db.session.remove()
        db.engine.dispose()
    environment = production_environment(database, folder, MAX_UPLOAD_MB=str(UPLOAD_MB))
    with production_server(environment, folder / "gunicorn.log") as url:
        yield url, {"Authorization": f"Bearer {token}"}


def json_error(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text[:300]
    assert response.headers["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] and error["message"] and error["details"] == []
    return error


def test_an_api_url_longer_than_the_app_reads_is_a_json_414(served):
    url, token = served
    number = "A" * Config.MAX_URL_BYTES
    error = json_error(httpx.get(f"{url}/api/v1/asns/{number}", headers=token), 414)
    assert str(Config.MAX_URL_BYTES) in error["message"]
    # the same from a path no route knows, and from a long query string
    json_error(httpx.get(f"{url}/api/v1/{number}", headers=token), 414)
    json_error(httpx.get(f"{url}/api/v1/exceptions", params={"kind": number}, headers=token),
               414)


def test_a_page_url_longer_than_the_app_reads_is_the_error_page(served):
    url, _token = served
    response = httpx.get(f"{url}/dock/asns/{'A' * Config.MAX_URL_BYTES}")
    assert response.status_code == 414
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<h1>Request URI Too Long</h1>" in response.text


def test_api_headers_larger_than_the_app_reads_are_a_json_431(served):
    url, token = served
    big = {"X-Note": "x" * Config.MAX_HEADER_FIELD_BYTES} | token
    error = json_error(httpx.get(f"{url}/api/v1/exceptions", headers=big), 431)
    assert "X-Note" in error["message"]
    many = {f"X-Note-{n}": "x" for n in range(Config.MAX_HEADER_FIELDS)} | token
    json_error(httpx.get(f"{url}/api/v1/exceptions", headers=many), 431)


def test_an_api_body_larger_than_the_app_takes_is_a_json_413_before_it_is_sent(served):
    url, token = served
    host, port = url.removeprefix("http://").split(":")
    declared = UPLOAD_MB * 1024 * 1024 + 1
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall((f"POST /api/v1/asns HTTP/1.1\r\nHost: {host}\r\n"
                      f"Authorization: {token['Authorization']}\r\n"
                      f"Content-Type: application/json\r\nContent-Length: {declared}\r\n\r\n"
                      ).encode())
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            if not (chunk := sock.recv(65536)):
                break
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 "), head
    assert b"Content-Type: application/json" in head
    assert b'"code":"request_entity_too_large"' in body


def test_an_unknown_api_path_and_a_wrong_method_answer_in_json(served):
    url, token = served
    assert json_error(httpx.get(f"{url}/api/v1/nothing-here", headers=token),
                      404)["code"] == "not_found"
    assert json_error(httpx.delete(f"{url}/api/v1/asns", headers=token),
                      405)["code"] == "method_not_allowed"


def test_beyond_twice_the_apps_limits_gunicorn_answers_itself(served):
    """What the README promises: the app answers up to these limits, gunicorn beyond."""
    url, token = served
    response = httpx.get(f"{url}/api/v1/asns/{'A' * 8200}", headers=token)
    assert response.status_code == 414 and "json" not in response.headers["Content-Type"]
    big = {"X-Note": "x" * (2 * Config.MAX_HEADER_FIELD_BYTES)} | token
    response = httpx.get(f"{url}/api/v1/exceptions", headers=big)
    assert response.status_code == 431 and "json" not in response.headers["Content-Type"]
