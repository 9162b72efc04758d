"""A seller's SKUs and the barcodes that identify them."""
import enum
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import enum_column


class BarcodeKind(enum.StrEnum):
    GTIN = "gtin"  # UPC-A, EAN-13, EAN-8, GTIN-14, stored as printed
    FNSKU = "fnsku"
    SELLER = "seller"  # the seller's own code


class Sku(db.Model):
    __tablename__ = "skus"
    __table_args__ = (sa.UniqueConstraint("seller_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("sellers.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(64))
    description: Mapped[str] = mapped_column(sa.String(255), default="")
    high_value: Mapped[bool] = mapped_column(default=False)
    # what one unit is worth in the seller's currency, when they say (values count differences)
    unit_value: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))

    barcodes: Mapped[list["SkuBarcode"]] = relationship(
        back_populates="sku", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Sku {self.code}>"


class SkuBarcode(db.Model):
    __tablename__ = "sku_barcodes"
    __table_args__ = (sa.UniqueConstraint("sku_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sku_id: Mapped[int] = mapped_column(sa.ForeignKey("skus.id"))
    code: Mapped[str] = mapped_column(sa.String(64), index=True)
    kind: Mapped[BarcodeKind] = mapped_column(enum_column(BarcodeKind))

    sku: Mapped[Sku] = relationship(back_populates="barcodes")
