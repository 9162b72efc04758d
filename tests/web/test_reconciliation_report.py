"""The reconciliation report through its doors: the API (JSON and CSV), the review desk and
the seller's stock page."""
import csv
import io

from tests.support.stock import MUG, SHELF, adjustment_body, on_the_shelf


def test_the_api_answers_each_bucket_with_reasons_and_agrees_with_the_inventory(demo, api):
    on_the_shelf(20)
    api("dock").post("/api/v1/adjustments", json=adjustment_body(qty=-2))
    answer = api("supervisor").get(f"/api/v1/reports/reconciliation?sku={MUG}")
    assert answer.status_code == 200
    [row] = answer.get_json()["skus"]
    assert (row["warehouse"], row["seller"], row["sku"], row["balanced"]) == (
        "LAX1", "ACME", MUG, True)
    assert row["buckets"]["on_hand"] == {
        "beginning": 0, "in": {"total": 20, "by_reason": {"put_away": 20}},
        "out": {"total": 2, "by_reason": {"lost": 2}}, "ending": 18, "balanced": True}
    inventory = api("supervisor").get(f"/api/v1/inventory?sku={MUG}").get_json()["inventory"]
    assert {bucket: flow["ending"] for bucket, flow in row["buckets"].items()} == \
        inventory[0]["buckets"]


def test_the_csv_has_a_row_per_bucket_and_a_column_per_reason(demo, api):
    on_the_shelf(20)
    api("dock").post("/api/v1/adjustments", json=adjustment_body(qty=-2))
    answer = api("acme").get(f"/api/v1/reports/reconciliation?sku={MUG}&format=csv")
    assert answer.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
    on_hand = next(r for r in rows if r["bucket"] == "on_hand")
    assert (on_hand["beginning"], on_hand["in"], on_hand["out"], on_hand["ending"],
            on_hand["balanced"], on_hand["in_put_away"], on_hand["out_lost"]) == (
        "0", "20", "2", "18", "yes", "20", "2")
    assert [r["bucket"] for r in rows] == ["in_transit", "receiving", "on_hand", "quarantine",
                                           "reserved"]


def test_a_bad_period_is_a_422_with_the_field(demo, api):
    answer = api("supervisor").get("/api/v1/reports/reconciliation?from=soon")
    assert answer.status_code == 422
    assert answer.get_json()["error"]["details"] == [
        {"path": "from", "message": "a date (YYYY-MM-DD) or a time with its offset"}]


def test_the_review_desk_shows_the_report_and_its_csv(demo, client, auth):
    on_the_shelf(20)
    auth.login("supervisor")
    page = client.get(f"/review/reports/reconciliation?sku={MUG}").get_data(as_text=True)
    assert "ACME-MUG-01" in page and "balanced" in page and "+20 put away" in page
    assert "UTC-0" in page  # times on Los Angeles' clock
    fragment = client.get("/review/reports/reconciliation?sku=NOPE",
                          headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.strip().startswith('<section id="reconciliation">') and "No stock" in fragment
    assert client.get("/review/reports/reconciliation?to=never").status_code == 422
    csv_answer = client.get(f"/review/reports/reconciliation.csv?sku={MUG}")
    assert csv_answer.mimetype == "text/csv" and "on_hand" in csv_answer.get_data(as_text=True)


def test_the_sellers_stock_page_shows_their_report_and_each_adjustment(demo, client, auth, api):
    on_the_shelf(6, "LAX1-Q-01")
    api("supervisor").post("/api/v1/quarantine/dispositions", json={
        "warehouse": "LAX1", "location": "LAX1-Q-01", "seller": "ACME", "sku": MUG, "qty": 2,
        "action": "release", "to_location": SHELF, "note": "Box dented only."})
    auth.login("acme")
    page = client.get("/seller/stock").get_data(as_text=True)
    assert "+2 released from quarantine" in page and "−2 released from quarantine" in page
    assert "LAX1-Q-01 → LAX1-A-01-01" in page and "Box dented only." in page
    auth.login("nova")
    assert "ACME-MUG-01" not in client.get("/seller/stock").get_data(as_text=True)
