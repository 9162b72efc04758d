"""Sellers, users and their API tokens."""
import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UtcDateTime, enum_column, utcnow


class Role(enum.StrEnum):
    DOCK = "dock"
    SUPERVISOR = "supervisor"
    SELLER = "seller"
    ADMIN = "admin"


class Seller(db.Model):
    __tablename__ = "sellers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    # overrides the warehouse's receipt_hours when set (a contract with this seller)
    receipt_hours: Mapped[int | None]

    def __repr__(self) -> str:
        return f"<Seller {self.code}>"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    seller_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sellers.id"), index=True)
    warehouse_id: Mapped[int | None] = mapped_column(sa.ForeignKey("warehouses.id"))
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped at logout and password change: every session cookie carries it, so older
    # cookies stop working everywhere at once.
    session_version: Mapped[int] = mapped_column(default=1)
    # "en" or "zh_Hans"; None follows the browser's Accept-Language
    locale: Mapped[str | None] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    seller: Mapped[Seller | None] = relationship()
    warehouse: Mapped["Warehouse | None"] = relationship()  # noqa: F821

    @property
    def is_active(self) -> bool:
        return self.active

    # When the login this object was loaded for began (Unix seconds). Not a column: each
    # login's cookies carry their own (see get_id), so a login ends a shift after it began.
    logged_in_at = None

    def get_id(self) -> str:
        """What a login's cookies carry: "<id>.<session version>.<login time>"."""
        return f"{self.id}.{self.session_version}.{self.logged_in_at}"

    @property
    def is_staff(self) -> bool:
        return self.role is not Role.SELLER

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # SHA-256 of the token: a leaked database does not leak working tokens
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    user: Mapped[User] = relationship()
