"""Carrier claims: what a delivery's carrier owes for damage or shortage, the deadline to
claim it by, and the warehouse's calendar (holidays, carrier windows) that sets it."""
import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UtcDateTime, enum_column, utcnow
from .deliveries import CarrierMode


class ClaimKind(enum.StrEnum):
    VISIBLE_DAMAGE = "visible_damage"  # seen at the door, noted on the delivery receipt
    CONCEALED_DAMAGE = "concealed_damage"  # found when a carton was opened
    SHORTAGE = "shortage"
    LOSS = "loss"


class ClaimStatus(enum.StrEnum):
    TO_FILE = "to_file"
    FILED = "filed"
    PAID = "paid"
    DENIED = "denied"
    EXPIRED = "expired"  # the deadline passed before it was filed
    WITHDRAWN = "withdrawn"  # every decision that opened it was reversed


class Holiday(db.Model):
    """A day the warehouse does not work: no business day for claims or the SLA clock."""

    __tablename__ = "holidays"
    __table_args__ = (sa.UniqueConstraint("warehouse_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(sa.ForeignKey("warehouses.id"), index=True)
    day: Mapped[date]
    name: Mapped[str] = mapped_column(sa.String(80), default="")


class CarrierWindow(db.Model):
    """How many business days after delivery a claim of a kind may be filed with a carrier
    of a mode, at one warehouse; where none is set, claims.DEFAULT_WINDOWS says."""

    __tablename__ = "carrier_windows"
    __table_args__ = (sa.UniqueConstraint("warehouse_id", "mode", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(sa.ForeignKey("warehouses.id"), index=True)
    mode: Mapped[CarrierMode] = mapped_column(enum_column(CarrierMode))
    kind: Mapped[ClaimKind] = mapped_column(enum_column(ClaimKind))
    business_days: Mapped[int]


class Claim(db.Model):
    """A claim against the carrier of one delivery, for one or more exceptions."""

    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    asn_id: Mapped[int] = mapped_column(sa.ForeignKey("asns.id"), index=True)
    delivery_id: Mapped[int] = mapped_column(sa.ForeignKey("deliveries.id"), index=True)
    carrier: Mapped[str] = mapped_column(sa.String(80), default="")
    mode: Mapped[CarrierMode] = mapped_column(enum_column(CarrierMode))
    # the kind whose window ends first: it sets the deadline
    kind: Mapped[ClaimKind] = mapped_column(enum_column(ClaimKind))
    status: Mapped[ClaimStatus] = mapped_column(enum_column(ClaimStatus),
                                                default=ClaimStatus.TO_FILE, index=True)
    deadline_at: Mapped[datetime] = mapped_column(UtcDateTime)
    amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    currency: Mapped[str | None] = mapped_column(sa.String(3))
    # the carrier's claim number, once filed
    reference: Mapped[str] = mapped_column(sa.String(80), default="")
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # when the seller was told the deadline is one business day away (once)
    deadline_warned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # moves on with every change: a form that saw an older version is told, not obeyed
    version: Mapped[int] = mapped_column(default=1)

    asn: Mapped["Asn"] = relationship()  # noqa: F821
    delivery: Mapped["Delivery"] = relationship()  # noqa: F821
    opened_by: Mapped["User | None"] = relationship()  # noqa: F821
    items: Mapped[list["ClaimItem"]] = relationship(order_by="ClaimItem.id",
                                                    back_populates="claim")
    events: Mapped[list["ClaimEvent"]] = relationship(order_by="ClaimEvent.id")

    @property
    def exceptions(self) -> list:
        """The exceptions the claim is for now (a reversed decision takes one out)."""
        return [item.exception for item in self.items if item.removed_at is None]


class ClaimItem(db.Model):
    """One exception in a claim, with the kind of claim it makes and its own deadline."""

    __tablename__ = "claim_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("claims.id"), index=True)
    exception_id: Mapped[int] = mapped_column(sa.ForeignKey("exceptions.id"), index=True)
    kind: Mapped[ClaimKind] = mapped_column(enum_column(ClaimKind))
    deadline_at: Mapped[datetime] = mapped_column(UtcDateTime)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # set when the decision that added it is reversed; the row stays, as all history does
    removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    claim: Mapped[Claim] = relationship(back_populates="items")
    exception: Mapped["ReceivingException"] = relationship()  # noqa: F821


class ClaimEvent(db.Model):
    """Who changed what on a claim, when, and why. Never edited."""

    __tablename__ = "claim_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("claims.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))  # None: the clock
    # opened, exception_added, exception_removed, updated, deadline_warned, expired
    action: Mapped[str] = mapped_column(sa.String(24))
    # {"field": [old, new]} for an update; {"exception": id} when one is added or removed
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    note: Mapped[str] = mapped_column(sa.Text, default="")

    by: Mapped["User | None"] = relationship()  # noqa: F821
