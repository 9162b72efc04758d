"""stock.changed: a seller's channel sync (Shopify, Amazon MCF) follows their stock without
polling. Every transaction that changes a seller's on_hand, quarantine or reserved units of a
SKU in a warehouse sends one event for that (seller, warehouse, SKU), with the new figures,
written to the outbox in the same transaction.

The ledger notes what each posting changed in the session; just before the transaction
commits, the changes are summed per (seller, warehouse, SKU) and announced once each.
Hooked on the session rather than called by each use case, so no use case that moves stock
can forget it; a rollback forgets the notes with the changes.
"""
from collections import Counter, defaultdict

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Balance, Bucket, Seller, Sku, Warehouse, utcnow
from ..webhooks.events import emit

# What a seller's sales channels care about (available = on_hand - reserved).
ANNOUNCED = frozenset({Bucket.ON_HAND, Bucket.QUARANTINE, Bucket.RESERVED})
_NOTES = "dockside_stock_changes"


def note_stock_changes(deltas: dict[tuple, int]) -> None:
    """Remember what postings changed ({balance_key: qty}), for the commit to announce."""
    notes = None
    for (warehouse_id, seller_id, sku_id, _location, bucket), qty in deltas.items():
        if bucket in ANNOUNCED and qty:
            if notes is None:
                notes = db.session.info.setdefault(_NOTES, defaultdict(Counter))
            notes[(warehouse_id, seller_id, sku_id)][bucket] += qty


def init_stock_events() -> None:
    """Announce at every commit of the app's sessions (called once by the factory)."""
    if not event.contains(Session, "before_commit", _announce):
        event.listen(Session, "before_commit", _announce)
        event.listen(Session, "after_transaction_end", _forget)


def _announce(session: Session) -> None:
    notes = session.info.pop(_NOTES, None)
    for key, changes in sorted((notes or {}).items()):
        changes = {bucket: qty for bucket, qty in changes.items() if qty}
        if changes:
            _emit_stock_changed(session, key, changes)


def _emit_stock_changed(session: Session, key: tuple[int, int, int], changes: dict) -> None:
    warehouse_id, seller_id, sku_id = key
    totals = dict(session.execute(
        sa.select(Balance.bucket, sa.func.sum(Balance.qty))
        .where(Balance.warehouse_id == warehouse_id, Balance.seller_id == seller_id,
               Balance.sku_id == sku_id, Balance.bucket.in_(list(ANNOUNCED)))
        .group_by(Balance.bucket)).all())
    figures = {bucket.value: int(totals.get(bucket) or 0) for bucket in sorted(ANNOUNCED)}
    emit(seller_id, "stock.changed", {"stock": {
        "warehouse": session.get(Warehouse, warehouse_id).code,
        "seller": session.get(Seller, seller_id).code,
        "sku": session.get(Sku, sku_id).code,
        **figures,
        "available": figures["on_hand"] - figures["reserved"],
        "changes": {bucket.value: qty for bucket, qty in sorted(changes.items())},
        "at": utcnow().isoformat(),
    }})


def _forget(session: Session, transaction) -> None:
    """A transaction that ended without committing (rolled back, closed) takes its notes
    with it."""
    if transaction.parent is None:
        session.info.pop(_NOTES, None)
