"""Stock adjustments: the one way stock changes after the dock, with who, why and approval."""
import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UtcDateTime, enum_column, utcnow
from .inventory import Bucket


class AdjustmentReason(enum.StrEnum):
    COUNT_GAIN = "count_gain"  # 盘盈: a count found more than the book
    COUNT_LOSS = "count_loss"  # 盘亏: a count found less
    DAMAGED_IN_STORAGE = "damaged_in_storage"
    FOUND = "found"
    LOST = "lost"
    DISPUTE_ACCEPTED = "dispute_accepted"
    CORRECTION = "correction"
    # quarantine exits (dispositions)
    RELEASED = "released"
    DISPOSED = "disposed"
    RETURNED_TO_SELLER = "returned_to_seller"


class AdjustmentState(enum.StrEnum):
    PROPOSED = "proposed"  # implied by a decision; a supervisor posts, changes or rejects it
    AWAITING_APPROVAL = "awaiting_approval"  # above the threshold: a second person decides
    POSTED = "posted"
    REJECTED = "rejected"


class Adjustment(db.Model):
    """One change of stock outside receiving. Posted, it is the movements that carry its id;
    never edited after that (a wrong one is corrected by another)."""

    __tablename__ = "adjustments"

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(sa.ForeignKey("warehouses.id"), index=True)
    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("sellers.id"), index=True)
    sku_id: Mapped[int] = mapped_column(sa.ForeignKey("skus.id"))
    # None only on a proposal that does not know where the units are; posting needs one
    location_id: Mapped[int | None] = mapped_column(sa.ForeignKey("locations.id"))
    bucket: Mapped[Bucket] = mapped_column(enum_column(Bucket))
    # signed: + adds units to the location's bucket, - takes them out
    qty: Mapped[int]
    reason: Mapped[AdjustmentReason] = mapped_column(enum_column(AdjustmentReason))
    # a release: where the units go on hand
    to_location_id: Mapped[int | None] = mapped_column(sa.ForeignKey("locations.id"))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    state: Mapped[AdjustmentState] = mapped_column(enum_column(AdjustmentState), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decision_note: Mapped[str] = mapped_column(sa.Text, default="")
    # the exception (an accepted dispute, a reversed decision) that implied it
    exception_id: Mapped[int | None] = mapped_column(sa.ForeignKey("exceptions.id"), index=True)

    warehouse: Mapped["Warehouse"] = relationship()  # noqa: F821
    seller: Mapped["Seller"] = relationship()  # noqa: F821
    sku: Mapped["Sku"] = relationship()  # noqa: F821
    location: Mapped["Location | None"] = relationship(  # noqa: F821
        foreign_keys=[location_id])
    to_location: Mapped["Location | None"] = relationship(  # noqa: F821
        foreign_keys=[to_location_id])
    requested_by: Mapped["User | None"] = relationship(  # noqa: F821
        foreign_keys=[requested_by_id])
    decided_by: Mapped["User | None"] = relationship(  # noqa: F821
        foreign_keys=[decided_by_id])
