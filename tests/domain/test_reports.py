"""Dock-to-stock figures on a constructed set of receipts whose answer is worked out by hand."""
from datetime import UTC, date, datetime

import pytest

from receiving_app.accounts import create_user
from receiving_app.errors import InvalidInput
from receiving_app.extensions import db
from receiving_app.models import ExceptionKind, ResolutionKind, Role, Warehouse
from receiving_app.receiving.reports import (
    Period, dock_to_stock, parse_period, percentile, report_csv,
)
from tests.support.builders import submit, user
from tests.support.review import closed_receipt_at, resolved_exception

pytestmark = pytest.mark.both_databases

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))


def march(day: int, hour: int = 16) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


@pytest.fixture
def receipts(demo):
    """LAX1 (Los Angeles) closed these in March:

    ACME, 10 cartons each: 10, 20, 30, 40 hours, due after 36: one breach (the 40).
      exceptions: 2 short, 1 damaged, and 1 short rejected as raised in error.
    NOVA, 5 cartons each: 5 and 50 hours, due after 48: one breach (the 50).
      exceptions: 1 missing carton.
    Outside the report: an ACME receipt closed in February, and one still open.
    """
    acme = [closed_receipt_at(f"ACME-{h}", arrived=march(2 + i), hours=h, due_hours=36)
            for i, h in enumerate((10, 20, 30, 40))]
    nova = [closed_receipt_at(f"NOVA-{h}", arrived=march(10 + i), hours=h, due_hours=48,
                              seller="NOVA", cartons=5) for i, h in enumerate((5, 50))]
    resolved_exception(acme[0], ExceptionKind.SHORT, ResolutionKind.ACCEPT)
    resolved_exception(acme[1], ExceptionKind.SHORT, ResolutionKind.ACCEPT)
    resolved_exception(acme[2], ExceptionKind.DAMAGED, ResolutionKind.CARRIER_CLAIM)
    resolved_exception(acme[3], ExceptionKind.SHORT, ResolutionKind.REJECT)
    resolved_exception(nova[0], ExceptionKind.MISSING_CARTON, ResolutionKind.ACCEPT)
    closed_receipt_at("ACME-FEB", arrived=datetime(2026, 2, 20, tzinfo=UTC), hours=3,
                      due_hours=36)
    submit("ACME-OPEN")
    return acme, nova


def test_per_seller_median_90th_percentile_and_breach_rate(receipts):
    report = dock_to_stock(user("supervisor"), MARCH)
    acme, nova = report.sellers
    assert (acme.code, acme.asns_closed) == ("ACME", 4)
    # median of 10, 20, 30, 40 = (20 + 30) / 2; p90 at rank 0.9 x 3 = 2.7: 30 + 0.7 x 10
    assert acme.median_hours == pytest.approx(25)
    assert acme.p90_hours == pytest.approx(37)
    assert acme.breach_rate == pytest.approx(1 / 4)
    assert (nova.code, nova.asns_closed) == ("NOVA", 2)
    # median of 5 and 50 = 27.5; p90 at rank 0.9: 5 + 0.9 x 45
    assert nova.median_hours == pytest.approx(27.5)
    assert nova.p90_hours == pytest.approx(45.5)
    assert nova.breach_rate == pytest.approx(1 / 2)


def test_per_warehouse_figures_pool_every_sellers_receipts(receipts):
    [lax1] = dock_to_stock(user("supervisor"), MARCH).warehouses
    assert (lax1.code, lax1.asns_closed) == ("LAX1", 6)
    # 5, 10, 20, 30, 40, 50: median (20 + 30) / 2; p90 at rank 4.5: 40 + 0.5 x 10
    assert lax1.median_hours == pytest.approx(25)
    assert lax1.p90_hours == pytest.approx(45)
    assert lax1.breach_rate == pytest.approx(2 / 6)


def test_exceptions_per_100_cartons_by_kind_leave_out_those_raised_in_error(receipts):
    report = dock_to_stock(user("supervisor"), MARCH)
    acme, nova = report.sellers
    [lax1] = report.warehouses
    # ACME: 3 exceptions (the rejected short does not count) on 40 cartons
    assert (acme.cartons, acme.exceptions) == (40, 3)
    assert acme.exceptions_per_100_cartons == pytest.approx(7.5)
    assert acme.per_100_cartons(acme.exceptions_by_kind[ExceptionKind.SHORT]) == \
        pytest.approx(5)
    assert acme.per_100_cartons(acme.exceptions_by_kind[ExceptionKind.DAMAGED]) == \
        pytest.approx(2.5)
    # NOVA: 1 missing carton on 10 cartons; LAX1: 4 on 50
    assert nova.exceptions_per_100_cartons == pytest.approx(10)
    assert lax1.exceptions_per_100_cartons == pytest.approx(8)
    assert report.kinds == [ExceptionKind.MISSING_CARTON, ExceptionKind.SHORT,
                            ExceptionKind.DAMAGED]


