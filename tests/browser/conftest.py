"""Real-browser tests: the app served by gunicorn on a free local port, on a SQLite database
migrated and seeded with `flask seed-demo`, driven by Debian's Chromium through Playwright
at Pixel 7 size.

Every test gets its own server on a fresh copy of the seeded database, so tests never see
each other's scans. Without /usr/bin/chromium (or Playwright) the tests are skipped with a
message, except under CI=true, where a missing browser fails the run.
"""
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]
DEVICE = "Pixel 7"
PASSWORD = "dockside-demo"
SERVER_START_SECONDS = 20


def _missing_browser() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -r requirements.txt)"
    if not CHROMIUM.exists():
        return (f"{CHROMIUM} is missing: install Debian's chromium (`make test` does so as "
                "root) to run the browser tests")
    return None


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """The browser, or a skip saying why not; under CI=true a missing browser is a failure."""
    missing = _missing_browser()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests cannot run under CI: {missing}")
        pytest.skip(missing)
    return CHROMIUM


# --- the server -------------------------------------------------------------------------

def _server_env(database: Path, folder: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    env.update(APP_ENV="test", SECRET_KEY="browser-tests-secret", DATABASE_URL=f"sqlite:///{database}",
               PHOTO_ROOT=str(folder / "photos"), PYTHONUNBUFFERED="1")
    return env


@pytest.fixture(scope="session")
def seeded_database(chromium_path, tmp_path_factory) -> Path:
    """The demo database, built once through the real commands, copied for every test."""
    folder = tmp_path_factory.mktemp("browser-seed")
    database = folder / "demo.sqlite"
    env = _server_env(database, folder)
    for command in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", *command], cwd=ROOT, env=env,
                       check=True, capture_output=True)
    assert not Path(f"{database}-wal").exists()
    return database


@dataclass
class LiveServer:
    """The app in its own gunicorn process; `app_context` opens its database for assertions."""

    url: str
    database: Path
    folder: Path
    log: Path
    _app: object = field(default=None, repr=False)

    @contextmanager
    def app_context(self):
        """The server's database, seen from the test (a second process, like a supervisor)."""
        from receiving_app.extensions import db
        from tests.conftest import make_app

        if self._app is None:
            self._app = make_app(f"sqlite:///{self.database}", self.folder)
        with self._app.app_context():
            db.session.expire_all()
            yield self._app
            db.session.remove()

    def api_post(self, username: str, path: str, json: dict | None = None) -> httpx.Response:
        """Someone else at work meanwhile, through the JSON API (a supervisor, a colleague)."""
        from receiving_app.accounts import create_api_token
        from tests.support.builders import user

        with self.app_context():
            token = create_api_token(user(username))
        return httpx.post(f"{self.url}{path}", headers={"Authorization": f"Bearer {token}"},
                          json=json or {}, timeout=10)


def _free_socket() -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.set_inheritable(True)
    return listener


@pytest.fixture
def live_server(seeded_database, tmp_path) -> Iterator[LiveServer]:
    """gunicorn on a free port (its socket handed over, so no other process can take it)."""
    database = tmp_path / "dockside.sqlite"
    shutil.copy(seeded_database, database)
    listener = _free_socket()
    port = listener.getsockname()[1]
    log = tmp_path / "server.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "--bind", f"fd://{listener.fileno()}", "--workers", "1",
             "--threads", "8", "--timeout", "30", "--access-logfile", "-", "wsgi:app"],
            cwd=ROOT, env=_server_env(database, tmp_path), stdout=output,
            stderr=subprocess.STDOUT, pass_fds=[listener.fileno()])
    listener.close()
    server = LiveServer(url=f"http://127.0.0.1:{port}", database=database, folder=tmp_path,
                        log=log)
    try:
        _wait_until_up(server, process)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(server: LiveServer, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited:\n{server.log.read_text()}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not start:\n{server.log.read_text()}")


# --- the browser --------------------------------------------------------------------------

@pytest.fixture(scope="session")
def playwright_instance(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance, chromium_path):
    browser = playwright_instance.chromium.launch(executable_path=str(chromium_path),
                                                  args=LAUNCH_ARGS)
    yield browser
    browser.close()


class Phone:
    """A worker's phone: a Pixel 7 browser context on the live server, failing the test on
    any uncaught script error or Content-Security-Policy violation."""

    def __init__(self, browser, device: dict, server: LiveServer, **options):
        from playwright.sync_api import expect

        settings = {k: v for k, v in device.items() if k != "default_browser_type"}
        settings.update(base_url=server.url, service_workers="allow")
        settings.update(options)
        self.server = server
        self.context = browser.new_context(**settings)
        self.context.set_default_timeout(10_000)
        expect.set_options(timeout=10_000)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.watch(self.page)

    def watch(self, page) -> None:
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        page.on("console", self._console)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.problems.append(f"CSP: {message.text}")

    def login(self, username: str, next_path: str | None = None):
        """Log in through the real form; lands on the role's home (or `next_path`)."""
        page = self.page
        page.goto(f"/auth/login?next={next_path}" if next_path else "/auth/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_load_state()
        return page

    def scan(self, code: str, input_selector: str | None = None) -> None:
        """A keyboard-wedge scan: the characters, then Enter, into the focused scan input."""
        page = self.page
        if input_selector:
            page.locator(input_selector).focus()
        self.wait_for_scan_focus()
        page.keyboard.type(code)
        page.keyboard.press("Enter")

    def wait_for_scan_focus(self) -> None:
        """The last swap has settled and the scan input has the focus again (well before a
        worker's next scan)."""
        self.page.wait_for_function(
            "() => document.activeElement.matches('[data-scan-input]') && !document"
            ".querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')",
            timeout=2_000)

    def close(self) -> list[str]:
        """Close the context; returns the script errors and CSP violations seen."""
        self.context.close()
        return self.problems


@pytest.fixture
def device(playwright_instance) -> dict:
    return playwright_instance.devices[DEVICE]


@pytest.fixture
def phone(browser, device, live_server) -> Iterator[Phone]:
    """A dock worker's phone (not yet logged in)."""
    phone = Phone(browser, device, live_server)
    yield phone
    problems = phone.close()
    assert not problems, problems
