"""The dock-to-stock report as a page with a chart, as CSV, and over the API."""
import re
from datetime import UTC, datetime

import pytest

from receiving_app.models import ExceptionKind, ResolutionKind
from tests.support.review import closed_receipt_at, resolved_exception

pytestmark = pytest.mark.both_databases

MARCH = "from=2026-03-01&to=2026-03-31"


@pytest.fixture
def march(demo):
    """ACME closed receipts of 10 and 30 hours (due 24: one breach, a short on the first);
    NOVA one of 6 hours."""
    acme = [closed_receipt_at(f"ACME-{h}", arrived=datetime(2026, 3, 3 + i, 16, tzinfo=UTC),
                              hours=h, due_hours=24) for i, h in enumerate((10, 30))]
    resolved_exception(acme[0], ExceptionKind.SHORT, ResolutionKind.ACCEPT)
    closed_receipt_at("NOVA-6", arrived=datetime(2026, 3, 9, 16, tzinfo=UTC), hours=6,
                      due_hours=24, seller="NOVA", cartons=4)


def row_cells(page: str, code: str) -> list[str]:
    row = re.search(rf"<tr><td><strong>{code}</strong>.*?</tr>", page, re.S).group(0)
    return re.findall(r"<td>([^<]*)</td>", row)


def test_the_page_tabulates_each_warehouse_and_seller(march, auth, client):
    auth.login("supervisor")
    page = client.get(f"/review/reports/dock-to-stock?{MARCH}").get_data(as_text=True)
    # closed, median, p90, breach rate, cartons, exceptions per 100 cartons, short per 100
    assert row_cells(page, "ACME") == ["2", "20.0", "28.0", "50.0 %", "20", "5.0", "5.0"]
    assert row_cells(page, "NOVA") == ["1", "6.0", "6.0", "0.0 %", "4", "0.0", "0.0"]
    # LAX1 pools 6, 10, 30: median 10; p90 at rank 1.8: 10 + 0.8 x 20
    assert row_cells(page, "LAX1") == ["3", "10.0", "26.0", "33.3 %", "24", "4.2", "4.2"]


def test_the_chart_draws_a_median_and_a_90th_percentile_bar_per_seller(march, auth, client):
    auth.login("supervisor")
    page = client.get(f"/review/reports/dock-to-stock?{MARCH}").get_data(as_text=True)
    svg = page[page.index("<svg"):page.index("</svg>")]
    widths = {title: float(width) for width, title in re.findall(
        r'<rect x="\d+" y="\d+" width="([\d.]+)" height="\d+" fill="#[0-9a-f]+"><title>([^<]+)'
        r"</title>", svg)}
    # a scale of 30 hours (ticks of 6) over 480 points: 16 points an hour
    assert widths == {"ACME: 90th percentile 28.0 h": 448.0, "ACME: median 20.0 h": 320.0,
                      "NOVA: 90th percentile 6.0 h": 96.0, "NOVA: median 6.0 h": 96.0}
    assert [h for h in re.findall(r">(\d+) h</text>", svg)] == ["0", "6", "12", "18", "24", "30"]


def test_the_report_changes_period_in_place_and_offers_the_same_period_as_csv(march, auth,
                                                                           client):
    auth.login("supervisor")
    fragment = client.get(f"/review/reports/dock-to-stock?{MARCH}", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert text.lstrip().startswith('<section id="dock-to-stock"')
    assert "HX-Request" in fragment.headers["Vary"]
    assert 'href="/review/reports/dock-to-stock.csv?from=2026-03-01&amp;to=2026-03-31"' in text
    csv = client.get("/review/reports/dock-to-stock.csv?from=2026-03-01&to=2026-03-31")
    assert csv.mimetype == "text/csv"
    assert "dock-to-stock-2026-03-01-2026-03-31.csv" in csv.headers["Content-Disposition"]
    lines = csv.get_data(as_text=True).strip().split("\r\n")
    assert lines[2].startswith("2026-03-01,2026-03-31,seller,ACME,") and \
        ",2,20.00,28.00,0.5000,20,1,5.00," in lines[2]


def test_a_period_that_makes_no_sense_is_refused_with_the_reason(march, auth, client):
    auth.login("supervisor")
    response = client.get("/review/reports/dock-to-stock?from=2026-03-31&to=2026-03-01")
    assert response.status_code == 422
    assert "to: on or after from" in response.get_data(as_text=True)
    assert client.get("/review/reports/dock-to-stock.csv?from=soon").status_code == 422


def test_the_api_answers_the_same_figures_for_a_supervisor(march, api):
    body = api("supervisor").get(f"/api/v1/reports/dock-to-stock?{MARCH}").get_json()
    assert (body["from"], body["to"]) == ("2026-03-01", "2026-03-31")
    [lax1] = body["warehouses"]
    assert lax1["warehouse"] == "LAX1" and lax1["asns_closed"] == 3
    acme, nova = body["sellers"]
    assert acme == {
        "seller": "ACME", "name": "Acme Trading (Shenzhen) Co.", "asns_closed": 2,
        "median_hours": 20.0, "p90_hours": 28.0, "breached": 1, "breach_rate": 0.5,
        "cartons": 20, "exceptions": 1, "exceptions_per_100_cartons": 5.0,
        "exceptions_by_kind": {"short": {"count": 1, "per_100_cartons": 5.0}},
    }
    assert nova["seller"] == "NOVA" and nova["exceptions_by_kind"] == {}


def test_the_api_answers_csv_and_explains_a_bad_date(march, api):
    supervisor = api("supervisor")
    csv = supervisor.get(f"/api/v1/reports/dock-to-stock?{MARCH}&format=csv")
    assert csv.mimetype == "text/csv" and "warehouse,LAX1" in csv.get_data(as_text=True)
    refused = supervisor.get("/api/v1/reports/dock-to-stock?from=March")
    assert refused.status_code == 422
    assert refused.get_json()["error"]["details"] == [{"path": "from",
                                                       "message": "a date, YYYY-MM-DD"}]
