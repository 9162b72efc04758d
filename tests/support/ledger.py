"""Ledger assertions shared by the tests."""
import sqlalchemy as sa

from receiving_app.extensions import db
from receiving_app.inventory.reconcile import ledger_differences
from receiving_app.models import Balance, Bucket, Movement, Sku


def assert_ledger_balanced() -> None:
    """balance == sum(movements) for every key."""
    assert ledger_differences() == []


def bucket_total(sku_code: str, bucket: Bucket, location: str | None = None) -> int:
    """The balance of one SKU in one bucket, over all locations or at one."""
    from receiving_app.models import Location

    query = sa.select(sa.func.coalesce(sa.func.sum(Balance.qty), 0)).join(
        Sku, Balance.sku_id == Sku.id).where(Sku.code == sku_code, Balance.bucket == bucket)
    if location:
        query = query.join(Location, Balance.location_id == Location.id).where(
            Location.barcode == location)
    return db.session.scalar(query)


def movement_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Movement.id)))


def asn_bucket_total(asn, bucket: Bucket) -> int:
    """What the ASN's own movements leave in a bucket."""
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Movement.qty), 0)).where(
        Movement.asn_id == asn.id, Movement.bucket == bucket))