def test_the_period_is_cut_on_the_warehouses_own_calendar(demo):
    # 20:00 in Los Angeles on March 31st is already April 1st in UTC: it belongs to March
    late_march = closed_receipt_at("LATE-MARCH", arrived=datetime(2026, 3, 31, 20, tzinfo=UTC),
                                   hours=7, due_hours=36)
    # 01:00 on April 1st in Los Angeles is 08:00 UTC: April
    closed_receipt_at("APRIL", arrived=datetime(2026, 4, 1, 1, tzinfo=UTC), hours=7,
                      due_hours=36)
    assert late_march.closed_at == datetime(2026, 4, 1, 3, tzinfo=UTC)
    [acme] = dock_to_stock(user("supervisor"), MARCH).sellers
    assert acme.asns_closed == 1 and acme.median_hours == pytest.approx(7)
    [acme] = dock_to_stock(user("supervisor"), Period(date(2026, 4, 1), date(2026, 4, 1))).sellers
    assert acme.asns_closed == 1


def test_a_supervisor_reports_on_their_warehouse_and_a_head_office_admin_on_all(receipts):
    newark = Warehouse(code="EWR1", name="Newark 1", timezone="America/New_York")
    db.session.add(newark)
    db.session.commit()
    closed_receipt_at("ACME-EWR", arrived=march(20), hours=8, due_hours=36, warehouse=newark)
    supervisor_view = dock_to_stock(user("supervisor"), MARCH)
    assert [w.code for w in supervisor_view.warehouses] == ["LAX1"]
    create_user("head-office", "dockside-demo", Role.ADMIN)
    everything = dock_to_stock(user("head-office"), MARCH)
    assert [w.code for w in everything.warehouses] == ["EWR1", "LAX1"]
    acme = everything.sellers[0]
    # 8, 10, 20, 30, 40: median 20; p90 at rank 3.6: 30 + 0.6 x 10
    assert acme.asns_closed == 5 and acme.median_hours == pytest.approx(20)
    assert acme.p90_hours == pytest.approx(36)


def test_a_period_with_nothing_closed_has_no_figures(receipts):
    report = dock_to_stock(user("supervisor"), Period(date(2025, 1, 1), date(2025, 1, 31)))
    assert report.warehouses == [] and report.sellers == []


def test_percentiles_interpolate_between_the_closest_ranks():
    assert percentile([], 0.9) is None
    assert percentile([7], 0.9) == 7
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == pytest.approx(9.1)
    assert percentile([3, 1, 2], 0.5) == 2


def test_the_period_defaults_to_the_last_30_days_and_refuses_nonsense():
    today = date(2026, 3, 31)
    assert parse_period(None, None, today=today) == Period(date(2026, 3, 2), today)
    assert parse_period("2026-03-01", "2026-03-31", today=today) == MARCH
    for first, last, path in [("2026-13-01", "2026-03-31", "from"), ("yesterday", None, "from"),
                              ("2026-03-01", "31.03.2026", "to"),
                              ("2026-03-31", "2026-03-01", "to"),
                              ("2024-01-01", "2026-03-01", "from")]:
        with pytest.raises(InvalidInput) as refused:
            parse_period(first, last, today=today)
        assert refused.value.details[0]["path"] == path


def test_the_csv_has_a_row_per_warehouse_and_seller_with_the_same_figures(receipts):
    text = report_csv(dock_to_stock(user("supervisor"), MARCH))
    header, *rows = [line.split(",") for line in text.strip().split("\r\n")]
    assert header[:12] == ["from", "to", "group", "code", "name", "asns_closed", "median_hours",
                           "p90_hours", "breach_rate", "cartons", "exceptions",
                           "exceptions_per_100_cartons"]
    table = {(row[2], row[3]): dict(zip(header, row)) for row in rows}
    assert set(table) == {("warehouse", "LAX1"), ("seller", "ACME"), ("seller", "NOVA")}
    acme = table["seller", "ACME"]
    assert (acme["from"], acme["to"]) == ("2026-03-01", "2026-03-31")
    assert (acme["asns_closed"], acme["median_hours"], acme["p90_hours"],
            acme["breach_rate"]) == ("4", "25.00", "37.00", "0.2500")
    assert (acme["exceptions_per_100_cartons"], acme["short_per_100_cartons"],
            acme["damaged_per_100_cartons"], acme["over_per_100_cartons"]) == \
        ("7.50", "5.00", "2.50", "0.00")


def test_a_receipt_closed_after_its_due_time_by_one_minute_is_a_breach(demo):
    closed_receipt_at("JUST-LATE", arrived=march(5), hours=36 + 1 / 60, due_hours=36)
    closed_receipt_at("ON-TIME", arrived=march(6), hours=36, due_hours=36)
    [acme] = dock_to_stock(user("supervisor"), MARCH).sellers
    assert acme.breached == 1 and acme.breach_rate == pytest.approx(0.5)
    assert acme.median_hours == pytest.approx(36 + 1 / 120)
