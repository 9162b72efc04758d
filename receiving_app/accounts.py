"""Users, passwords, API tokens and each user's language."""
import hashlib
import secrets
import time
from typing import Annotated

import sqlalchemy as sa
from flask import current_app
from pydantic import Field, StrictStr
from werkzeug.security import check_password_hash, generate_password_hash

from .errors import InvalidInput
from .extensions import db
from .i18n import SUPPORTED_LOCALES
from .models import ApiToken, Role, Seller, User, Warehouse, utcnow
from .payloads import Payload, checked, checked_value, says, text

MAX_PASSWORD_LENGTH = 1024
MIN_PASSWORD_LENGTH = 8
_dummy_hash: dict[str, str] = {}
USER_REFUSED = "The user could not be created."
# Any characters: a password is hashed, never stored or shown.
PASSWORD = Annotated[StrictStr, Field(min_length=MIN_PASSWORD_LENGTH,
                                      max_length=MAX_PASSWORD_LENGTH),
                     says(f"{MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters")]


class NewUser(Payload):
    username: text(80, required=True, blank="1 to 80 characters")
    password: PASSWORD


def hash_password(password: str) -> str:
    # scrypt with N = 2^17 in production (config PASSWORD_HASH_METHOD).
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def create_user(
    username: str, password: str, role: Role | str, *,
    seller_code: str | None = None, warehouse_code: str | None = None,
) -> User:
    """Create a user; a seller user belongs to one seller, staff to a warehouse."""
    role = Role(role)
    errors = []
    try:
        username = checked(NewUser, {"username": username, "password": password},
                           USER_REFUSED).username
    except InvalidInput as refused:
        username, errors = "", list(refused.details)
    if username and db.session.scalar(sa.select(User.id).where(User.username == username)):
        errors.append({"path": "username", "message": f"{username} is taken"})
    seller = warehouse = None
    if role is Role.SELLER:
        seller = db.session.scalar(sa.select(Seller).where(Seller.code == (seller_code or "")))
        if seller is None:
            errors.append({"path": "seller", "message": "a seller user needs an existing --seller"})
    elif warehouse_code:
        warehouse = db.session.scalar(sa.select(Warehouse).where(Warehouse.code == warehouse_code))
        if warehouse is None:
            errors.append({"path": "warehouse", "message": f"no warehouse {warehouse_code}"})
    elif role is not Role.ADMIN:
        errors.append({"path": "warehouse", "message": "staff need a --warehouse"})
    if errors:
        raise InvalidInput(USER_REFUSED, errors)
    user = User(username=username, password_hash=hash_password(password), role=role,
                seller=seller, warehouse=warehouse)
    db.session.add(user)
    db.session.commit()
    return user


def authenticate(username: str, password: str) -> User | None:
    """The user for a correct username and password, stamped with this login's start;
    else None.

    An unknown username costs the same hash as a wrong password, so timing does not tell
    which usernames exist.
    """
    user = db.session.scalar(sa.select(User).where(User.username == username))
    stored = user.password_hash if user is not None and user.active else None
    # End the read before the deliberately slow hash: on SQLite a login's transaction holds
    # the write lock, and every scan on the dock would wait for this password check.
    db.session.commit()
    if stored is None:
        check_password_hash(_dummy_password_hash(), password)
        return None
    if not check_password_hash(stored, password):
        return None
    user.logged_in_at = int(time.time())
    return user


def login_is_current(logged_in_at: int) -> bool:
    """A login lasts LOGIN_LIFETIME from the moment it began, however busy the shift."""
    return time.time() - logged_in_at <= current_app.config["LOGIN_LIFETIME"].total_seconds()


def _dummy_password_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _dummy_hash:
        _dummy_hash[method] = generate_password_hash(secrets.token_hex(16), method=method)
    return _dummy_hash[method]


def end_all_sessions(user: User) -> None:
    """Log the user out everywhere: every session cookie and every API token stops working."""
    _end_sessions_and_tokens(user)
    db.session.commit()


def _end_sessions_and_tokens(user: User) -> None:
    # Cookies carry the session version, so bumping it ends them all; a token carries
    # nothing that changes, so each is revoked (and stays revoked: a new one is minted).
    user.session_version += 1
    db.session.execute(sa.update(ApiToken)
                       .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                       .values(revoked_at=utcnow()))


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password after checking the current one; ends every other session and
    every API token of the user."""
    if not check_password_hash(user.password_hash, current):
        raise InvalidInput("The current password is wrong.",
                           [{"path": "current", "message": "wrong password"}])
    checked_value(PASSWORD, new, "new",
                  f"Use {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters.")
    user.password_hash = hash_password(new)
    _end_sessions_and_tokens(user)
    db.session.commit()


def set_active(user: User, active: bool) -> None:
    """Disable (or enable again) a user; every session and API token ends either way, so
    a user enabled again logs in afresh and needs a new token."""
    user.active = active
    _end_sessions_and_tokens(user)
    db.session.commit()


def set_user_locale(user: User, locale: str | None) -> User:
    """Save the user's language; None (or "") follows the browser again."""
    locale = locale or None
    if locale is not None and locale not in SUPPORTED_LOCALES:
        raise InvalidInput("Unknown language.", [{"path": "locale", "message":
                                                  "one of " + ", ".join(SUPPORTED_LOCALES)}])
    user.locale = locale
    db.session.commit()
    return user


def create_api_token(user: User) -> str:
    """A new API token for the user; only its SHA-256 is stored, so it is shown once."""
    token = "dks_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=_token_hash(token)))
    db.session.commit()
    return token


def user_for_token(token: str) -> User | None:
    """The active user an API token belongs to, or None."""
    api_token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == _token_hash(token),
                                  ApiToken.revoked_at.is_(None))
    )
    if api_token is None or not api_token.user.active:
        return None
    return api_token.user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
