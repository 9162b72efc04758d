"""The dock flow in the domain: arrival, count, sample, exceptions, putaway, close."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from receiving_app.errors import Conflict, InvalidInput, NotFound, WrongStep
from receiving_app.extensions import db
from receiving_app.models import (
    Asn, AsnStatus, Bucket, CartonStatus, ExceptionKind, ExceptionState, ReceivingException,
    ScanEvent, SamplingPolicy, Seller,
)
from receiving_app.receiving import (
    arrive_asn, close_receipt, complete_count, count_units, inspect_carton, put_away,
    raise_exception, receive_carton, resolve_exception, suggest_location,
)
from receiving_app.receiving.counting import carton_progress
from receiving_app.receiving.sampling import choose_sample, sample_size
from tests.support.builders import arrived, counted, photographed, submit, user, warehouse
from tests.support.ledger import asn_bucket_total, assert_ledger_balanced, bucket_total

pytestmark = pytest.mark.both_databases


def exceptions_of(asn, kind=None):
    query = sa.select(ReceivingException).where(ReceivingException.asn_id == asn.id)
    if kind:
        query = query.where(ReceivingException.kind == kind)
    return db.session.scalars(query.order_by(ReceivingException.id)).all()


# --- arrival -------------------------------------------------------------------------

def test_arrival_starts_the_sla_clock_from_the_warehouse_policy(demo):
    asn = arrived(submit(), paperwork=10)
    assert asn.status is AsnStatus.ARRIVED and asn.paperwork_cartons == 10
    assert asn.sla_due_at - asn.arrived_at == timedelta(hours=48)


def test_a_sellers_contract_overrides_the_receipt_hours(demo):
    db.session.scalar(sa.select(Seller).where(Seller.code == "ACME")).receipt_hours = 24
    db.session.commit()
    asn = arrived(submit())
    assert asn.sla_due_at - asn.arrived_at == timedelta(hours=24)


def test_arrival_twice_is_a_wrong_step_and_a_bad_count_is_invalid(demo):
    asn = submit()
    with pytest.raises(InvalidInput):
        arrive_asn(asn, -3, user=user("dock"))
    arrived(asn)
    with pytest.raises(WrongStep):
        arrive_asn(asn, 10, user=user("dock"))


# --- carton count ----------------------------------------------------------------------

def test_first_scan_receives_the_carton_onto_the_dock(demo):
    asn = arrived(submit())
    result = receive_carton(asn, "C01", user=user("dock"))
    assert result.outcome == "received" and result.data["progress"] == {"received": 1, "total": 10}
    assert bucket_total("ACME-MUG-01", Bucket.RECEIVING, "LAX1-DOCK-01") == 10
    assert bucket_total("ACME-MUG-01", Bucket.IN_TRANSIT) == 252 + 90
    assert_ledger_balanced()


def test_second_scan_of_same_carton_is_flagged_not_counted(demo):
    asn = arrived(submit())
    receive_carton(asn, "C01", user=user("dock"))
    again = receive_carton(asn, "C01\r\n", user=user("dock"))
    assert again.outcome == "duplicate" and again.tone == "warn"
    assert bucket_total("ACME-MUG-01", Bucket.RECEIVING) == 10
    assert again.data["progress"]["received"] == 1


def test_sscc_label_is_matched_in_any_scanned_form(demo):
    asn = db.session.scalar(sa.select(Asn).where(Asn.number == "ASN-ACME-0001"))
    arrived(asn)
    sscc = asn.cartons[0].sscc
    assert receive_carton(asn, f"]C100{sscc}", user=user("dock")).outcome == "received"
    assert receive_carton(asn, f"(00){sscc}", user=user("dock")).outcome == "duplicate"
    assert receive_carton(asn, sscc, user=user("dock")).outcome == "duplicate"


def test_unknown_label_raises_one_unexpected_carton_exception(demo):
    asn = arrived(submit())
    first = receive_carton(asn, "STRANGER-9", user=user("dock"))
    second = receive_carton(asn, "STRANGER-9", user=user("dock"))
    assert first.outcome == second.outcome == "unknown" and first.tone == "error"
    [exception] = exceptions_of(asn, ExceptionKind.UNEXPECTED_CARTON)
    assert exception.carton_label == "STRANGER-9" and exception.state is ExceptionState.DRAFT


def test_a_bad_sscc_check_digit_is_unreadable_not_a_match(demo):
    asn = db.session.scalar(sa.select(Asn).where(Asn.number == "ASN-ACME-0001"))
    arrived(asn)
    sscc = asn.cartons[0].sscc
    wrong = sscc[:-1] + str((int(sscc[-1]) + 1) % 10)
    result = receive_carton(asn, f"00{wrong}", user=user("dock"))
    assert result.outcome == "unreadable" and "check digit" in result.message
    assert asn.cartons[0].status is CartonStatus.EXPECTED


def test_scans_before_arrival_are_a_wrong_step(demo):
    with pytest.raises(WrongStep, match="submitted"):
        receive_carton(submit(), "C01", user=user("dock"))


def test_the_same_idempotency_key_twice_is_one_scan(demo):
    asn = arrived(submit())
    first = receive_carton(asn, "C01", user=user("dock"), key="k-1")
    replay = receive_carton(asn, "C01", user=user("dock"), key="k-1")
    assert first.outcome == replay.outcome == "received" and replay.replayed
    assert db.session.scalar(sa.select(sa.func.count(ScanEvent.id))) == 1
    assert bucket_total("ACME-MUG-01", Bucket.RECEIVING) == 10


def test_another_users_key_is_refused(demo):
    asn = arrived(submit())
    receive_carton(asn, "C01", user=user("dock"), key="k-shared")
    with pytest.raises(Conflict):
        receive_carton(asn, "C02", user=user("supervisor"), key="k-shared")


def test_completing_the_count_makes_missing_cartons_exceptions(demo):
    asn = submit()
    result = counted(asn, [f"C{n:02d}" for n in range(1, 9)])
    assert sorted(result["missing"]) == ["C09", "C10"]
    assert result["received"] == 8 and result["paperwork_matches"] is False
    missing = exceptions_of(asn, ExceptionKind.MISSING_CARTON)
    assert [e.carton.label for e in missing] == ["C09", "C10"]
    assert asn.status is AsnStatus.COUNTED and asn.counted_at is not None


# --- sampling ------------------------------------------------------------------------

@pytest.mark.parametrize("cartons, expected", [
    (1, 1), (5, 2), (10, 3), (50, 8), (100, 20), (500, 50), (2000, 200),
])
def test_sample_size_is_the_larger_of_ten_percent_and_z14_level_ii(cartons, expected):
    assert sample_size(cartons, SamplingPolicy.Z14, 0.10) == expected


@pytest.mark.parametrize("cartons, expected", [(1, 1), (5, 1), (10, 1), (30, 3), (2000, 200)])
def test_a_plain_rate_policy_opens_ten_percent_rounded_up(cartons, expected):
    assert sample_size(cartons, SamplingPolicy.RATE, 0.10) == expected
    assert sample_size(cartons, SamplingPolicy.RATE, 0.05) == expected  # never below 10 %


def test_no_cartons_received_means_no_sample():
    assert sample_size(0, SamplingPolicy.Z14, 0.10) == 0


def test_the_same_seed_picks_the_same_cartons(demo):
    asn = counted(submit("S-1", {f"C{n:03d}": {"ACME-MUG-01": 5} for n in range(1, 101)}))
    cartons = db.session.scalar(sa.select(Asn).where(Asn.number == "S-1")).cartons
    chosen = [c.label for c in cartons if c.in_sample]
    assert len(chosen) == 20 and sorted(asn["sample"]) == sorted(chosen)
    seed = db.session.scalar(sa.select(Asn).where(Asn.number == "S-1")).sample_seed
    assert [c.label for c in choose_sample(cartons, seed, 20)] == chosen
    assert [c.label for c in choose_sample(cartons, seed + 1, 20)] != chosen


def test_mixed_and_high_value_cartons_are_always_opened(demo):
    asn = db.session.scalar(sa.select(Asn).where(Asn.number == "ASN-ACME-0001"))
    result = counted(asn)
    mixed, watch = asn.cartons[10].label, asn.cartons[11].label
    assert mixed in result["sample"] and watch in result["sample"]
    assert len(result["sample"]) == 3 + 2  # Z1.4 for 12 cartons, plus the two forced


# --- inspection --------------------------------------------------------------------------

def sample_of(asn):
    return [c for c in asn.cartons if c.in_sample]


def test_a_matching_count_raises_nothing(demo):
    asn = submit()
    counted(asn)
    carton = sample_of(asn)[0]
    result = inspect_carton(asn, carton.label, user=user("dock"),
                            counts=[{"sku": "ACME-MUG-01", "qty": 10, "damaged": 0}])
    assert result["exceptions"] == [] and result["escalated"] == []


def test_a_short_carton_is_an_exception_and_escalates_the_sample(demo):
    asn = submit()
    counted(asn)
    before = {c.label for c in sample_of(asn)}
    carton = sample_of(asn)[0]
    result = inspect_carton(asn, carton.label, user=user("dock"),
                            counts=[{"sku": "ACME-MUG-01", "qty": 7}])
    assert [(e["kind"], e["expected"], e["found"]) for e in result["exceptions"]] == [
        ("short", 10, 7)]
    # every other received carton holds the mug: all of them are opened now
    assert set(result["escalated"]) == {c.label for c in asn.cartons} - before
    assert all(c.in_sample for c in asn.cartons)


def test_unit_scans_count_by_barcode_and_find_wrong_and_undeclared_skus(demo):
    asn = submit("M-1", {"C1": {"ACME-MUG-01": 2}, "C2": {"ACME-MUG-01": 2}})
    counted(asn)  # two cartons: Z1.4 says open both
    mug_ean = next(b.code for c in asn.cartons for b in c.contents[0].sku.barcodes)
    for _ in range(2):
        count_units(asn, "C1", mug_ean, user=user("dock"))
    count_units(asn, "C1", "X001ACME02", user=user("dock"))        # a lid, by FNSKU
    assert count_units(asn, "C1", "NOT-A-PRODUCT", user=user("dock")).outcome == "unknown"
    mixed = inspect_carton(asn, "C1", user=user("dock"))
    assert [e["kind"] for e in mixed["exceptions"]] == ["undeclared_mixed"]
    count_units(asn, "C2", "ACME-LID-02", user=user("dock"), qty=2)  # typed count
    wrong = inspect_carton(asn, "C2", user=user("dock"))
    assert sorted(e["kind"] for e in wrong["exceptions"]) == ["short", "wrong_sku"]


def test_damaged_units_are_an_exception(demo):
    asn = submit("D-1", {"C1": {"ACME-MUG-01": 4}})
    counted(asn)
    result = inspect_carton(asn, "C1", user=user("dock"),
                            counts=[{"sku": "ACME-MUG-01", "qty": 4, "damaged": 1}])
    assert [(e["kind"], e["found"]) for e in result["exceptions"]] == [("damaged", 1)]


def test_a_carton_outside_the_sample_is_not_opened(demo):
    asn = submit()
    counted(asn)
    outside = next(c for c in asn.cartons if not c.in_sample)
    with pytest.raises(WrongStep, match="not in the sample"):
        inspect_carton(asn, outside.label, user=user("dock"), counts=[])


# --- exceptions and photos ---------------------------------------------------------------

def test_an_exception_without_a_photo_cannot_be_submitted_for_resolution(demo, app):
    asn = arrived(submit())
    exception = raise_exception(asn, "damaged", user=user("dock"), carton_label="C01",
                                note="Crushed corner")
    assert exception.state is ExceptionState.DRAFT
    with pytest.raises(WrongStep, match="no photo"):
        resolve_exception(exception, "accept", "ok", user=user("supervisor"))
    photo = photographed(exception, app)
    assert exception.state is ExceptionState.OPEN and exception.submitted_at is not None
    assert len(photo.sha256) == 64 and photo.public_id != str(photo.id)


def test_a_resolution_needs_a_note_and_a_resolved_exception_cannot_be_resolved_again(demo, app):
    asn = arrived(submit())
    exception = raise_exception(asn, "unreadable_label", user=user("dock"), carton_label="??")
    photographed(exception, app)
    with pytest.raises(InvalidInput):
        resolve_exception(exception, "reject", "  ", user=user("supervisor"))
    resolve_exception(exception, "reject", "label was fine", user=user("supervisor"))
    with pytest.raises(Conflict, match="Already resolved"):
        resolve_exception(exception, "accept", "me too", user=user("supervisor"))


# --- putaway -------------------------------------------------------------------------

def test_putaway_moves_the_carton_from_the_dock_to_the_shelf(demo):
    asn = submit()
    counted(asn)
    carton = next(c for c in asn.cartons if not c.in_sample)
    assert suggest_location(asn, carton).barcode == "LAX1-A-01-01"
    result = put_away(asn, carton.label, "LAX1-A-01-01", user=user("dock"))
    assert result.outcome == "put_away"
    assert bucket_total("ACME-MUG-01", Bucket.ON_HAND, "LAX1-A-01-01") == 10
    assert bucket_total("ACME-MUG-01", Bucket.RECEIVING) == 90
    next_carton = next(c for c in asn.cartons if not c.in_sample and c.label != carton.label)
    assert suggest_location(asn, next_carton).barcode == "LAX1-A-01-01"  # where mugs live
    assert_ledger_balanced()


def test_progress_counts_this_asns_received_and_shelved_cartons_not_missing_ones(demo):
    other = arrived(submit("T-OTHER"))
    receive_carton(other, "C01", user=user("dock"))  # another ASN's cartons count for it alone
    asn = submit()
    counted(asn, ["C01", "C02", "C03", "C04"])  # six missing
    assert carton_progress(asn) == {"received": 4, "total": 10}
    carton = next(c for c in asn.cartons if c.status is CartonStatus.RECEIVED and not c.in_sample)
    put_away(asn, carton.label, "LAX1-A-01-01", user=user("dock"))
    assert carton_progress(asn) == {"received": 4, "total": 10}  # shelved is still received
    assert carton_progress(other) == {"received": 1, "total": 10}


def test_putting_a_carton_away_twice_is_refused(demo):
    asn = submit()
    counted(asn)
    carton = next(c for c in asn.cartons if not c.in_sample)
    put_away(asn, carton.label, "LAX1-A-01-01", user=user("dock"))
    with pytest.raises(Conflict, match="already put away to LAX1-A-01-01"):
        put_away(asn, carton.label, "LAX1-A-01-02", user=user("dock"))
    assert bucket_total("ACME-MUG-01", Bucket.ON_HAND, "LAX1-A-01-02") == 0


def test_putaway_to_another_warehouse_or_a_dock_door_is_refused(demo):
    from receiving_app.models import Location, LocationKind, Warehouse

    other = Warehouse(code="NYC1", name="New York 1")
    db.session.add(Location(warehouse=other, barcode="NYC1-A-01", kind=LocationKind.STORAGE))
    db.session.commit()
    asn = submit()
    counted(asn)
    carton = next(c for c in asn.cartons if not c.in_sample)
    with pytest.raises(Conflict, match="another warehouse"):
        put_away(asn, carton.label, "NYC1-A-01", user=user("dock"))
    with pytest.raises(WrongStep, match="dock door"):
        put_away(asn, carton.label, "LAX1-DOCK-02", user=user("dock"))
    with pytest.raises(NotFound):
        put_away(asn, carton.label, "NOWHERE", user=user("dock"))


def test_a_sample_carton_waits_for_its_count_and_an_exception_keeps_it_on_the_dock(demo):
    asn = submit()
    counted(asn)
    carton = sample_of(asn)[0]
    with pytest.raises(WrongStep, match="Open and count"):
        put_away(asn, carton.label, "LAX1-A-01-01", user=user("dock"))
    inspect_carton(asn, carton.label, user=user("dock"), counts=[{"sku": "ACME-MUG-01", "qty": 9}])
    with pytest.raises(WrongStep, match="open exception"):
        put_away(asn, carton.label, "LAX1-A-01-01", user=user("dock"))


# --- close ---------------------------------------------------------------------------

def test_close_is_refused_while_cartons_or_exceptions_are_open(demo, app):
    asn = submit("X-1", {"C1": {"ACME-MUG-01": 3}, "C2": {"ACME-MUG-01": 3}})
    counted(asn, ["C1"])
    with pytest.raises(WrongStep):
        close_receipt(asn, user=user("supervisor"))
    inspect_carton(asn, "C1", user=user("dock"), counts=[{"sku": "ACME-MUG-01", "qty": 3}])
    put_away(asn, "C1", "LAX1-A-02-01", user=user("dock"))
    assert asn.status is AsnStatus.PUT_AWAY
    with pytest.raises(Conflict, match="still open"):
        close_receipt(asn, user=user("supervisor"))
    [missing] = exceptions_of(asn, ExceptionKind.MISSING_CARTON)
    photographed(missing, app)
    resolve_exception(missing, "accept", "carton never came", user=user("supervisor"))
    close_receipt(asn, user=user("supervisor"))
    assert asn.status is AsnStatus.CLOSED and asn.closed_at is not None
    assert asn_bucket_total(asn, Bucket.IN_TRANSIT) == 0
    assert_ledger_balanced()


def test_the_same_photo_sent_twice_to_one_exception_is_one_piece_of_evidence(demo, app):
    from receiving_app.models import Photo

    asn = arrived(submit())
    exception = raise_exception(asn, "damaged", user=user("dock"), carton_label="C01")
    first = photographed(exception, app)
    again = photographed(exception, app)  # a phone replaying an upload whose answer it lost
    assert again.id == first.id
    assert db.session.scalar(sa.select(sa.func.count(Photo.id))) == 1
