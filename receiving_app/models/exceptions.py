"""Receiving exceptions, their resolutions, and the photos that evidence them."""
import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UtcDateTime, enum_column, utcnow
from .deliveries import DocumentKind


class ExceptionKind(enum.StrEnum):
    MISSING_CARTON = "missing_carton"
    UNEXPECTED_CARTON = "unexpected_carton"
    DUPLICATE_LABEL = "duplicate_label"
    SHORT = "short"
    OVER = "over"
    WRONG_SKU = "wrong_sku"
    DAMAGED = "damaged"
    UNDECLARED_MIXED = "undeclared_mixed"
    UNREADABLE_LABEL = "unreadable_label"
    SELLER_DISPUTE = "seller_dispute"


class ExceptionState(enum.StrEnum):
    DRAFT = "draft"  # raised, waiting for its first photo
    OPEN = "open"  # submitted with evidence, waiting for a supervisor
    RESOLVED = "resolved"


class ResolutionKind(enum.StrEnum):
    ACCEPT = "accept"
    RECOUNT = "recount"
    CARRIER_CLAIM = "carrier_claim"
    REJECT = "reject"
    RECOUNT_MATCHED = "recount_matched"  # a recount found the packing list right
    REVERSAL = "reversal"  # undoes the decision it names in reverses_id


class ReceivingException(db.Model):
    __tablename__ = "exceptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    asn_id: Mapped[int] = mapped_column(sa.ForeignKey("asns.id"), index=True)
    carton_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cartons.id"))
    # the label as scanned, for cartons the ASN does not know
    carton_label: Mapped[str] = mapped_column(sa.String(64), default="")
    sku_id: Mapped[int | None] = mapped_column(sa.ForeignKey("skus.id"))
    kind: Mapped[ExceptionKind] = mapped_column(enum_column(ExceptionKind))
    state: Mapped[ExceptionState] = mapped_column(
        enum_column(ExceptionState), default=ExceptionState.DRAFT, index=True
    )
    expected_qty: Mapped[int] = mapped_column(default=0)
    found_qty: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    raised_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claim_flag: Mapped[bool] = mapped_column(default=False)
    # moves on with every resolution: a form that saw an older version is told, not obeyed
    version: Mapped[int] = mapped_column(default=1)

    asn: Mapped["Asn"] = relationship()  # noqa: F821
    carton: Mapped["Carton | None"] = relationship()  # noqa: F821
    sku: Mapped["Sku | None"] = relationship()  # noqa: F821
    raised_by: Mapped["User | None"] = relationship()  # noqa: F821
    photos: Mapped[list["Photo"]] = relationship(order_by="Photo.id")
    resolutions: Mapped[list["Resolution"]] = relationship(order_by="Resolution.id")

    @property
    def difference(self) -> int:
        return self.found_qty - self.expected_qty


class Resolution(db.Model):
    """A supervisor's decision on an exception. Never edited; a wrong one is reversed by another."""

    __tablename__ = "resolutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    exception_id: Mapped[int] = mapped_column(sa.ForeignKey("exceptions.id"), index=True)
    resolution: Mapped[ResolutionKind] = mapped_column(enum_column(ResolutionKind))
    note: Mapped[str] = mapped_column(sa.Text)
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    resolved_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    reverses_id: Mapped[int | None] = mapped_column(sa.ForeignKey("resolutions.id"))

    resolved_by: Mapped["User | None"] = relationship()  # noqa: F821


class Photo(db.Model):
    """A cleaned, content-addressed photo attached as evidence. Never edited."""

    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    # what URLs carry: random, so photo ids cannot be guessed
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    asn_id: Mapped[int] = mapped_column(sa.ForeignKey("asns.id"), index=True)
    exception_id: Mapped[int | None] = mapped_column(sa.ForeignKey("exceptions.id"), index=True)
    # a delivery document (delivery receipt, bill of lading, seal ...) rather than an
    # exception's photo: the delivery it belongs to and what it shows
    delivery_id: Mapped[int | None] = mapped_column(sa.ForeignKey("deliveries.id"), index=True)
    document_kind: Mapped[DocumentKind | None] = mapped_column(enum_column(DocumentKind))
    width: Mapped[int]
    height: Mapped[int]
    bytes: Mapped[int]
    content_type: Mapped[str] = mapped_column(sa.String(32), default="image/jpeg")
    barcodes: Mapped[list] = mapped_column(sa.JSON, default=list)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    client_taken_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
