"""Fixtures: a fresh database per test, on SQLite always and, for the tests marked
`both_databases`, on PostgreSQL too when TEST_DATABASE_URL is set; a client, a CLI runner,
and helpers to log in and call the API.

Speed: the migrated database, and the one seeded with the demo data, are built once per run
and copied for every test (SQLite); passwords hash with a cheap scrypt (TestConfig).
"""
import os
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask.testing import FlaskClient

from config import TestConfig, database_url
from receiving_app import create_app
from receiving_app.extensions import db

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
POSTGRES = pytest.param("postgres", marks=[
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="TEST_DATABASE_URL not set"),
])


def pytest_generate_tests(metafunc):
    """Every database test runs on SQLite; those marked `both_databases` (what PostgreSQL can
    change: concurrency, locking, migrations, the ledger, bulk inserts, reports and a sample
    of the web doors) run on PostgreSQL as well."""
    if "backend" not in metafunc.fixturenames:
        return
    backends = ["sqlite"]
    if metafunc.definition.get_closest_marker("both_databases"):
        backends.append(POSTGRES)
    metafunc.parametrize("backend", backends, indirect=True)


class RequestClient(FlaskClient):
    """A test client whose every request runs in its own app context, as on a real server.

    The tests hold an app context to use the database; without this, requests would share
    its `g` and its database session, which no production request ever does.
    """

    def open(self, *args, **kwargs):
        # The test's own transaction ends first, as another actor's would: on SQLite an
        # open one holds the write lock the request needs.
        if has_app_context():  # a thread of the test has no session of its own to end
            db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


def make_app(uri: str, tmp_path: Path, **overrides):
    settings = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    settings.update(SQLALCHEMY_DATABASE_URI=uri, PHOTO_ROOT=str(tmp_path / "photos"), **overrides)
    app = create_app(settings)
    app.test_client_class = RequestClient
    return app


def _migrate(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite database, built once and copied for every test."""
    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.sqlite"
    _migrate(make_app(f"sqlite:///{path}", folder))
    assert not Path(f"{path}-wal").exists()
    return path


@pytest.fixture(scope="session")
def sqlite_demo_template(sqlite_template, tmp_path_factory) -> Path:
    """The migrated SQLite database with the demo data, seeded once and copied per test."""
    from receiving_app.demo import seed_demo

    folder = tmp_path_factory.mktemp("demo-template")
    path = folder / "demo.sqlite"
    shutil.copy(sqlite_template, path)
    app = make_app(f"sqlite:///{path}", folder)
    with app.app_context():
        seed_demo()
        db.session.remove()
        db.engine.dispose()
    assert not Path(f"{path}-wal").exists()
    return path


@pytest.fixture(scope="session")
def postgres_migrated(tmp_path_factory) -> str:
    """The PostgreSQL test database, emptied and migrated once per run."""
    uri = database_url(POSTGRES_URL, Path("."))
    engine = sa.create_engine(uri)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    _migrate(make_app(uri, tmp_path_factory.mktemp("pg")))
    return uri


def _truncate_postgres(app) -> None:
    with app.app_context():
        tables = ", ".join(t.name for t in db.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


@pytest.fixture
def backend(request) -> str:
    return request.param


@pytest.fixture
def database_uri(backend, request, tmp_path) -> str:
    if backend == "sqlite":
        # A test that asks for the demo data gets a copy of the database already seeded.
        template = "sqlite_demo_template" if "demo" in request.fixturenames else "sqlite_template"
        path = tmp_path / "test.sqlite"
        shutil.copy(request.getfixturevalue(template), path)
        return f"sqlite:///{path}"
    return request.getfixturevalue("postgres_migrated")


@pytest.fixture
def app(database_uri, backend, tmp_path):
    app = make_app(database_uri, tmp_path)
    if backend == "postgres":
        # Emptied before each test, not after: the next test would only empty it again.
        _truncate_postgres(app)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def demo(app, backend):
    """The demo data of `flask seed-demo`: LAX1, ACME, NOVA, two ASNs, a user per role.

    On SQLite the database was copied from the seeded template; PostgreSQL seeds it here.
    """
    if backend == "postgres":
        from receiving_app.demo import seed_demo

        seed_demo()
        db.session.remove()
    return app


class Auth:
    """Log a test client in and out through the real login form."""

    def __init__(self, client):
        self.client = client

    def login(self, username: str, password: str = "dockside-demo"):
        token = self.csrf_token("/auth/login")
        return self.client.post("/auth/login", data={
            "username": username, "password": password, "csrf_token": token})

    def csrf_token(self, path: str) -> str:
        import re

        page = self.client.get(path).get_data(as_text=True)
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
            re.search(r'"X-CSRFToken": "([^"]+)"', page)
        assert match, f"no CSRF token on {path}"
        return match.group(1)


@pytest.fixture
def auth(client):
    return Auth(client)


class Api:
    """Call the JSON API as a user, with a freshly minted token."""

    def __init__(self, app, username: str):
        from receiving_app.accounts import create_api_token
        from receiving_app.models import User

        user = db.session.scalar(sa.select(User).where(User.username == username))
        self.token = create_api_token(user)
        self.client = app.test_client()

    def _headers(self, extra=None):
        headers = {"Authorization": f"Bearer {self.token}"}
        headers.update(extra or {})
        return headers

    def get(self, path, **kwargs):
        return self.client.get(path, headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def post(self, path, json=None, **kwargs):
        return self.client.post(path, json=json, headers=self._headers(kwargs.pop("headers", None)),
                                **kwargs)


@pytest.fixture
def api(demo):
    return lambda username: Api(demo, username)
