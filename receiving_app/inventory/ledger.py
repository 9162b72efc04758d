"""Posting to the ledger: a movement row and its balance change, always together."""
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import Balance, Bucket, Movement, utcnow


@dataclass(frozen=True)
class Posting:
    """One intended change of one balance."""

    warehouse_id: int
    seller_id: int
    sku_id: int
    bucket: Bucket
    qty: int
    reason: str
    location_id: int | None = None
    asn_id: int | None = None
    carton_id: int | None = None
    exception_id: int | None = None
    user_id: int | None = None

    @property
    def balance_key(self) -> tuple:
        return (self.warehouse_id, self.seller_id, self.sku_id, self.location_id, self.bucket)


def post_movement(**fields) -> None:
    """Write one movement and change its balance in the caller's transaction."""
    post_movements([Posting(**fields)])


def post_movements(postings: list[Posting]) -> None:
    """Write the movements and change their balances, in the caller's transaction.

    The caller commits: a use case posts everything it moves and commits once, so the
    ledger and the balances can never disagree. Balances change by an atomic
    `INSERT ... ON CONFLICT DO UPDATE SET qty = qty + delta`, which two concurrent
    transactions cannot both read-then-overwrite.
    """
    postings = [p for p in postings if p.qty != 0]
    if not postings:
        return
    now = utcnow()
    db.session.execute(
        sa.insert(Movement),
        [
            {
                "warehouse_id": p.warehouse_id, "seller_id": p.seller_id, "sku_id": p.sku_id,
                "location_id": p.location_id, "bucket": p.bucket, "qty": p.qty,
                "reason": p.reason, "asn_id": p.asn_id, "carton_id": p.carton_id,
                "exception_id": p.exception_id, "user_id": p.user_id, "created_at": now,
            }
            for p in postings
        ],
    )
    deltas: dict[tuple, int] = defaultdict(int)
    for p in postings:
        deltas[p.balance_key] += p.qty
    # Sorted so two transactions touching the same balances lock them in the same order.
    for key in sorted(deltas, key=lambda k: (k[0], k[1], k[2], k[3] or 0, str(k[4]))):
        _add_to_balance(key, deltas[key], now)


def _add_to_balance(key: tuple, delta: int, now) -> None:
    warehouse_id, seller_id, sku_id, location_id, bucket = key
    dialect = db.session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    stmt = insert(Balance).values(
        warehouse_id=warehouse_id, seller_id=seller_id, sku_id=sku_id,
        location_id=location_id, location_key=location_id or 0, bucket=bucket,
        qty=delta, updated_at=now,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["warehouse_id", "seller_id", "sku_id", "location_key", "bucket"],
        set_={"qty": Balance.__table__.c.qty + delta, "updated_at": now},
    )
    db.session.execute(stmt)


def balances_for(**filters) -> list[Balance]:
    """Balances matching column filters, e.g. balances_for(sku_id=3, bucket=Bucket.ON_HAND)."""
    query = sa.select(Balance).filter_by(**filters).order_by(Balance.id)
    return list(db.session.scalars(query))
