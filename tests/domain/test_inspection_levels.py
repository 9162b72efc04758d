"""Sampling that learns from each seller: the sample size at each inspection level, and the
Z1.4-style switching rules walked over generated receipts."""
import pytest
import sqlalchemy as sa

from receiving_app.errors import InvalidInput
from receiving_app.extensions import db
from receiving_app.models import (
    ExceptionKind, InspectionLevel, ReceiptInspection, ReceivingException, SamplingPolicy,
    Seller,
)
from receiving_app.receiving import (
    close_receipt, complete_count, inspect_carton, put_away, receive_carton, resolve_exception,
)
from receiving_app.receiving.counting import arrive_asn
from receiving_app.receiving.inspection_levels import set_inspection_level, standing_of
from receiving_app.receiving.sampling import sample_size
from tests.support.builders import photographed, submit, user, warehouse

pytestmark = pytest.mark.both_databases
MUG = "ACME-MUG-01"


@pytest.mark.parametrize("cartons, normal, tightened, reduced", [
    (5, 2, 3, 2),        # Z1.4 II: 2, III: 3, I: 2; 10 % is 1
    (50, 8, 13, 5),      # II: 8, III: 13, I: 5 = the 10 % floor
    (500, 50, 80, 50),   # II: 50, III: 80, I: 20 but never under 10 %: 50
    (5_000, 500, 500, 500),  # 10 % (500) is above II (200), III (315) and I (80)
])
def test_the_sample_at_each_level_for_5_50_500_and_5000_cartons(cartons, normal, tightened,
                                                                  reduced):
    sizes = {level: sample_size(cartons, SamplingPolicy.Z14, 0.10, level)
             for level in InspectionLevel}
    assert sizes == {InspectionLevel.NORMAL: normal, InspectionLevel.TIGHTENED: tightened,
                     InspectionLevel.REDUCED: reduced}
    assert min(sizes.values()) * 10 >= cartons, "never under the 10 % floor"


def test_a_plain_rate_policy_is_never_reduced_below_its_rate():
    assert sample_size(500, SamplingPolicy.RATE, 0.15, InspectionLevel.REDUCED) == 75
    assert sample_size(500, SamplingPolicy.RATE, 0.15, InspectionLevel.TIGHTENED) == 80


def receipt(app, number: str, *, short: bool = False, damaged: int = 0,
            decision: str = "accept") -> dict:
    """One carton of ten mugs, received, counted, its sample opened (short by one when
    `short`, with `damaged` broken mugs), every exception photographed and decided, put
    away and closed. Answers the count's answer."""
    dock, supervisor = user("dock"), user("supervisor")
    asn = submit(number, {f"{number}-C1": {MUG: 10}})
    arrive_asn(asn, 1, user=dock)
    receive_carton(asn, f"{number}-C1", user=dock)
    counted = complete_count(asn, user=dock)
    for label in counted["sample"]:
        inspect_carton(asn, label, user=dock, counts=[
            {"sku": MUG, "qty": 9 if short else 10, "damaged": damaged}])
    for exception in db.session.scalars(sa.select(ReceivingException).where(
            ReceivingException.asn_id == asn.id)).all():
        photographed(exception, app)
        resolve_exception(exception, decision, "Checked.", user=supervisor)
    put_away(asn, f"{number}-C1", "LAX1-A-01-01", user=dock)
    close_receipt(asn, user=supervisor)
    return counted


def acme() -> Seller:
    return db.session.scalar(sa.select(Seller).where(Seller.code == "ACME"))


def level() -> tuple[str, str]:
    standing = standing_of(acme(), warehouse())
    return standing.level.value, standing.text


