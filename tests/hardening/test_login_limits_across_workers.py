"""Login throttling holds for the whole server, not per gunicorn worker: production refuses
several workers with in-process counters, and with Redis the limit is exact across them.
(With in-process counters, 37 of 45 wrong passwords were checked across four workers
against a limit of 10.)"""
import os
import re
import subprocess
import uuid

import httpx
import pytest

from receiving_app.accounts import create_user
from receiving_app.extensions import db
from tests.conftest import make_app
from tests.support.production_server import (
    ROOT, copy_of, free_port, gunicorn_command, production_environment, production_server,
)

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ATTEMPTS = 45
LIMIT = 10


def test_production_refuses_several_workers_with_in_process_login_counters(
        sqlite_demo_template, tmp_path):
    environment = production_environment(copy_of(sqlite_demo_template, tmp_path), tmp_path,
                                         WEB_CONCURRENCY="4")
    try:
        started = subprocess.run(gunicorn_command(free_port()), cwd=ROOT, env=environment,
                                 capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("gunicorn started four workers with in-process login counters")
    assert started.returncode != 0
    assert "RATELIMIT_STORAGE_URI" in started.stderr


@pytest.fixture
def redis_url() -> str:
    """The Redis the limits share; skipped when there is none, except under CI=true."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"no Redis at {REDIS_URL} under CI: {error}")
        pytest.skip(f"no Redis at {REDIS_URL} ({error}); set TEST_REDIS_URL")
    return REDIS_URL


def test_with_redis_four_workers_check_exactly_the_limit_of_wrong_passwords(
        sqlite_demo_template, tmp_path, redis_url):
    database = copy_of(sqlite_demo_template, tmp_path)
    username = f"dock-{uuid.uuid4().hex[:12]}"  # its own counter in the shared Redis
    app = make_app(f"sqlite:///{database}", tmp_path)
    with app.app_context():
        create_user(username, "the right passphrase", "dock", warehouse_code="LAX1")
        db.session.remove()
        db.engine.dispose()
    environment = production_environment(
        database, tmp_path, WEB_CONCURRENCY="4", RATELIMIT_STORAGE_URI=redis_url,
        LOGIN_LIMIT_PER_ACCOUNT=f"{LIMIT} per 15 minutes",
        LOGIN_LIMIT_PER_ADDRESS="1000 per 15 minutes")  # only the account's limit counts
    with production_server(environment, tmp_path / "gunicorn.log") as url:
        answers = [wrong_password(url, username) for _ in range(ATTEMPTS)]
    assert answers.count(401) == LIMIT  # checked
    assert answers.count(429) == ATTEMPTS - LIMIT  # refused unchecked


def wrong_password(url: str, username: str) -> int:
    """One attempt through the login form, each request on a connection of its own (so the
    attempts spread over the workers); production cookies are kept by hand (Secure ones
    travel over plain HTTP only here)."""
    with httpx.Client(base_url=url, timeout=30) as client:
        page = client.get("/auth/login")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    cookies = "; ".join(header.split(";", 1)[0]
                        for header in page.headers.get_list("set-cookie"))
    with httpx.Client(base_url=url, timeout=30) as client:
        return client.post("/auth/login", headers={"Cookie": cookies}, data={
            "username": username, "password": "a wrong guess", "csrf_token": token}).status_code
