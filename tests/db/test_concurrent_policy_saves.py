"""Admins saving a warehouse's SLA policy at the same moment from forms loaded at the same
version: exactly one policy is saved; every other admin is told 409."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from receiving_app.extensions import db
from receiving_app.errors import Conflict
from receiving_app.receiving.sla import update_sla_policy
from tests.support.builders import warehouse

pytestmark = pytest.mark.both_databases

ADMINS = 6
FORM = {
    "count_hours": "2", "inspection_hours": "6", "putaway_hours": "12",
    "exception_response_hours": "8", "business_hours_only": False,
    "business_day_start_hour": "7", "business_day_end_hour": "19",
    "business_weekdays": ["1", "2", "3", "4", "5"], "timezone": "America/Chicago",
}


def test_admins_saving_the_same_loaded_policy_at_once_save_it_once(demo, app, backend):
    if backend != "postgres":
        pytest.skip("concurrency is proven on PostgreSQL (SQLite serialises every writer)")
    loaded_version = warehouse().sla_policy_version
    db.session.remove()
    start = threading.Barrier(ADMINS)

    def save(admin: int) -> str:
        with app.app_context():
            lax1 = warehouse()  # each admin's form, loaded before anyone saved
            start.wait()
            try:
                update_sla_policy(lax1, {**FORM, "receipt_hours": str(24 + admin)},
                                  expected_version=loaded_version)
            except Conflict:
                return "told"
            finally:
                db.session.remove()
            return f"saved {24 + admin}"

    with ThreadPoolExecutor(ADMINS) as pool:
        outcomes = list(pool.map(save, range(ADMINS)))

    saved = [o for o in outcomes if o.startswith("saved")]
    assert len(saved) == 1 and outcomes.count("told") == ADMINS - 1
    lax1 = warehouse()
    assert f"saved {lax1.receipt_hours}" == saved[0]
    assert lax1.sla_policy_version == loaded_version + 1
