"""Configuration, read from the environment.

`Config` is what production and `make run` use; `TestConfig` is what the tests use.
"""
import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def is_production(app_env: str) -> bool:
    """Everywhere but a developer's laptop and the tests: HTTPS, secrets, shared limits."""
    return app_env not in ("development", "test")


def database_url(url: str | None, instance_path: Path) -> str:
    """Turn DATABASE_URL into a SQLAlchemy URL, defaulting to a SQLite file.

    Hosting platforms hand out `postgres://` and `postgresql://`; SQLAlchemy wants the
    driver named, and the driver we ship is psycopg 3.
    """
    if not url:
        return f"sqlite:///{instance_path / 'dockside.sqlite'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    # "development" relaxes what a laptop cannot have (a secret key, HTTPS cookies).
    APP_ENV = os.environ.get("APP_ENV", "production")
    SECRET_KEY = os.environ.get("SECRET_KEY")
    DATABASE_URL = os.environ.get("DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # A phone photo is 2-8 MB; HEIC less. Anything over this is refused with 413.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_MB", "20")) * 1024 * 1024
    # The longest URL (path and query string) and the largest headers the app reads; beyond
    # them it answers 414 or 431 itself, the API in its JSON error. gunicorn's own limits
    # (gunicorn.conf.py) sit above these, so a client rarely meets gunicorn's HTML answer.
    MAX_URL_BYTES = 4096
    MAX_HEADER_FIELDS = 100
    MAX_HEADER_FIELD_BYTES = 8190
    PHOTO_ROOT = os.environ.get("PHOTO_ROOT")  # default: <instance>/photos
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # a shift is long; the token lives as long as the session
    # A login lasts one shift at most, remembered or not, counted from the login: a busy
    # shift does not slide it forward (the cookies carry when the login began).
    LOGIN_LIFETIME = timedelta(hours=12)
    PERMANENT_SESSION_LIFETIME = LOGIN_LIFETIME
    REMEMBER_COOKIE_DURATION = LOGIN_LIFETIME
    # Login throttling; shared storage (e.g. redis://127.0.0.1:6379) makes the limits hold
    # across gunicorn workers.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "10 per 15 minutes")
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "50 per 15 minutes")
    # Behind a reverse proxy: how many X-Forwarded-For hops to trust (0 = none).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    SQLITE_BUSY_TIMEOUT_MS = 5000
    # In WAL mode NORMAL never corrupts the database; a power cut may lose the last
    # commits, not a process crash. Tests need no durability at all.
    SQLITE_SYNCHRONOUS = "NORMAL"
    TESTING = False


class TestConfig(Config):
    APP_ENV = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key"
    # The same algorithm as production at a thousandth of the work: tests log in thousands
    # of times, and the strength of a test password protects nothing.
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"
    SQLITE_SYNCHRONOUS = "OFF"
