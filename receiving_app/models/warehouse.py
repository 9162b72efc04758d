"""Warehouses, with their SLA and sampling policy, and their locations."""
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import enum_column


class SamplingPolicy(enum.StrEnum):
    # max(ceil(rate x cartons), ANSI/ASQ Z1.4 general level II) - the default
    Z14 = "z14"
    # a plain rate of at least 10 %
    RATE = "rate"


class LocationKind(enum.StrEnum):
    DOCK = "dock"
    STAGING = "staging"
    STORAGE = "storage"
    QUARANTINE = "quarantine"


class Warehouse(db.Model):
    __tablename__ = "warehouses"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    # SLA policy (hours)
    receipt_hours: Mapped[int] = mapped_column(default=48)
    count_hours: Mapped[int] = mapped_column(default=4)
    inspection_hours: Mapped[int] = mapped_column(default=12)
    putaway_hours: Mapped[int] = mapped_column(default=24)
    exception_response_hours: Mapped[int] = mapped_column(default=24)
    business_hours_only: Mapped[bool] = mapped_column(default=False)
    business_day_start_hour: Mapped[int] = mapped_column(default=8)
    business_day_end_hour: Mapped[int] = mapped_column(default=18)
    # ISO weekdays the dock works, Monday = 1
    business_weekdays: Mapped[str] = mapped_column(sa.String(16), default="1,2,3,4,5")
    # moves on with every save of the SLA policy: a form loaded before another admin's save
    # is told so, not obeyed
    sla_policy_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # sampling policy
    sampling_policy: Mapped[SamplingPolicy] = mapped_column(
        enum_column(SamplingPolicy), default=SamplingPolicy.Z14
    )
    sample_rate: Mapped[float] = mapped_column(default=0.10)
    blind_receiving: Mapped[bool] = mapped_column(default=False)
    # stock policy: an adjustment of more units than this waits for a second person
    adjustment_approval_units: Mapped[int] = mapped_column(default=10, server_default="10")
    # a cycle count line that differs from the book by more units than this is recounted
    count_tolerance_units: Mapped[int] = mapped_column(default=0, server_default="0")
    # damaged units a receipt's sample may find, as a share of the units received, before
    # the damage counts against the seller's inspection level (0: any damage counts)
    damage_tolerance_pct: Mapped[float] = mapped_column(default=0.0, server_default="0")
    # the check-in waits for a photo of the signed delivery receipt (else it is offered)
    delivery_receipt_required: Mapped[bool] = mapped_column(default=False,
                                                            server_default=sa.false())

    locations: Mapped[list["Location"]] = relationship(back_populates="warehouse")
    # loaded once per warehouse and request: every business-day count reads them
    holidays: Mapped[list["Holiday"]] = relationship(order_by="Holiday.day")  # noqa: F821

    def __repr__(self) -> str:
        return f"<Warehouse {self.code}>"


class Location(db.Model):
    __tablename__ = "locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(sa.ForeignKey("warehouses.id"), index=True)
    # the code printed on the rack label; unique across warehouses so a scan names one place
    barcode: Mapped[str] = mapped_column(sa.String(64), unique=True)
    kind: Mapped[LocationKind] = mapped_column(enum_column(LocationKind))

    warehouse: Mapped[Warehouse] = relationship(back_populates="locations")

    def __repr__(self) -> str:
        return f"<Location {self.barcode}>"
