"""An ASN goes into the tables by bulk inserts (COPY on PostgreSQL): what lands there is
what the ORM would have written, the ledger balances, and a broken rule still says so."""
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from receiving_app.bulk_insert import insert_rows
from receiving_app.extensions import db
from receiving_app.inventory.ledger import Posting, post_movements
from receiving_app.models import (
    Balance, Bucket, Carton, CartonContent, CartonStatus, Movement, Sku, Warehouse,
)
from receiving_app.receiving.summary import asn_cartons
from tests.support.builders import submit, user
from tests.support.ledger import assert_ledger_balanced

pytestmark = pytest.mark.both_databases

SSCC = "006141410000000012"  # a GS1 carton label with a good check digit


def sku_id(code: str) -> int:
    return db.session.scalar(sa.select(Sku.id).where(Sku.code == code))


def test_submitted_cartons_contents_and_movements_hold_what_the_packing_list_declared(demo):
    started = datetime.now(UTC)
    asn = submit("BULK-1", {SSCC: {"ACME-MUG-01": 10}, "PALLET-7": {"ACME-MUG-01": 4,
                                                                     "ACME-LID-02": 6}})
    db.session.expire_all()

    cartons = db.session.scalars(
        sa.select(Carton).where(Carton.asn_id == asn.id).order_by(Carton.id)).all()
    assert [(c.label, c.sscc) for c in cartons] == [(SSCC, SSCC), ("PALLET-7", None)]
    assert asn.carton_count == 2  # stored with them: the lists and the scans never count
    assert all(c.status is CartonStatus.EXPECTED and c.in_sample is False
               and c.recount_requested is False and c.opened_at is None for c in cartons)
    contents = db.session.scalars(
        sa.select(CartonContent).where(CartonContent.carton_id.in_([c.id for c in cartons]))
        .order_by(CartonContent.id)).all()
    assert [(c.carton_id, c.sku.code, c.declared_qty, c.counted_qty, c.damaged_qty)
            for c in contents] == [
        (cartons[0].id, "ACME-MUG-01", 10, None, 0),
        (cartons[1].id, "ACME-MUG-01", 4, None, 0),
        (cartons[1].id, "ACME-LID-02", 6, None, 0),
    ]
    movements = db.session.scalars(
        sa.select(Movement).where(Movement.asn_id == asn.id).order_by(Movement.id)).all()
    assert [(m.carton_id, m.sku_id, m.qty) for m in movements] == [
        (cartons[0].id, sku_id("ACME-MUG-01"), 10),
        (cartons[1].id, sku_id("ACME-MUG-01"), 4),
        (cartons[1].id, sku_id("ACME-LID-02"), 6),
    ]
    supervisor = user("supervisor")
    for movement in movements:
        assert movement.bucket is Bucket.IN_TRANSIT
        assert movement.reason == "asn_submitted"
        assert movement.user_id == supervisor.id and movement.location_id is None
        assert movement.created_at.tzinfo is UTC
        assert started - timedelta(seconds=1) <= movement.created_at <= datetime.now(UTC)
    assert_ledger_balanced()


def test_bulk_postings_write_the_same_movements_and_balances_as_posting_one_list(demo):
    warehouse_id = db.session.scalar(sa.select(Warehouse.id).where(Warehouse.code == "LAX1"))
    mug = db.session.scalar(sa.select(Sku).where(Sku.code == "ACME-MUG-01"))
    postings = [
        Posting(warehouse_id=warehouse_id, seller_id=mug.seller_id, sku_id=mug.id,
                bucket=Bucket.IN_TRANSIT, qty=qty, reason="bulk_test")
        for qty in (5, 0, -2, 7)
    ] + [Posting(warehouse_id=warehouse_id, seller_id=mug.seller_id, sku_id=mug.id,
                 bucket=Bucket.QUARANTINE, qty=3, reason="bulk_test")]

    def booked():
        rows = db.session.execute(
            sa.select(Movement.warehouse_id, Movement.seller_id, Movement.sku_id,
                      Movement.location_id, Movement.bucket, Movement.qty, Movement.reason)
            .where(Movement.reason == "bulk_test").order_by(Movement.id)).all()
        balances = dict(db.session.execute(
            sa.select(Balance.bucket, Balance.qty).where(Balance.sku_id == mug.id)).all())
        return rows, balances

    before = booked()[1]
    post_movements(postings)
    one_list, after_one = booked()
    post_movements(iter(postings), bulk=True)  # a generator is enough
    both, after_both = booked()
    db.session.commit()

    assert len(one_list) == 4  # the zero posting is no movement
    assert both == one_list + one_list
    for bucket, qty in after_both.items():
        assert qty - after_one[bucket] == after_one[bucket] - before.get(bucket, 0)
    assert_ledger_balanced()


