"""flask inventory rebuild: balances recomputed from the ledger."""
import pytest
import sqlalchemy as sa

from receiving_app.extensions import db
from receiving_app.models import Balance, Bucket
from tests.support.ledger import assert_ledger_balanced

pytestmark = pytest.mark.both_databases


def test_rebuild_check_finds_no_difference_on_an_honest_ledger(demo, runner):
    result = runner.invoke(args=["inventory", "rebuild", "--check"])
    assert result.exit_code == 0 and "equal the sum of the ledger" in result.output


def test_a_drifted_balance_is_reported_and_rebuilt(demo, runner):
    balance = db.session.scalars(sa.select(Balance).where(Balance.bucket == Bucket.IN_TRANSIT)
                                 .order_by(Balance.id)).first()
    right = balance.qty
    db.session.execute(sa.update(Balance).where(Balance.id == balance.id).values(qty=right + 7))
    db.session.commit()
    check = runner.invoke(args=["inventory", "rebuild", "--check"])
    assert check.exit_code == 1
    assert f"balance {right + 7}, ledger {right}" in check.output
    rebuilt = runner.invoke(args=["inventory", "rebuild"])
    assert rebuilt.exit_code == 0 and "Rebuilt 1 balance" in rebuilt.output
    db.session.expire_all()
    assert db.session.get(Balance, balance.id).qty == right
    assert_ledger_balanced()
