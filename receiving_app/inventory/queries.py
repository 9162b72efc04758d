"""Reading balances for a user, scoped like everything else."""
from collections import defaultdict

import sqlalchemy as sa

from ..extensions import db
from ..models import Balance, Bucket, Location, Role, Seller, Sku, User, Warehouse


def inventory_report(user: User, *, sku: str | None = None, warehouse: str | None = None) -> list:
    """Per warehouse, seller and SKU: each bucket's total, per location, and available.

    A seller sees only their own stock; staff see their warehouse's.
    """
    query = (
        sa.select(Balance, Warehouse.code, Seller.code, Sku.code, Location.barcode)
        .join(Warehouse, Balance.warehouse_id == Warehouse.id)
        .join(Seller, Balance.seller_id == Seller.id)
        .join(Sku, Balance.sku_id == Sku.id)
        .outerjoin(Location, Balance.location_id == Location.id)
        .order_by(Warehouse.code, Seller.code, Sku.code, Balance.id)
    )
    if user.role is Role.SELLER:
        query = query.where(Balance.seller_id == user.seller_id)
    elif user.warehouse_id is not None:
        query = query.where(Balance.warehouse_id == user.warehouse_id)
    if sku:
        query = query.where(Sku.code == sku)
    if warehouse:
        query = query.where(Warehouse.code == warehouse)
    rows: dict[tuple, dict] = {}
    for balance, warehouse_code, seller_code, sku_code, location in db.session.execute(query):
        key = (warehouse_code, seller_code, sku_code)
        entry = rows.get(key)
        if entry is None:
            entry = rows[key] = {
                "warehouse": warehouse_code, "seller": seller_code, "sku": sku_code,
                "buckets": {b.value: 0 for b in Bucket}, "locations": defaultdict(dict),
            }
        entry["buckets"][balance.bucket.value] += balance.qty
        if location and balance.qty:
            entry["locations"][location][balance.bucket.value] = balance.qty
    for entry in rows.values():
        entry["available"] = entry["buckets"]["on_hand"] - entry["buckets"]["reserved"]
        entry["locations"] = dict(entry["locations"])
    return list(rows.values())
