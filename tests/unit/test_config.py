"""Configuration read from the environment, and the production refusals."""
import pytest
from werkzeug.security import generate_password_hash

from config import database_url
from receiving_app import create_app


def test_postgres_urls_get_the_psycopg_driver(tmp_path):
    assert database_url("postgres://u@h/db", tmp_path) == "postgresql+psycopg://u@h/db"
    assert database_url("postgresql://u@h/db", tmp_path) == "postgresql+psycopg://u@h/db"


def test_no_database_url_means_a_sqlite_file_in_the_instance_folder(tmp_path):
    assert database_url(None, tmp_path) == f"sqlite:///{tmp_path / 'dockside.sqlite'}"


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"APP_ENV": "production", "SECRET_KEY": None,
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})


def test_production_cookies_are_secure_httponly_and_lax(tmp_path):
    app = create_app({"APP_ENV": "production", "SECRET_KEY": "k" * 32,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["MAX_CONTENT_LENGTH"] == 20 * 1024 * 1024


def test_production_passwords_are_scrypt_with_n_of_at_least_2_to_the_17(tmp_path):
    app = create_app({"APP_ENV": "production", "SECRET_KEY": "k" * 32,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})
    method = app.config["PASSWORD_HASH_METHOD"]
    algorithm, n, r, p = method.split(":")
    assert algorithm == "scrypt" and int(n) >= 2**17
    assert generate_password_hash("a long passphrase", method=method).startswith(f"scrypt:{n}:")
