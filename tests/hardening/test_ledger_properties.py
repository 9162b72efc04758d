"""Random sequences of everything the dock, the desk and the shelves can do: the ledger never
drifts.

After every step: each balance equals the sum of its movements (what `flask inventory
rebuild --check` checks), no bucket is negative, available = on_hand - reserved, every
movement other than a submission, a write-off, an accepted variance or an adjustment is
half of a balanced move, and a replayed scan changes nothing. Adjustments (some waiting for
approval or proposed, approved or rejected), quarantine exits and cycle counts (with
movements during the count) run among the receipts, and the reconciliation report of a
random period balances. After close, nothing of the ASN is left in transit or on the dock
and every declared unit is accounted for.
"""
import os
import uuid

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle, RuleBasedStateMachine, invariant, multiple, rule, run_state_machine_as_test,
)

from receiving_app.errors import DomainError
from receiving_app.extensions import db
from receiving_app.inventory.adjustments import (
    adjust_stock, approve_adjustment, reject_adjustment,
)
from receiving_app.inventory.counts import (
    approve_cycle_count, complete_cycle_count, count_line, create_cycle_count,
)
from receiving_app.inventory.quarantine import dispose_quarantine
from receiving_app.inventory.queries import inventory_report
from receiving_app.inventory.reconciliation import Bound, Period, reconciliation
from receiving_app.inventory.reconcile import ledger_differences
from receiving_app.models import (
    Adjustment, AdjustmentState, Asn, AsnStatus, Balance, Bucket, CycleCount, ExceptionState,
    Location, LocationKind, Movement, ReceivingException, Role, ScanEvent, Seller, Sku, User,
    Warehouse, utcnow,
)
from receiving_app.receiving import (
    arrive_asn, cancel_asn, close_receipt, complete_count, inspect_carton, put_away,
    raise_exception, receive_carton, resolve_exception, submit_asn,
)
from receiving_app.receiving.resolving import reverse_resolution
from tests.support.builders import photographed

pytestmark = pytest.mark.both_databases

EXAMPLES = int(os.environ.get("LEDGER_EXAMPLES", "200" if os.environ.get("CI") else "25"))
SKUS = ["P-MUG", "P-LID", "P-WATCH"]
STORAGE = ["S-01", "S-02", "S-03", "Q-01"]
# movements that are not half of a balanced move: units entering or leaving the books
ONE_SIDED = ("asn_submitted", "missing_at_close", "carton_missing", "asn_cancelled",
             "decision_reversed", "count_gain", "count_loss", "damaged_in_storage", "found",
             "lost", "dispute_accepted", "correction", "disposed", "returned_to_seller") + tuple(
    f"{kind}_{decision}" for kind in ("short", "over", "wrong_sku", "undeclared_mixed")
    for decision in ("accept", "carrier_claim"))


def reset_world(app) -> None:
    """An empty database with one warehouse, one seller, three SKUs and two users."""
    db.session.rollback()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
    warehouse = Warehouse(code="W1", name="W1")
    db.session.add_all([
        Location(warehouse=warehouse, barcode="DOCK", kind=LocationKind.DOCK),
        Location(warehouse=warehouse, barcode="S-01", kind=LocationKind.STORAGE),
        Location(warehouse=warehouse, barcode="S-02", kind=LocationKind.STORAGE),
        Location(warehouse=warehouse, barcode="S-03", kind=LocationKind.STORAGE),
        Location(warehouse=warehouse, barcode="Q-01", kind=LocationKind.QUARANTINE),
    ])
    seller = Seller(code="S1", name="S1")
    db.session.add(seller)
    db.session.flush()
    for code in SKUS:
        db.session.add(Sku(seller_id=seller.id, code=code, high_value=code == "P-WATCH"))
    # a fixed hash: nobody logs in here, and hashing would cost more than the test
    db.session.add_all([
        User(username="dock", password_hash="x", role=Role.DOCK, warehouse=warehouse),
        User(username="boss", password_hash="x", role=Role.SUPERVISOR, warehouse=warehouse),
        User(username="boss2", password_hash="x", role=Role.SUPERVISOR, warehouse=warehouse),
    ])
    db.session.commit()


def who(name: str) -> User:
    return db.session.scalar(sa.select(User).where(User.username == name))


def ledger_state() -> tuple:
    return (db.session.scalar(sa.select(sa.func.count(Movement.id))),
            tuple(db.session.execute(sa.select(Balance.id, Balance.qty).order_by(Balance.id))))


