"""Posting to the ledger: a movement row and its balance change, always together."""
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

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
    # The table, not the mapped class: the ORM's bulk insert splits the rows into one
    # statement per set of non-null columns (a movement with and one without a location).
    db.session.execute(
        sa.insert(Movement.__table__),
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
    add_to_balances(deltas, now)


def add_to_balances(deltas: dict[tuple, int], now) -> None:
    """Change balances by `deltas` ({balance_key: qty}), in the caller's transaction.

    Only for movements the caller has just written itself in the same transaction
    (post_movements, or a bulk load of history rows), so balance == sum(ledger) holds.
    """
    # Sorted so two transactions touching the same balances lock them in the same order.
    keys = sorted(deltas, key=lambda k: (k[0], k[1], k[2], k[3] or 0, str(k[4])))
    rows = [
        {"warehouse_id": k[0], "seller_id": k[1], "sku_id": k[2], "location_id": k[3],
         "location_key": k[3] or 0, "bucket": k[4], "qty": deltas[k], "updated_at": now}
        for k in keys
    ]
    if rows:
        db.session.execute(_balance_upsert(db.session.get_bind().dialect.name), rows)


@cache
def _balance_upsert(dialect: str):
    """The upsert, built once per dialect and run as an executemany, in the rows' order.

    Built anew for every posting (a multi-row VALUES of varying length), its compilation
    and the `excluded` alias were a sixth of a carton scan (docs/benchmarks.md).
    """
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    stmt = insert(Balance.__table__)
    return stmt.on_conflict_do_update(
        index_elements=["warehouse_id", "seller_id", "sku_id", "location_key", "bucket"],
        set_={"qty": Balance.__table__.c.qty + stmt.excluded.qty,
              "updated_at": stmt.excluded.updated_at},
    )


def balances_for(**filters) -> list[Balance]:
    """Balances matching column filters, e.g. balances_for(sku_id=3, bucket=Bucket.ON_HAND)."""
    query = sa.select(Balance).filter_by(**filters).order_by(Balance.id)
    return list(db.session.scalars(query))
