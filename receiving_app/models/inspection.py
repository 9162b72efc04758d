"""Each seller's inspection level at each warehouse, its switches, and the level each
receipt's sample was drawn at with what it found."""
import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UtcDateTime, enum_column, utcnow


class InspectionLevel(enum.StrEnum):
    """How many cartons to open, ANSI/ASQ Z1.4 style; never under 10 %."""

    NORMAL = "normal"  # general inspection level II (today's rule)
    TIGHTENED = "tightened"  # level III
    REDUCED = "reduced"  # level I


class SellerInspection(db.Model):
    """A seller's inspection level at a warehouse, since its last switch."""

    __tablename__ = "seller_inspections"
    __table_args__ = (sa.UniqueConstraint("seller_id", "warehouse_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("sellers.id"))
    warehouse_id: Mapped[int] = mapped_column(sa.ForeignKey("warehouses.id"))
    level: Mapped[InspectionLevel] = mapped_column(enum_column(InspectionLevel))
    # why it is at this level: a switching rule's name, or "by_hand"
    reason: Mapped[str] = mapped_column(sa.String(32))
    since: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class InspectionSwitch(db.Model):
    """One switch of a seller's level, by a rule or by a supervisor. Never edited."""

    __tablename__ = "inspection_switches"
    __table_args__ = (sa.Index("ix_inspection_switches_seller_warehouse", "seller_id",
                               "warehouse_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("sellers.id"))
    warehouse_id: Mapped[int] = mapped_column(sa.ForeignKey("warehouses.id"))
    from_level: Mapped[InspectionLevel] = mapped_column(enum_column(InspectionLevel))
    to_level: Mapped[InspectionLevel] = mapped_column(enum_column(InspectionLevel))
    reason: Mapped[str] = mapped_column(sa.String(32))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))  # None: a rule
    # the closed receipt whose result made the rule switch
    asn_id: Mapped[int | None] = mapped_column(sa.ForeignKey("asns.id"))

    by: Mapped["User | None"] = relationship()  # noqa: F821
    asn: Mapped["Asn | None"] = relationship()  # noqa: F821


class ReceiptInspection(db.Model):
    """The level a receipt's sample was drawn at, and at its close whether the sample found
    a difference: what the switching rules count."""

    __tablename__ = "receipt_inspections"
    __table_args__ = (sa.Index("ix_receipt_inspections_seller_warehouse", "seller_id",
                               "warehouse_id", "closed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    asn_id: Mapped[int] = mapped_column(sa.ForeignKey("asns.id"), unique=True)
    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("sellers.id"))
    warehouse_id: Mapped[int] = mapped_column(sa.ForeignKey("warehouses.id"))
    level: Mapped[InspectionLevel] = mapped_column(enum_column(InspectionLevel))
    reason: Mapped[str] = mapped_column(sa.String(32))
    sample_size: Mapped[int]
    drawn_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # set when the receipt closes: whether its sample found a difference
    finding: Mapped[bool | None]
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
