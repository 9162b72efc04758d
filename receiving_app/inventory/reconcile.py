"""Reconciliation: balances recomputed from the ledger, and where they differ."""
import sqlalchemy as sa

from ..extensions import db
from ..models import Balance, Movement


def ledger_differences() -> list[dict]:
    """Every balance whose quantity is not the sum of its movements (empty when all agree).

    Also catches movements with no balance row and balance rows with no movements.
    """
    key = (Movement.warehouse_id, Movement.seller_id, Movement.sku_id,
           sa.func.coalesce(Movement.location_id, 0), Movement.bucket)
    ledger = {tuple(row[:5]): row[5] for row in db.session.execute(
        sa.select(*key, sa.func.sum(Movement.qty)).group_by(*key))}
    balances = {
        (b.warehouse_id, b.seller_id, b.sku_id, b.location_key, b.bucket): b.qty
        for b in db.session.scalars(sa.select(Balance))
    }
    differences = []
    for k in sorted(set(ledger) | set(balances), key=str):
        if ledger.get(k, 0) != balances.get(k, 0):
            differences.append({
                "warehouse_id": k[0], "seller_id": k[1], "sku_id": k[2], "location_key": k[3],
                "bucket": str(k[4]), "ledger": ledger.get(k, 0), "balance": balances.get(k, 0),
            })
    return differences


def rebuild_balances() -> list[dict]:
    """Recompute every balance from the ledger in one transaction; return what differed.

    Movements are the truth; a balance is only their running total, so rewriting balances
    loses nothing.
    """
    differences = ledger_differences()
    if not differences:
        return []
    balances = {
        (b.warehouse_id, b.seller_id, b.sku_id, b.location_key, str(b.bucket)): b
        for b in db.session.scalars(sa.select(Balance).with_for_update())
    }
    for difference in differences:
        key = (difference["warehouse_id"], difference["seller_id"], difference["sku_id"],
               difference["location_key"], difference["bucket"])
        balance = balances.get(key)
        if balance is None:
            balance = Balance(
                warehouse_id=key[0], seller_id=key[1], sku_id=key[2],
                location_id=key[3] or None, location_key=key[3], bucket=key[4], qty=0,
            )
            db.session.add(balance)
        balance.qty = difference["ledger"]
    db.session.commit()
    return differences