def test_the_rules_walk_normal_tightened_normal_reduced_normal(demo, app):
    assert level() == ("normal", "normal: the standard sample")
    receipt(app, "W-01", short=True)
    assert level()[0] == "normal"
    receipt(app, "W-02")
    receipt(app, "W-03", short=True)  # 2 of the last 5
    assert level() == ("tightened", "tightened: 2 of the last 5 receipts had differences")
    answer = receipt(app, "W-04")
    assert answer["inspection"] == {
        "level": "tightened", "reason": "tightened: 2 of the last 5 receipts had differences",
        "sample_size": 1}
    for n in range(5, 9):
        receipt(app, f"W-{n:02d}")
    assert level() == ("normal", "normal: 5 receipts in a row without differences under "
                                 "tightened inspection")
    for n in range(9, 18):
        receipt(app, f"W-{n:02d}")
    assert level()[0] == "normal", "nine clean receipts at normal: not yet"
    receipt(app, "W-18")
    assert level() == ("reduced", "reduced: 10 receipts in a row without differences")
    assert receipt(app, "W-19")["inspection"]["level"] == "reduced"
    receipt(app, "W-20", short=True)
    assert level() == ("normal", "normal: a receipt under reduced inspection had differences")
    standing = standing_of(acme(), warehouse())
    assert [(s.from_level.value, s.to_level.value, s.asn.number, s.by_id)
            for s in reversed(standing.switches)] == [
        ("normal", "tightened", "W-03", None), ("tightened", "normal", "W-08", None),
        ("normal", "reduced", "W-18", None), ("reduced", "normal", "W-20", None)]
    drawn = dict(db.session.execute(sa.select(ReceiptInspection.asn_id,
                                              ReceiptInspection.level)).all())
    assert sorted(level.value for level in drawn.values()).count("tightened") == 5


def test_a_difference_rejected_as_raised_in_error_is_no_finding(demo, app):
    receipt(app, "R-01", short=True, decision="reject")
    receipt(app, "R-02", short=True, decision="reject")
    assert level()[0] == "normal"
    assert db.session.scalars(sa.select(ReceiptInspection.finding)).all() == [False, False]


def test_damage_within_the_warehouses_tolerance_does_not_count_against_the_seller(demo, app):
    warehouse().damage_tolerance_pct = 10.0
    db.session.commit()
    receipt(app, "T-01", damaged=1)  # 1 of 10: not beyond 10 %
    receipt(app, "T-02", damaged=2)  # 2 of 10: beyond
    assert db.session.scalars(sa.select(ReceiptInspection.finding)
                              .order_by(ReceiptInspection.id)).all() == [False, True]


def test_a_supervisor_sets_a_level_by_hand_with_a_note_and_the_count_starts_again(demo, app):
    receipt(app, "H-01", short=True)
    set_inspection_level(acme(), warehouse(), "tightened", "New packer at their factory.",
                         user=user("supervisor"))
    standing = standing_of(acme(), warehouse())
    assert standing.text == "tightened: set by a supervisor"
    assert (standing.switches[0].by.username, standing.switches[0].note) == (
        "supervisor", "New packer at their factory.")
    assert standing.clean_in_a_row == 0 and standing.findings_in_last_five == 0
    with pytest.raises(InvalidInput) as refused:
        set_inspection_level(acme(), warehouse(), "lenient", " ", user=user("supervisor"))
    assert {d["path"] for d in refused.value.details} == {"level", "note"}


def test_another_sellers_receipts_leave_acmes_level_alone(demo, app):
    supervisor = user("supervisor")
    for n in (1, 2):
        asn = submit(f"N-0{n}", {f"N-0{n}-C1": {"NOVA-LAMP-01": 4}}, seller="NOVA")
        arrive_asn(asn, 1, user=user("dock"))
        receive_carton(asn, f"N-0{n}-C1", user=user("dock"))
        complete_count(asn, user=user("dock"))
        inspect_carton(asn, f"N-0{n}-C1", user=user("dock"),
                       counts=[{"sku": "NOVA-LAMP-01", "qty": 3}])
        exception = db.session.scalar(sa.select(ReceivingException).where(
            ReceivingException.asn_id == asn.id, ReceivingException.kind == ExceptionKind.SHORT))
        photographed(exception, app)
        resolve_exception(exception, "accept", "Short.", user=supervisor)
        put_away(asn, f"N-0{n}-C1", "LAX1-A-02-01", user=user("dock"))
        close_receipt(asn, user=supervisor)
    assert level()[0] == "normal"
    nova_seller = db.session.scalar(sa.select(Seller).where(Seller.code == "NOVA"))
    assert standing_of(nova_seller, warehouse()).level is InspectionLevel.TIGHTENED
