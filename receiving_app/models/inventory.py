"""The inventory ledger: append-only movements, and the balances they add up to."""
import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UtcDateTime, enum_column, utcnow


class Bucket(enum.StrEnum):
    IN_TRANSIT = "in_transit"
    RECEIVING = "receiving"
    ON_HAND = "on_hand"
    QUARANTINE = "quarantine"
    RESERVED = "reserved"


class Movement(db.Model):
    """One change of one balance. Never updated or deleted: a mistake is reversed by a new row."""

    __tablename__ = "movements"

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(sa.ForeignKey("warehouses.id"))
    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("sellers.id"))
    sku_id: Mapped[int] = mapped_column(sa.ForeignKey("skus.id"), index=True)
    location_id: Mapped[int | None] = mapped_column(sa.ForeignKey("locations.id"))
    bucket: Mapped[Bucket] = mapped_column(enum_column(Bucket))
    qty: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.String(32))
    asn_id: Mapped[int | None] = mapped_column(sa.ForeignKey("asns.id"), index=True)
    carton_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cartons.id"), index=True)
    exception_id: Mapped[int | None] = mapped_column(sa.ForeignKey("exceptions.id"))
    adjustment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("adjustments.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Balance(db.Model):
    """The running total of one (warehouse, seller, SKU, location, bucket)."""

    __tablename__ = "balances"
    __table_args__ = (
        sa.UniqueConstraint("warehouse_id", "seller_id", "sku_id", "location_key", "bucket"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(sa.ForeignKey("warehouses.id"))
    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("sellers.id"))
    sku_id: Mapped[int] = mapped_column(sa.ForeignKey("skus.id"), index=True)
    location_id: Mapped[int | None] = mapped_column(sa.ForeignKey("locations.id"))
    # location_id or 0: NULLs never collide in a unique constraint, on either database,
    # and the upsert needs the key to collide
    location_key: Mapped[int] = mapped_column(default=0)
    bucket: Mapped[Bucket] = mapped_column(enum_column(Bucket))
    qty: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    sku: Mapped["Sku"] = relationship()  # noqa: F821
    location: Mapped["Location | None"] = relationship()  # noqa: F821
