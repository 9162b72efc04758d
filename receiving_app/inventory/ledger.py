"""Posting to the ledger: a movement row and its balance change, always together."""
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..bulk_insert import insert_rows
from ..database import execute_core
from ..extensions import db
from ..models import Balance, Bucket, Movement, utcnow
from .stock_events import note_stock_changes
from ..errors import NotEnoughStock


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
    adjustment_id: int | None = None
    user_id: int | None = None

    @property
    def balance_key(self) -> tuple:
        return (self.warehouse_id, self.seller_id, self.sku_id, self.location_id, self.bucket)


def post_movements(postings: Iterable[Posting], *, bulk: bool = False) -> None:
    """Write the movements and change their balances, in the caller's transaction.

    The caller commits: a use case posts everything it moves and commits once, so the
    ledger and the balances can never disagree. Balances change by an atomic
    `INSERT ... ON CONFLICT DO UPDATE SET qty = qty + delta`, which two concurrent
    transactions cannot both read-then-overwrite.

    `bulk` for thousands at once, such as an ERP's 50,000-line ASN: the movements go in by
    one bulk insert (COPY on PostgreSQL) streamed from `postings`, which may be a
    generator (bulk_insert.py). Without it, one executemany that the bench's plans can see.
    """
    now = utcnow()
    deltas: dict[tuple, int] = defaultdict(int)

    def rows():
        for p in postings:
            if p.qty == 0:
                continue
            deltas[p.balance_key] += p.qty
            yield (p.warehouse_id, p.seller_id, p.sku_id, p.location_id, p.bucket, p.qty,
                   p.reason, p.asn_id, p.carton_id, p.exception_id, p.adjustment_id, p.user_id,
                   now)

    if bulk:
        insert_rows(Movement.__table__, _MOVEMENT_COLUMNS, rows())
    elif values := [dict(zip(_MOVEMENT_COLUMNS, row)) for row in rows()]:
        # The table, not the mapped class: the ORM's bulk insert splits the rows into one
        # statement per set of non-null columns (a movement with and one without a location).
        execute_core(_INSERT_MOVEMENTS, values)
    add_to_balances(deltas, now)
    note_stock_changes(deltas)


_MOVEMENT_COLUMNS = ("warehouse_id", "seller_id", "sku_id", "location_id", "bucket", "qty",
                     "reason", "asn_id", "carton_id", "exception_id", "adjustment_id", "user_id",
                     "created_at")
_INSERT_MOVEMENTS = sa.insert(Movement.__table__)


def check_balances_cover(postings: Iterable[Posting]) -> None:
    """Refuse (Conflict) postings that would take any balance below zero.

    The balances they take from are read under a row lock (PostgreSQL; SQLite's writer
    already holds the database's write lock), so two transactions taking the last units of
    the same balance cannot both pass; the caller posts in the same transaction.
    """
    taken: dict[tuple, int] = defaultdict(int)
    for p in postings:
        taken[p.balance_key] += p.qty
    for key in sorted((k for k, qty in taken.items() if qty < 0), key=_lock_order):
        warehouse_id, seller_id, sku_id, location_id, bucket = key
        held = db.session.scalar(
            sa.select(Balance.qty).where(
                Balance.warehouse_id == warehouse_id, Balance.seller_id == seller_id,
                Balance.sku_id == sku_id, Balance.location_key == (location_id or 0),
                Balance.bucket == bucket).with_for_update()) or 0
        if held + taken[key] < 0:
            raise NotEnoughStock(
                f"Only {held} in {bucket.value.replace('_', ' ')} there; this would take "
                f"{-taken[key]}.", [{"path": "qty", "message": f"at most {held} out"}])


def _lock_order(key: tuple) -> tuple:
    return key[0], key[1], key[2], key[3] or 0, str(key[4])


def add_to_balances(deltas: dict[tuple, int], now) -> None:
    """Change balances by `deltas` ({balance_key: qty}), in the caller's transaction.

    Only for movements the caller has just written itself in the same transaction
    (post_movements, or a bulk load of history rows), so balance == sum(ledger) holds.
    """
    # Sorted so two transactions touching the same balances lock them in the same order.
    keys = sorted(deltas, key=_lock_order)
    rows = [
        {"warehouse_id": k[0], "seller_id": k[1], "sku_id": k[2], "location_id": k[3],
         "location_key": k[3] or 0, "bucket": k[4], "qty": deltas[k], "updated_at": now}
        for k in keys
    ]
    if rows:
        execute_core(_balance_upsert(db.session.get_bind().dialect.name), rows)


@cache
def _balance_upsert(dialect: str):
    """The upsert, built once per dialect (building it cost more than running it:
    docs/benchmarks.md) and run as an executemany, in the rows' order."""
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    stmt = insert(Balance.__table__)
    return stmt.on_conflict_do_update(
        index_elements=["warehouse_id", "seller_id", "sku_id", "location_key", "bucket"],
        set_={"qty": Balance.__table__.c.qty + stmt.excluded.qty,
              "updated_at": stmt.excluded.updated_at},
    )
