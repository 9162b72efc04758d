"""The ASN aggregate: the notice, its cartons and their declared contents, and its scan log."""
import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UtcDateTime, enum_column, utcnow


class AsnStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    ARRIVED = "arrived"
    COUNTED = "counted"
    INSPECTED = "inspected"
    PUT_AWAY = "put_away"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class CartonStatus(enum.StrEnum):
    EXPECTED = "expected"
    RECEIVED = "received"
    PUT_AWAY = "put_away"
    MISSING = "missing"


class Asn(db.Model):
    __tablename__ = "asns"
    __table_args__ = (sa.UniqueConstraint("seller_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(64), index=True)
    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("sellers.id"))
    warehouse_id: Mapped[int] = mapped_column(sa.ForeignKey("warehouses.id"), index=True)
    status: Mapped[AsnStatus] = mapped_column(
        enum_column(AsnStatus), default=AsnStatus.SUBMITTED, index=True
    )
    expected_arrival: Mapped[date | None]
    carrier: Mapped[str] = mapped_column(sa.String(80), default="")
    tracking: Mapped[str] = mapped_column(sa.String(120), default="")
    paperwork_cartons: Mapped[int | None]
    # seeds the sample draw so it can be reproduced and audited
    sample_seed: Mapped[int] = mapped_column(sa.BigInteger)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    arrived_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    counted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    inspected_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    put_away_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sla_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Written with the cartons at submit (no carton is ever added later), so the lists and
    # every scan's progress need not count an ASN's cartons (docs/benchmarks.md).
    carton_count: Mapped[int] = mapped_column(default=0, server_default="0")

    seller: Mapped["Seller"] = relationship()  # noqa: F821
    warehouse: Mapped["Warehouse"] = relationship()  # noqa: F821
    cartons: Mapped[list["Carton"]] = relationship(
        back_populates="asn", order_by="Carton.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Asn {self.number} {self.status}>"


class Carton(db.Model):
    __tablename__ = "cartons"
    __table_args__ = (
        sa.UniqueConstraint("asn_id", "label"),
        # every scan answers with the ASN's progress: cartons per status, from the index alone
        sa.Index("ix_cartons_asn_id_status", "asn_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    asn_id: Mapped[int] = mapped_column(sa.ForeignKey("asns.id"))
    label: Mapped[str] = mapped_column(sa.String(64))
    # the 18-digit SSCC when the label is a GS1 carton label, for matching any scanned form
    sscc: Mapped[str | None] = mapped_column(sa.String(18), index=True)
    status: Mapped[CartonStatus] = mapped_column(
        enum_column(CartonStatus), default=CartonStatus.EXPECTED
    )
    in_sample: Mapped[bool] = mapped_column(default=False)
    opened_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # when the opened carton's count was finished and compared with the packing list
    inspected_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    recount_requested: Mapped[bool] = mapped_column(default=False)
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    received_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    put_away_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    location_id: Mapped[int | None] = mapped_column(sa.ForeignKey("locations.id"))

    asn: Mapped[Asn] = relationship(back_populates="cartons")
    contents: Mapped[list["CartonContent"]] = relationship(
        back_populates="carton", order_by="CartonContent.id", cascade="all, delete-orphan"
    )
    location: Mapped["Location | None"] = relationship()  # noqa: F821

    @property
    def opened(self) -> bool:
        return self.opened_at is not None

    @property
    def is_mixed(self) -> bool:
        return sum(1 for c in self.contents if c.declared_qty > 0) > 1

    def __repr__(self) -> str:
        return f"<Carton {self.label} {self.status}>"


class CartonContent(db.Model):
    """One SKU in one carton: declared by the seller, counted when the carton is opened."""

    __tablename__ = "carton_contents"
    __table_args__ = (sa.UniqueConstraint("carton_id", "sku_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    carton_id: Mapped[int] = mapped_column(sa.ForeignKey("cartons.id"))
    sku_id: Mapped[int] = mapped_column(sa.ForeignKey("skus.id"), index=True)
    # 0 for a SKU found in the carton that the packing list did not declare
    declared_qty: Mapped[int] = mapped_column(default=0)
    counted_qty: Mapped[int | None]  # good and damaged units together; None until opened
    damaged_qty: Mapped[int] = mapped_column(default=0)

    carton: Mapped[Carton] = relationship(back_populates="contents")
    sku: Mapped["Sku"] = relationship()  # noqa: F821


class ScanEvent(db.Model):
    """One scan, as it happened. Never updated: the audit trail and the replay log."""

    __tablename__ = "scan_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    # made by the phone when the scan was captured; the same key twice is one scan
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # SHA-256 of the request the key came with (method, path, body): the key answers that
    # request only. None for scans stored before revision 0007.
    request_fingerprint: Mapped[str | None] = mapped_column(sa.String(64))
    asn_id: Mapped[int | None] = mapped_column(sa.ForeignKey("asns.id"), index=True)
    carton_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cartons.id"))
    location_id: Mapped[int | None] = mapped_column(sa.ForeignKey("locations.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    step: Mapped[str] = mapped_column(sa.String(24))
    raw_code: Mapped[str] = mapped_column(sa.String(512))
    parsed: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # what the scan did (received, duplicate, unknown ...) and the answer given, replayed as is
    outcome: Mapped[str] = mapped_column(sa.String(24))
    response: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    server_time: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    client_time: Mapped[datetime | None] = mapped_column(UtcDateTime)

    user: Mapped["User"] = relationship()  # noqa: F821
    carton: Mapped[Carton | None] = relationship()

