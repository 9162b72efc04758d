"""Cycle counts (盘点): a supervisor names locations or SKUs, a counter counts them (blind by
default), the count is compared with the book as of each location's count time, lines
outside the tolerance are recounted once, and a supervisor posts the differences."""
import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UtcDateTime, enum_column, utcnow


class CycleCountState(enum.StrEnum):
    OPEN = "open"  # being counted
    RECOUNT = "recount"  # lines outside the tolerance are counted once more
    COMPLETED = "completed"  # compared with the book: a supervisor approves the differences
    APPROVED = "approved"  # the differences are posted as count_gain / count_loss


class CycleCount(db.Model):
    __tablename__ = "cycle_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(sa.ForeignKey("warehouses.id"), index=True)
    state: Mapped[CycleCountState] = mapped_column(enum_column(CycleCountState), index=True)
    # blind: the counter never sees the book quantity
    blind: Mapped[bool] = mapped_column(default=True)
    # a count of SKUs compares only them; a count of locations, everything found there
    sku_ids: Mapped[list | None] = mapped_column(sa.JSON)
    # units a line may differ by without a recount (the warehouse's policy when created)
    tolerance_units: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    warehouse: Mapped["Warehouse"] = relationship()  # noqa: F821
    created_by: Mapped["User | None"] = relationship(foreign_keys=[created_by_id])  # noqa: F821
    approved_by: Mapped["User | None"] = relationship(foreign_keys=[approved_by_id])  # noqa: F821
    places: Mapped[list["CycleCountPlace"]] = relationship(order_by="CycleCountPlace.id")
    lines: Mapped[list["CycleCountLine"]] = relationship(order_by="CycleCountLine.id")


class CycleCountPlace(db.Model):
    """A location to count, and when it was counted (the book is taken as of then)."""

    __tablename__ = "cycle_count_places"
    __table_args__ = (sa.UniqueConstraint("count_id", "location_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    count_id: Mapped[int] = mapped_column(sa.ForeignKey("cycle_counts.id"))
    location_id: Mapped[int] = mapped_column(sa.ForeignKey("locations.id"))
    counted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    recounted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    location: Mapped["Location"] = relationship()  # noqa: F821


class CycleCountLine(db.Model):
    """One SKU at one location: what was counted (and recounted) against the book then."""

    __tablename__ = "cycle_count_lines"
    __table_args__ = (sa.UniqueConstraint("count_id", "location_id", "seller_id", "sku_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    count_id: Mapped[int] = mapped_column(sa.ForeignKey("cycle_counts.id"), index=True)
    location_id: Mapped[int] = mapped_column(sa.ForeignKey("locations.id"))
    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("sellers.id"))
    sku_id: Mapped[int] = mapped_column(sa.ForeignKey("skus.id"))
    counted_qty: Mapped[int] = mapped_column(default=0)
    counted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # the book as of the location's count time, set when the count is completed
    book_qty: Mapped[int | None]
    # sent back for one recount: what the recount found, against the book as of then
    recount: Mapped[bool] = mapped_column(default=False)
    recount_qty: Mapped[int | None]
    recount_book_qty: Mapped[int | None]
    # the count_gain / count_loss adjustment that posted its difference
    adjustment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("adjustments.id"))

    location: Mapped["Location"] = relationship()  # noqa: F821
    seller: Mapped["Seller"] = relationship()  # noqa: F821
    sku: Mapped["Sku"] = relationship()  # noqa: F821

    @property
    def final_counted(self) -> int:
        return self.recount_qty if self.recount_qty is not None else self.counted_qty

    @property
    def final_book(self) -> int | None:
        return self.recount_book_qty if self.recount_book_qty is not None else self.book_qty

    @property
    def difference(self) -> int | None:
        book = self.final_book
        return None if book is None else self.final_counted - book
