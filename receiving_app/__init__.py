"""Dockside: warehouse receiving with evidence.

Importing the package imports nothing else, so that a part of it can run without the app
(the photo cleaning child process, receiving_app/evidence/isolated.py).
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, commands. Nothing else."""
    from flask import Flask

    from config import Config

    from .extensions import csrf, db, login_manager, migrate

    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(Path(__file__).parent.parent / "templates"),
        static_folder=str(Path(__file__).parent.parent / "static"),
    )
    app.config.from_object(Config)
    if test_config:
        app.config.from_mapping(test_config)
    _finish_config(app)

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(Path(__file__).parent.parent / "migrations"), render_as_batch=True
    )
    login_manager.init_app(app)
    csrf.init_app(app)

    from .i18n import init_i18n

    init_i18n(app)

    from . import database, models  # noqa: F401  (models register their tables)

    with app.app_context():
        database.configure_engine(db.engine, app.config)

    from .inventory.stock_events import init_stock_events

    init_stock_events()

    from .security import init_security

    init_security(app)
    from .web.whole_body import ReceiveWholeBody

    app.wsgi_app = ReceiveWholeBody(app.wsgi_app, app.config["MAX_CONTENT_LENGTH"])
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    from .web import register_web

    register_web(app)

    from .cli import register_commands

    register_commands(app)
    return app


def _finish_config(app: Flask) -> None:
    """Derive what depends on the instance folder and refuse unsafe production settings."""
    from config import database_url, is_production

    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(
        app.config.get("SQLALCHEMY_DATABASE_URI") or app.config.get("DATABASE_URL"), instance
    )
    app.config.setdefault("PHOTO_ROOT", None)
    app.config["PHOTO_ROOT"] = app.config["PHOTO_ROOT"] or str(instance / "photos")
    env = app.config["APP_ENV"]
    if not app.config.get("SECRET_KEY"):
        if env != "development":
            raise RuntimeError("SECRET_KEY must be set outside development")
        app.config["SECRET_KEY"] = _development_secret(instance)
    # Cookies travel over HTTPS only, except on a developer's laptop and in tests.
    secure = is_production(env)
    app.config["SESSION_COOKIE_SECURE"] = secure
    app.config["REMEMBER_COOKIE_SECURE"] = secure
    if secure:
        # __Host- cookies: set by this host for its whole site only (Secure, Path=/, no
        # Domain), so a sibling subdomain cannot plant a session on the dock's phones.
        app.config.update(
            SESSION_COOKIE_NAME="__Host-session", REMEMBER_COOKIE_NAME="__Host-remember_token",
            SESSION_COOKIE_DOMAIN=None, REMEMBER_COOKIE_DOMAIN=None,
            SESSION_COOKIE_PATH="/", REMEMBER_COOKIE_PATH="/",
        )
    app.config.setdefault("PASSWORD_HASH_METHOD", "scrypt:131072:8:1")


def _development_secret(instance: Path) -> str:
    """A random key kept in the instance folder, so a restart keeps people logged in."""
    import secrets

    path = instance / "dev_secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()
