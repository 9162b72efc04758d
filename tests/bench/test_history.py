"""Generated history for the growth benchmark: closed receipts whose books balance."""
import pytest
import sqlalchemy as sa

from bench.data import HISTORY_PREFIX, grow_history
from receiving_app.extensions import db
from receiving_app.models import (
    Asn, AsnStatus, Bucket, Carton, CartonContent, CartonStatus, Movement, ScanEvent,
)
from tests.support.builders import arrived, counted, submit
from tests.support.ledger import assert_ledger_balanced, bucket_total

pytestmark = pytest.mark.both_databases


def count(column) -> int:
    return db.session.scalar(sa.select(sa.func.count(column)))


def history_asns():
    return db.session.scalars(sa.select(Asn).where(Asn.number.startswith(HISTORY_PREFIX))).all()


def test_generated_history_is_put_away_receipts_with_every_balance_equal_to_its_ledger(demo):
    movements, scans = count(Movement.id), count(ScanEvent.id)

    assert grow_history(5_000) == 5_000

    assert count(Movement.id) - movements == 5_000
    assert count(ScanEvent.id) - scans == 5_000
    asns = history_asns()
    assert len(asns) == 2 and {a.status for a in asns} == {AsnStatus.CLOSED}
    statuses = set(db.session.scalars(sa.select(Carton.status).join(Asn).where(
        Asn.number.startswith(HISTORY_PREFIX))))
    assert statuses == {CartonStatus.PUT_AWAY}
    assert_ledger_balanced()
    declared = db.session.scalar(sa.select(sa.func.sum(CartonContent.declared_qty))
                                 .join(Carton).join(Asn)
                                 .where(Asn.number.startswith(HISTORY_PREFIX)))
    on_hand = db.session.scalar(sa.select(sa.func.sum(Movement.qty)).join(
        Asn, Movement.asn_id == Asn.id).where(Asn.number.startswith(HISTORY_PREFIX),
                                              Movement.bucket == Bucket.ON_HAND))
    assert on_hand == declared > 0


def test_history_grows_to_the_level_asked_for_and_no_further(demo):
    assert grow_history(2_500) == 2_500
    assert grow_history(2_500) == 0
    assert grow_history(5_000) == 2_500
    assert len(history_asns()) == 2
    assert_ledger_balanced()


def test_the_dock_keeps_working_on_top_of_generated_history(demo):
    grow_history(2_500)
    asn = submit("AFTER-HISTORY", {"A1": {"ACME-MUG-01": 5}, "A2": {"ACME-MUG-01": 7}})
    arrived(asn)
    result = counted(asn)

    assert result["received"] == 2 and result["missing"] == []
    assert bucket_total("ACME-MUG-01", Bucket.IN_TRANSIT) == 10 * 24 + 12
    assert_ledger_balanced()
