"""What the truck brought: each delivery of an ASN with its paperwork, and the ASN's history
of who did each step."""
import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UtcDateTime, enum_column, utcnow


class CarrierMode(enum.StrEnum):
    """How the freight travelled: each mode has its own claim windows."""

    LTL = "ltl"  # less than truckload, the usual pallet freight
    FTL = "ftl"  # a full truckload
    PARCEL = "parcel"
    OCEAN = "ocean"  # a container straight from the port
    AIR = "air"


class DocumentKind(enum.StrEnum):
    """What a delivery document photo shows."""

    POD = "pod"  # the delivery receipt the driver had signed
    BOL = "bol"  # the bill of lading
    SEAL = "seal"
    TRAILER = "trailer"
    OTHER = "other"


class StepName(enum.StrEnum):
    """The steps of an ASN that the history records, in the order they happen."""

    SUBMITTED = "submitted"
    CHECKED_IN = "checked_in"  # one per delivery
    COUNTED = "counted"
    INSPECTED = "inspected"
    PUT_AWAY = "put_away"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Delivery(db.Model):
    """One truck's arrival for an ASN: number 1 is the check-in, later ones are more trucks."""

    __tablename__ = "deliveries"
    __table_args__ = (sa.UniqueConstraint("asn_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    asn_id: Mapped[int] = mapped_column(sa.ForeignKey("asns.id"), index=True)
    number: Mapped[int]
    arrived_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    checked_in_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    paperwork_cartons: Mapped[int | None]
    seal_number: Mapped[str] = mapped_column(sa.String(64), default="")
    trailer: Mapped[str] = mapped_column(sa.String(64), default="")
    carrier: Mapped[str] = mapped_column(sa.String(80), default="")
    mode: Mapped[CarrierMode] = mapped_column(enum_column(CarrierMode), default=CarrierMode.LTL)

    asn: Mapped["Asn"] = relationship()  # noqa: F821
    checked_in_by: Mapped["User | None"] = relationship()  # noqa: F821
    documents: Mapped[list["Photo"]] = relationship(  # noqa: F821
        order_by="Photo.id", primaryjoin="Photo.delivery_id == Delivery.id", viewonly=True)


class AsnStep(db.Model):
    """One step of an ASN: what, when, by whom. Written by the step's use case; never edited."""

    __tablename__ = "asn_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    asn_id: Mapped[int] = mapped_column(sa.ForeignKey("asns.id"), index=True)
    step: Mapped[StepName] = mapped_column(enum_column(StepName))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # None for steps recorded before the history existed (revision 0010)
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    delivery_id: Mapped[int | None] = mapped_column(sa.ForeignKey("deliveries.id"))

    by: Mapped["User | None"] = relationship()  # noqa: F821
    delivery: Mapped[Delivery | None] = relationship()
