"""Cycle counts through the API: the counter of a blind count never sees the book; the
answer of complete names what to recount; the approval posts the differences."""
from tests.support.counts import A, B, C, LAMP, LID, MUG, three_shelves


def post_lines(counter, count_id: int, counts: dict) -> None:
    for location, skus in counts.items():
        assert counter.post(f"/api/v1/cycle-counts/{count_id}/lines",
                            json={"location": location}).status_code == 201
        for sku, qty in skus.items():
            answer = counter.post(f"/api/v1/cycle-counts/{count_id}/lines",
                                  json={"location": location, "sku": sku, "qty": qty})
            assert answer.status_code == 201, answer.get_json()


def test_a_blind_count_through_the_api_from_creation_to_approval(demo, api):
    three_shelves()  # stock on A, B and C
    supervisor, counter = api("supervisor"), api("dock")
    created = supervisor.post("/api/v1/cycle-counts", json={"warehouse": "LAX1",
                                                           "locations": [A, B, C]})
    assert created.status_code == 201
    count_id = created.get_json()["id"]
    assert created.get_json()["blind"] is True and created.get_json()["state"] == "open"
    post_lines(counter, count_id, {A: {MUG: 5}, B: {LID: 4}, C: {LAMP: 2}})
    first = counter.post(f"/api/v1/cycle-counts/{count_id}/complete").get_json()
    assert first["state"] == "recount" and first["recount"] == [{"location": C, "sku": LAMP}]
    assert {line["book"] for line in first["lines"]} == {None}  # blind for the counter
    assert {line["difference"] for line in first["lines"]} == {None} and first["report"] is None
    post_lines(counter, count_id, {C: {LAMP: 2}})
    done = counter.post(f"/api/v1/cycle-counts/{count_id}/complete").get_json()
    assert done["state"] == "completed" and done["recount"] == []
    seen = supervisor.get(f"/api/v1/cycle-counts/{count_id}").get_json()
    assert [(l["location"], l["sku"], l["book"], l["counted"], l["difference"])
            for l in seen["lines"]] == [(A, MUG, 5, 5, 0), (B, LID, 4, 4, 0), (C, LAMP, 3, 2, -1)]
    assert seen["report"]["accuracy"] == 66.7 and seen["report"]["units_lost"] == 1
    assert counter.post(f"/api/v1/cycle-counts/{count_id}/approve").status_code == 403
    approved = supervisor.post(f"/api/v1/cycle-counts/{count_id}/approve").get_json()
    assert approved["state"] == "approved"
    loss = next(line for line in approved["lines"] if line["difference"])
    adjustment = supervisor.get(f"/api/v1/adjustments/{loss['adjustment']}").get_json()
    assert (adjustment["reason"], adjustment["qty"], adjustment["state"]) == (
        "count_loss", -1, "posted")


def test_an_open_count_is_visible_to_the_counter_and_not_to_sellers(demo, api):
    count = three_shelves()
    assert [c["id"] for c in api("dock").get("/api/v1/cycle-counts?open=1").get_json()[
        "cycle_counts"]] == [count.id]
    assert api("acme").get(f"/api/v1/cycle-counts/{count.id}").status_code == 403
    assert api("acme").post(f"/api/v1/cycle-counts/{count.id}/lines",
                            json={"location": A}).status_code == 403


def test_bad_lines_get_the_error_envelope(demo, api):
    count = three_shelves()
    answer = api("dock").post(f"/api/v1/cycle-counts/{count.id}/lines",
                              json={"location": "LAX1-A-04-04", "sku": MUG, "qty": -2})
    assert answer.status_code == 422
    assert {d["path"] for d in answer.get_json()["error"]["details"]} == {"qty", "location"}
    early = api("dock").post(f"/api/v1/cycle-counts/{count.id}/complete")
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "wrong_step"
    unknown = api("supervisor").post("/api/v1/cycle-counts", json={"warehouse": "LAX1"})
    assert unknown.status_code == 422
