"""Supervisors approving the same adjustment at the same moment through the API: it is posted
once; every other approver is told 409, and who was first."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from receiving_app.accounts import create_api_token
from receiving_app.extensions import db
from receiving_app.inventory.adjustments import adjust_stock
from receiving_app.models import Adjustment, AdjustmentState, Bucket, Movement
from tests.support.builders import user
from tests.support.ledger import assert_ledger_balanced, bucket_total
from tests.support.review import another_supervisor
from tests.support.stock import MUG, SHELF, on_the_shelf

pytestmark = pytest.mark.both_databases

SUPERVISORS = 8


def test_eight_supervisors_approving_one_adjustment_at_once_post_it_once(demo, app, backend):
    if backend != "postgres":
        pytest.skip("concurrency is proven on PostgreSQL (SQLite serialises every writer)")
    on_the_shelf(40)
    adjustment = adjust_stock(warehouse="LAX1", seller="ACME", sku=MUG, location=SHELF,
                              qty=-30, reason="lost", note="Gone.", user=user("dock"))
    tokens = {f"sup{n}": create_api_token(another_supervisor(f"sup{n}"))
              for n in range(SUPERVISORS)}
    adjustment_id = adjustment.id
    db.session.remove()
    start = threading.Barrier(SUPERVISORS)

    def approve(name):
        with app.app_context():
            client = app.test_client()
            start.wait()
            response = client.post(f"/api/v1/adjustments/{adjustment_id}/approve",
                                   json={"note": name},
                                   headers={"Authorization": f"Bearer {tokens[name]}"})
            return name, response.status_code, response.get_json()

    with ThreadPoolExecutor(SUPERVISORS) as pool:
        answers = {name: (status, body) for name, status, body in pool.map(approve, tokens)}
    winners = [name for name, (status, _) in answers.items() if status == 200]
    assert len(winners) == 1, answers
    for name, (status, body) in answers.items():
        if name not in winners:
            assert status == 409 and f"already posted (by {winners[0]})" in \
                body["error"]["message"]
    db.session.remove()
    posted = db.session.get(Adjustment, adjustment_id)
    assert posted.state is AdjustmentState.POSTED and posted.decision_note == winners[0]
    assert db.session.scalars(sa.select(Movement.qty).where(
        Movement.adjustment_id == adjustment_id)).all() == [-30]
    assert bucket_total(MUG, Bucket.ON_HAND, SHELF) == 10
    assert_ledger_balanced()