def test_a_bulk_insert_that_breaks_a_constraint_raises_integrity_error(demo):
    asn = submit("BULK-2")
    asn_id = asn.id
    with pytest.raises(sa.exc.IntegrityError):
        insert_rows(Carton.__table__, ("asn_id", "label"), [(asn_id, "C99"), (asn_id, "C01")])
    db.session.rollback()
    assert db.session.scalar(
        sa.select(sa.func.count(Carton.id)).where(Carton.asn_id == asn_id)) == 10


def test_a_column_with_a_function_default_must_be_given(demo):
    with pytest.raises(ValueError, match="created_at"):
        insert_rows(Movement.__table__, ("warehouse_id",), [])


def test_the_asn_answer_shows_a_carton_changed_earlier_in_the_same_transaction(demo):
    asn = submit("BULK-3")
    asn.cartons[0].status = CartonStatus.RECEIVED  # not flushed yet

    assert [c.status for c in asn_cartons(asn)][:2] == [CartonStatus.RECEIVED,
                                                        CartonStatus.EXPECTED]
    db.session.rollback()


def test_a_later_asn_adds_new_barcodes_to_a_known_sku_and_keeps_its_old_ones(demo):
    from receiving_app.models import BarcodeKind

    kettle = {"sku": "KETTLE-1", "description": "Kettle", "barcodes": ["4006381333931"]}
    submit("SKU-1", {"K1": {"KETTLE-1": 2}}, skus=[kettle])
    second = submit("SKU-2", {"K2": {"KETTLE-1": 1, "ACME-MUG-01": 3}}, skus=[
        {"sku": "KETTLE-1", "barcodes": ["4006381333931", "X001ABCDE9"], "high_value": True}])
    db.session.expire_all()

    skus = db.session.scalars(sa.select(Sku).where(Sku.code == "KETTLE-1")).all()
    assert len(skus) == 1
    assert skus[0].description == "Kettle" and skus[0].high_value is True
    assert sorted((b.code, b.kind) for b in skus[0].barcodes) == [
        ("4006381333931", BarcodeKind.GTIN), ("X001ABCDE9", BarcodeKind.FNSKU)]
    contents = db.session.execute(
        sa.select(CartonContent.sku_id, CartonContent.declared_qty)
        .join(Carton, CartonContent.carton_id == Carton.id)
        .where(Carton.asn_id == second.id).order_by(CartonContent.id)).all()
    assert contents == [(skus[0].id, 1), (sku_id("ACME-MUG-01"), 3)]


def test_a_row_of_the_wrong_width_is_refused_not_shifted_into_other_columns(demo):
    asn_id = submit("BULK-4").id
    with pytest.raises(ValueError, match="3 values for 2 columns"):
        insert_rows(Carton.__table__, ("asn_id", "label"), [(asn_id, "C98", "extra")])
    db.session.rollback()
    assert db.session.scalar(
        sa.select(sa.func.count(Carton.id)).where(Carton.asn_id == asn_id)) == 10


def test_equal_values_of_different_types_are_stored_each_as_itself(demo):
    """The bind processors' answers are remembered per value: 1 and True are equal keys,
    and JSON stores them differently."""
    from receiving_app.models import ScanEvent, utcnow

    dock_id = user("dock").id
    now = utcnow()
    insert_rows(ScanEvent.__table__, ("user_id", "step", "raw_code", "outcome", "response",
                                      "parsed", "server_time", "idempotency_key"),
                [(dock_id, "receive", "X", "received", True, {}, now, "k-true"),
                 (dock_id, "receive", "X", "received", 1, {}, now, "k-one")])
    stored = dict(db.session.execute(sa.select(ScanEvent.idempotency_key, ScanEvent.response)
                                     .where(ScanEvent.raw_code == "X")).all())
    assert stored == {"k-true": True, "k-one": 1}
    assert type(stored["k-true"]) is bool and type(stored["k-one"]) is int