class LedgerMachine(RuleBasedStateMachine):
    asns = Bundle("asns")
    keys = Bundle("keys")

    def __init__(self):
        super().__init__()
        reset_world(self.app)
        self.counter = 0

    def _asn(self, asn_id: int) -> Asn:
        db.session.expire_all()
        return db.session.get(Asn, asn_id)

    def _try(self, action):
        try:
            return action()
        except DomainError:
            db.session.rollback()
            return None

    @rule(target=asns, cartons=st.lists(
        st.dictionaries(st.sampled_from(SKUS), st.integers(1, 6), min_size=1, max_size=2),
        min_size=1, max_size=4))
    def submit(self, cartons):
        self.counter += 1
        payload = {"number": f"A{self.counter}", "warehouse": "W1", "seller": "S1", "cartons": [
            {"label": f"A{self.counter}-C{i}", "contents": [{"sku": s, "qty": q}
                                                        for s, q in c.items()]}
            for i, c in enumerate(cartons)]}
        return submit_asn(payload, user=who("boss")).id

    @rule(asn=asns)
    def cancel(self, asn):
        self._try(lambda: cancel_asn(self._asn(asn), user=who("boss")))

    @rule(asn=asns, paperwork=st.integers(0, 5))
    def arrive(self, asn, paperwork):
        self._try(lambda: arrive_asn(self._asn(asn), paperwork, user=who("dock")))

    @rule(target=keys, asn=asns, carton=st.integers(0, 4), fresh=st.booleans())
    def receive(self, asn, carton, fresh):
        key = str(uuid.uuid4()) if fresh else None
        label = f"A{asn}-C{carton}"
        record = self._asn(asn)
        label = f"{record.number}-C{carton}" if record else label
        result = self._try(lambda: receive_carton(self._asn(asn), label, user=who("dock"),
                                                  key=key))
        # a refused scan (wrong step) consumed no key: only answered keys must replay
        return multiple(*([(asn, label, key)] if key and result is not None else []))

    @rule(sent=keys)
    def replay(self, sent):
        asn, label, key = sent
        before = ledger_state()
        events = db.session.scalar(sa.select(sa.func.count(ScanEvent.id)))
        self._try(lambda: receive_carton(self._asn(asn), label, user=who("dock"), key=key))
        assert ledger_state() == before
        assert db.session.scalar(sa.select(sa.func.count(ScanEvent.id))) == events

    @rule(asn=asns)
    def complete_count(self, asn):
        self._try(lambda: complete_count(self._asn(asn), user=who("dock")))

    @rule(asn=asns, carton=st.integers(0, 4), delta=st.integers(-3, 2),
          damaged=st.integers(0, 2), extra=st.booleans())
    def inspect(self, asn, carton, delta, damaged, extra):
        record = self._asn(asn)
        cartons = [c for c in record.cartons if c.in_sample and c.inspected_at is None]
        if not cartons:
            return
        target = cartons[carton % len(cartons)]
        counts = []
        for content in target.contents:
            if content.declared_qty:
                qty = max(content.declared_qty + delta, 0)
                counts.append({"sku": content.sku.code, "qty": qty, "damaged": min(damaged, qty)})
        if extra:
            missing = [s for s in SKUS if s not in {c["sku"] for c in counts}]
            if missing:
                counts.append({"sku": missing[0], "qty": 2, "damaged": 0})
        self._try(lambda: inspect_carton(record, target.label, user=who("dock"), counts=counts))

    @rule(asn=asns, carton=st.integers(0, 4), qty=st.integers(0, 3))
    def raise_damage(self, asn, carton, qty):
        record = self._asn(asn)
        label = f"{record.number}-C{carton}"
        sku = next((c.sku.code for x in record.cartons if x.label == label for c in x.contents),
                   None)
        self._try(lambda: raise_exception(record, "damaged", user=who("dock"),
                                          carton_label=label, sku=sku, qty=qty, note="dented"))

    @rule(asn=asns, pick=st.integers(0, 20))
    def photograph(self, asn, pick):
        drafts = db.session.scalars(sa.select(ReceivingException).where(
            ReceivingException.asn_id == asn, ReceivingException.state == ExceptionState.DRAFT)
            .order_by(ReceivingException.id)).all()
        if drafts:
            self._try(lambda: photographed(drafts[pick % len(drafts)], self.app))

    @rule(asn=asns, pick=st.integers(0, 20),
          resolution=st.sampled_from(["accept", "recount", "carrier_claim", "reject"]))
    def resolve(self, asn, pick, resolution):
        pending = db.session.scalars(sa.select(ReceivingException).where(
            ReceivingException.asn_id == asn,
            ReceivingException.state != ExceptionState.RESOLVED)
            .order_by(ReceivingException.id)).all()
        if pending:
            self._try(lambda: resolve_exception(pending[pick % len(pending)], resolution,
                                                "decided", user=who("boss")))

    @rule(asn=asns, pick=st.integers(0, 20))
    def reverse(self, asn, pick):
        resolved = db.session.scalars(sa.select(ReceivingException).where(
            ReceivingException.asn_id == asn,
            ReceivingException.state == ExceptionState.RESOLVED)
            .order_by(ReceivingException.id)).all()
        if resolved:
            self._try(lambda: reverse_resolution(resolved[pick % len(resolved)], "wrong call",
                                                 user=who("boss")))

    @rule(asn=asns, carton=st.integers(0, 4), location=st.sampled_from(STORAGE))
    def put_away(self, asn, carton, location):
        record = self._asn(asn)
        self._try(lambda: put_away(record, f"{record.number}-C{carton}", location,
                                   user=who("dock"), key=str(uuid.uuid4())))

    @rule(asn=asns, location=st.sampled_from(STORAGE))
    def receive_whole(self, asn, location):
        """A whole receipt as declared: checked in, every carton received, the sample opened
        and counted right, everything put away (stock on the shelves to count and adjust)."""
        record = self._asn(asn)
        if record.status is not AsnStatus.SUBMITTED:
            return
        arrive_asn(record, len(record.cartons), user=who("dock"))
        for label in [c.label for c in record.cartons]:
            receive_carton(self._asn(asn), label, user=who("dock"))
        complete_count(self._asn(asn), user=who("dock"))
        record = self._asn(asn)
        for carton in [c for c in record.cartons if c.in_sample]:
            counts = [{"sku": c.sku.code, "qty": c.declared_qty} for c in carton.contents]
            inspect_carton(self._asn(asn), carton.label, user=who("dock"), counts=counts)
        for label in [c.label for c in self._asn(asn).cartons]:
            put_away(self._asn(asn), label, location, user=who("dock"), key=str(uuid.uuid4()))

    @rule(asn=asns)
    def close(self, asn):
        self._try(lambda: close_receipt(self._asn(asn), user=who("boss")))

    @rule(location=st.sampled_from(STORAGE), sku=st.sampled_from(SKUS),
          qty=st.integers(-14, 14).filter(bool), person=st.sampled_from(["dock", "boss"]),
          reason=st.sampled_from(["count_gain", "count_loss", "damaged_in_storage", "found",
                                  "lost", "correction"]))
    def adjust(self, location, sku, qty, person, reason):
        self._try(lambda: adjust_stock(warehouse="W1", seller="S1", sku=sku, location=location,
                                       qty=qty, reason=reason, note="shelf", user=who(person)))

    @rule(pick=st.integers(0, 20), approve=st.booleans(),
          person=st.sampled_from(["boss", "boss2"]))
    def decide_adjustment(self, pick, approve, person):
        # waiting for a second person, or proposed by a reversed decision or a dispute
        waiting = db.session.scalars(sa.select(Adjustment).where(Adjustment.state.in_((
            AdjustmentState.AWAITING_APPROVAL, AdjustmentState.PROPOSED)))
            .order_by(Adjustment.id)).all()
        if not waiting:
            return
        adjustment, supervisor = waiting[pick % len(waiting)], who(person)
        if approve:
            self._try(lambda: approve_adjustment(adjustment, user=supervisor))
        else:
            self._try(lambda: reject_adjustment(adjustment, user=supervisor, note="no"))

    @rule(sku=st.sampled_from(SKUS), qty=st.integers(1, 6),
          action=st.sampled_from(["release", "dispose", "return_to_seller"]),
          to_location=st.sampled_from(STORAGE))
    def dispose(self, sku, qty, action, to_location):
        self._try(lambda: dispose_quarantine(
            warehouse="W1", location="Q-01", seller="S1", sku=sku, qty=qty, action=action,
            to_location=to_location, note="", user=who("boss")))

    @rule(locations=st.lists(st.sampled_from(STORAGE), min_size=1, max_size=3, unique=True),
          blind=st.booleans())
    def create_count(self, locations, blind):
        self._try(lambda: create_cycle_count(warehouse="W1", locations=locations, blind=blind,
                                             user=who("boss")))

    @rule(pick=st.integers(0, 20), place=st.integers(0, 5),
          sku=st.one_of(st.none(), st.sampled_from(SKUS)), qty=st.integers(0, 8))
    def count_shelf(self, pick, place, sku, qty):
        """Units counted at one of the count's locations (or the location found empty),
        while receipts, putaways and adjustments go on around the count."""
        if (count := self._count(pick)) is None or not count.places:
            return
        location = count.places[place % len(count.places)].location.barcode
        self._try(lambda: count_line(count, location=location, sku=sku, qty=qty if sku else 0,
                                     user=who("dock")))

    @rule(pick=st.integers(0, 20), then_approve=st.booleans())
    def complete_count(self, pick, then_approve):
        if (count := self._count(pick)) is not None:
            self._try(lambda: complete_cycle_count(count, user=who("dock")))
            if then_approve:
                self._try(lambda: approve_cycle_count(count, user=who("boss")))

    @rule(pick=st.integers(0, 20))
    def approve_count(self, pick):
        if (count := self._count(pick)) is not None:
            self._try(lambda: approve_cycle_count(count, user=who("boss")))

    def _count(self, pick: int) -> CycleCount | None:
        counts = db.session.scalars(sa.select(CycleCount).order_by(CycleCount.id)).all()
        return counts[pick % len(counts)] if counts else None

    @rule(start=st.floats(0, 1), length=st.floats(0, 1))
    def reconcile(self, start, length):
        """A random period between the first movement and now: every SKU and bucket
        balances, and each ending is what the ledger holds before the period's end."""
        first = db.session.scalar(sa.select(sa.func.min(Movement.created_at)))
        if first is None:
            return
        span = utcnow() - first
        begin = first + span * start
        end = begin + (utcnow() - begin) * length
        rows = reconciliation(who("boss"), Period(Bound(instant=begin), Bound(instant=end)))
        before_end = dict(((s, k, b), int(q)) for s, k, b, q in db.session.execute(
            sa.select(Movement.seller_id, Movement.sku_id, Movement.bucket,
                      sa.func.sum(Movement.qty)).where(Movement.created_at < end)
            .group_by(Movement.seller_id, Movement.sku_id, Movement.bucket)))
        reported = {}
        for row in rows:
            for bucket, flow in row.flows.items():
                assert flow.balanced, (row.sku.code, bucket)
                reported[(row.seller.id, row.sku.id, bucket)] = flow.ending
        assert {k: q for k, q in reported.items() if q} == {
            k: q for k, q in before_end.items() if q}

    @invariant()
    def the_ledger_holds(self):
        db.session.rollback()
        # each balance equals the sum of its movements (`flask inventory rebuild --check`)
        assert ledger_differences() == []
        balances = db.session.execute(sa.select(
            Balance.seller_id, Balance.sku_id, Balance.bucket, Balance.qty)).all()
        # no bucket is negative
        assert all(qty >= 0 for *_, qty in balances)
        # available = on_hand - reserved, as the inventory report says
        report = {row["sku"]: row for row in inventory_report(who("boss"))}
        skus = dict(db.session.execute(sa.select(Sku.id, Sku.code)).all())
        for sku_id, code in skus.items():
            on_hand = sum(q for _, s, b, q in balances if s == sku_id and b is Bucket.ON_HAND)
            reserved = sum(q for _, s, b, q in balances if s == sku_id and b is Bucket.RESERVED)
            if code in report:
                assert report[code]["available"] == on_hand - reserved
        # every movement other than a submission, a write-off or an accepted variance is
        # half of a balanced move
        one_sided = Movement.reason.in_(ONE_SIDED)
        assert db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Movement.qty), 0))
                                 .where(sa.not_(one_sided))) == 0
        self._closed_asns_account_for_every_unit()

    def _closed_asns_account_for_every_unit(self):
        """declared = received + damaged + missing, nothing left in transit or on the dock."""
        finished = sa.select(Asn.id).where(Asn.status.in_((AsnStatus.CLOSED,
                                                           AsnStatus.CANCELLED)))
        rows = db.session.execute(
            sa.select(Movement.asn_id, Movement.bucket, Movement.reason, sa.func.sum(Movement.qty))
            .where(Movement.asn_id.in_(finished))
            .group_by(Movement.asn_id, Movement.bucket, Movement.reason)).all()
        totals: dict[int, dict] = {}
        for asn_id, bucket, reason, qty in rows:
            t = totals.setdefault(asn_id, {"buckets": {}, "declared": 0, "missing": 0})
            t["buckets"][bucket] = t["buckets"].get(bucket, 0) + qty
            if reason == "asn_submitted":
                t["declared"] += qty
            elif reason in ONE_SIDED:
                # written off (a missing carton, an accepted short) or added (an accepted
                # over), and the reversal of such a decision
                t["missing"] -= qty
        for t in totals.values():
            assert t["buckets"].get(Bucket.IN_TRANSIT, 0) == 0
            assert t["buckets"].get(Bucket.RECEIVING, 0) == 0
            received = t["buckets"].get(Bucket.ON_HAND, 0)
            damaged = t["buckets"].get(Bucket.QUARANTINE, 0)
            assert t["declared"] == received + damaged + t["missing"]


@pytest.mark.slow
def test_random_receiving_never_makes_the_ledger_drift(app):
    LedgerMachine.app = app
    run_state_machine_as_test(LedgerMachine, settings=settings(
        max_examples=EXAMPLES, stateful_step_count=50, deadline=None, database=None,
        suppress_health_check=list(HealthCheck)))
