"""Reading balances for a user, scoped like everything else."""
from collections import defaultdict

import sqlalchemy as sa

from ..extensions import db
from ..models import Balance, Bucket, Location, Movement, Role, Seller, Sku, User, Warehouse


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


def book_as_of(location_id: int, bucket: Bucket, at, *,
               sku_ids=None) -> dict[tuple[int, int], int]:
    """What the ledger held at a location in a bucket at the moment `at`, per (seller, SKU):
    the book a count made then is compared with (later movements, such as a putaway during
    the count, are not in it)."""
    # Every SKU ever there has a balance row (they are never deleted): its id leads the
    # movements through their SKU index, where the location alone has none.
    held = sa.select(Balance.sku_id).where(Balance.location_key == location_id,
                                           Balance.bucket == bucket)
    if sku_ids is not None:
        held = held.where(Balance.sku_id.in_(sku_ids))
    query = (sa.select(Movement.seller_id, Movement.sku_id, sa.func.sum(Movement.qty))
             .where(Movement.sku_id.in_(held), Movement.location_id == location_id,
                    Movement.bucket == bucket, Movement.created_at <= at)
             .group_by(Movement.seller_id, Movement.sku_id))
    return {(seller_id, sku_id): int(qty) for seller_id, sku_id, qty in db.session.execute(query)
            if qty}
