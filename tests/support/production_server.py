"""gunicorn started as the README's "Deploying" section starts it (`gunicorn wsgi:app` in
the project folder, so with its gunicorn.conf.py), production settings, on a free port."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 30


def production_environment(database: Path, folder: Path, **settings: str) -> dict[str, str]:
    """What a production host sets: APP_ENV, SECRET_KEY, DATABASE_URL, and `settings`."""
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("DATABASE_URL", "TEST_DATABASE_URL", "WEB_CONCURRENCY",
                                "RATELIMIT_STORAGE_URI", "GUNICORN_CMD_ARGS")}
    environment.update(APP_ENV="production", SECRET_KEY="production-like-secret",
                       DATABASE_URL=f"sqlite:///{database}", PHOTO_ROOT=str(folder / "photos"),
                       **settings)
    return environment


def gunicorn_command(port: int) -> list[str]:
    return [str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{port}",
            "wsgi:app"]


def copy_of(template: Path, folder: Path) -> Path:
    database = folder / "production.sqlite"
    shutil.copy(template, database)
    return database


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def production_server(environment: dict[str, str], log: Path):
    """Yields the server's base URL once /healthz answers; stops master and workers after."""
    port = free_port()
    with open(log, "wb") as output:
        process = subprocess.Popen(gunicorn_command(port), cwd=ROOT, env=environment,
                                   stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}:\n"
                                   f"{log.read_text()}")
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer in time:\n{log.read_text()}")
            time.sleep(0.2)
        yield url
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
