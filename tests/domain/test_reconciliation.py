"""The reconciliation report: ending = beginning + in - out per SKU and bucket, summed from
the ledger for any period, equal to the balances for a period ending now."""
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from receiving_app.errors import InvalidInput
from receiving_app.extensions import db
from receiving_app.inventory.adjustments import adjust_stock
from receiving_app.inventory.queries import inventory_report
from receiving_app.inventory.reconciliation import (
    parse_reconciliation_period, reconciliation,
)
from receiving_app.models import Asn, Bucket, Movement, utcnow
from tests.support.builders import user
from tests.support.stock import MUG, SHELF, on_the_shelf

pytestmark = pytest.mark.both_databases


def report(who: str = "supervisor", first=None, last=None, **filters) -> dict:
    """The report as {(seller, sku): {bucket: flow}}."""
    period = parse_reconciliation_period(first, last)
    return {(row.seller.code, row.sku.code): row.flows
            for row in reconciliation(user(who), period, **filters)}


def lose(qty: int) -> None:
    adjust_stock(warehouse="LAX1", seller="ACME", sku=MUG, location=SHELF, qty=-qty,
                 reason="lost", note="gone", user=user("dock"))


def test_a_received_and_adjusted_sku_reconciles_by_reason(demo):
    on_the_shelf(20)
    lose(3)
    flows = report(sku=MUG)[("ACME", MUG)]
    on_hand, transit, dock = flows[Bucket.ON_HAND], flows[Bucket.IN_TRANSIT], flows[
        Bucket.RECEIVING]
    assert (on_hand.beginning, dict(on_hand.ins), dict(on_hand.outs), on_hand.ending) == (
        0, {"put_away": 20}, {"lost": 3}, 17)
    # the demo's ASN-ACME-0001 declares 252 mugs still on their way
    assert (dict(transit.ins), dict(transit.outs), transit.ending) == (
        {"asn_submitted": 272}, {"carton_received": 20}, 252)
    assert (dock.total_in, dock.total_out, dock.ending) == (20, 20, 0)
    assert all(flow.balanced for flow in flows.values())


def test_a_period_ending_now_agrees_with_the_inventory_for_every_sku(demo):
    on_the_shelf(20)
    lose(4)
    on_the_shelf(6, "LAX1-Q-01", number="S-2")
    balances = {(row["seller"], row["sku"]): row["buckets"]
                for row in inventory_report(user("supervisor"))}
    flows = report()
    assert set(flows) == set(balances)
    for key, by_bucket in flows.items():
        assert {b.value: f.ending for b, f in by_bucket.items()} == balances[key], key


def test_a_past_period_is_what_the_ledger_said_then(demo):
    on_the_shelf(20)
    asn = db.session.scalar(sa.select(Asn).where(Asn.number == "S-1"))
    ten_days_ago = utcnow() - timedelta(days=10)
    # the first receipt happened ten days ago; three were lost today
    db.session.execute(sa.update(Movement).where(Movement.asn_id == asn.id)
                       .values(created_at=ten_days_ago))
    db.session.commit()
    lose(3)
    five_days_ago = (utcnow() - timedelta(days=5)).isoformat()
    then = report(first=(utcnow() - timedelta(days=20)).isoformat(), last=five_days_ago,
                  sku=MUG)[("ACME", MUG)][Bucket.ON_HAND]
    assert (then.beginning, then.total_in, then.total_out, then.ending) == (0, 20, 0, 20)
    since = report(first=five_days_ago, sku=MUG)[("ACME", MUG)][Bucket.ON_HAND]
    assert (since.beginning, since.total_in, dict(since.outs), since.ending) == (
        20, 0, {"lost": 3}, 17)
    assert then.balanced and since.balanced


def test_days_are_the_warehouses_own_calendar_days(demo):
    on_the_shelf(20)
    # 07:30 UTC on 6 March is still 5 March in Los Angeles (UTC-8)
    db.session.execute(sa.update(Movement).values(
        created_at=datetime(2026, 3, 6, 7, 30, tzinfo=UTC)))
    db.session.commit()
    fifth = report(first="2026-03-05", last="2026-03-05", sku=MUG)[("ACME", MUG)]
    assert fifth[Bucket.ON_HAND].total_in == 20
    sixth = report(first="2026-03-06", last="2026-03-06", sku=MUG)[("ACME", MUG)]
    assert (sixth[Bucket.ON_HAND].beginning, sixth[Bucket.ON_HAND].total_in) == (20, 0)


def test_a_seller_sees_only_their_own_skus(demo):
    on_the_shelf(20)
    on_the_shelf(4, sku="NOVA-LAMP-01", number="N-1", seller="NOVA")
    assert {seller for seller, _ in report("acme")} == {"ACME"}
    assert {seller for seller, _ in report("nova")} == {"NOVA"}
    assert report("nova", seller="ACME") == {}


@pytest.mark.parametrize("first, last, path", [
    ("yesterday", None, "from"), (None, "2026-13-01", "to"), ("2026-03-02", "2026-03-01", "to"),
    ("2026-03-01T10:00:00", None, "from"),  # a time needs its offset
    (None, "9999-12-31", "to"), ("0001-01-01", None, "from"), (5, None, "from"),
    ("now", None, "from"),
])
def test_a_bad_period_is_refused_with_the_field(first, last, path):
    with pytest.raises(InvalidInput) as refused:
        parse_reconciliation_period(first, last)
    assert [d["path"] for d in refused.value.details] == [path]
