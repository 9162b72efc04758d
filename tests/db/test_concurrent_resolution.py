"""Supervisors resolving the same exception at the same moment through the API: exactly one
decision is recorded and posted; every other one is told 409."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from receiving_app.accounts import create_api_token
from receiving_app.extensions import db
from receiving_app.models import (
    Asn, Bucket, ExceptionState, Movement, ReceivingException, Resolution,
)
from tests.support.ledger import asn_bucket_total, assert_ledger_balanced
from tests.support.review import another_supervisor, open_short

pytestmark = pytest.mark.both_databases

SUPERVISORS = 8


@pytest.fixture
def contested(demo, app, backend):
    """An open short (7 of 10 found) and a token for each of eight supervisors."""
    if backend != "postgres":
        pytest.skip("concurrency is proven on PostgreSQL (SQLite serialises every writer)")
    exception = open_short(app)
    tokens = {f"sup{n}": create_api_token(another_supervisor(f"sup{n}"))
              for n in range(SUPERVISORS)}
    ids = exception.id, exception.asn_id
    db.session.remove()
    return ids, tokens


def resolve_at_once(app, exception_id: int, bodies: dict[str, dict], tokens: dict) -> dict:
    """Every supervisor posts their decision at the same instant; answers by supervisor."""
    start = threading.Barrier(len(bodies))

    def send(name):
        # each supervisor's request on its own thread, with its own session, as on a server
        with app.app_context():
            client = app.test_client()
            start.wait()
            response = client.post(f"/api/v1/exceptions/{exception_id}/resolve",
                                   json=bodies[name],
                                   headers={"Authorization": f"Bearer {tokens[name]}"})
            return name, response.status_code, response.get_json()

    with ThreadPoolExecutor(len(bodies)) as pool:
        return {name: (status, body) for name, status, body in pool.map(send, bodies)}


def decisions(exception_id: int) -> list[Resolution]:
    return list(db.session.scalars(sa.select(Resolution).where(
        Resolution.exception_id == exception_id)))


def test_eight_supervisors_accepting_at_once_post_the_shortage_once(app, contested):
    (exception_id, asn_id), tokens = contested
    bodies = {name: {"resolution": "accept", "note": f"checked by {name}"} for name in tokens}
    answers = resolve_at_once(app, exception_id, bodies, tokens)
    winners = [name for name, (status, _) in answers.items() if status == 200]
    assert len(winners) == 1, answers
    [winner] = winners
    for name, (status, body) in answers.items():
        if name != winner:
            assert status == 409
            assert body["error"]["message"] == f"Already resolved (accept by {winner})."
    db.session.remove()
    [decision] = decisions(exception_id)
    assert decision.note == f"checked by {winner}"
    exception = db.session.get(ReceivingException, exception_id)
    assert exception.state is ExceptionState.RESOLVED and exception.version == 2
    shortage = db.session.scalars(sa.select(Movement).where(
        Movement.exception_id == exception_id)).all()
    assert [m.qty for m in shortage] == [-3]
    assert asn_bucket_total(db.session.get(Asn, asn_id), Bucket.RECEIVING) == 7
    assert_ledger_balanced()


def test_different_decisions_from_the_same_form_version_record_exactly_one(app, contested):
    (exception_id, asn_id), tokens = contested
    choices = ["accept", "reject", "recount", "carrier_claim"]
    bodies = {name: {"resolution": choices[n % 4], "note": name, "version": 1}
              for n, name in enumerate(tokens)}
    answers = resolve_at_once(app, exception_id, bodies, tokens)
    statuses = sorted(status for status, _ in answers.values())
    assert statuses == [200] + [409] * (SUPERVISORS - 1), answers
    db.session.remove()
    [decision] = decisions(exception_id)
    [winner] = [name for name, (status, _) in answers.items() if status == 200]
    assert decision.note == winner and decision.resolution.value == bodies[winner]["resolution"]
    exception = db.session.get(ReceivingException, exception_id)
    assert exception.version == 2
    # whatever won, the dock's carton holds what that one decision says, never two
    posted = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Movement.qty), 0)).where(
        Movement.exception_id == exception_id))
    assert posted == {"accept": -3, "carrier_claim": -3, "reject": 0, "recount": 0}[
        decision.resolution.value]
    assert_ledger_balanced()
