"""Revision 0010 gives the ASNs already there the history their timestamps tell."""
import pytest
import sqlalchemy as sa

from receiving_app.extensions import db
from receiving_app.models import Asn, AsnStep, Delivery
from tests.support.builders import counted, submit

pytestmark = pytest.mark.both_databases


def test_asns_from_before_the_history_get_their_steps_and_first_delivery(demo):
    from flask_migrate import downgrade, upgrade

    counted(submit("OLD-1"))
    arrived_at = db.session.scalar(sa.select(Asn.arrived_at).where(Asn.number == "OLD-1"))
    db.session.remove()
    db.engine.dispose()
    downgrade(revision="0009")
    upgrade()
    asn = db.session.scalar(sa.select(Asn).where(Asn.number == "OLD-1"))
    steps = db.session.execute(sa.select(AsnStep.step, AsnStep.by_id.is_not(None))
                               .where(AsnStep.asn_id == asn.id)
                               .order_by(AsnStep.at, AsnStep.id)).all()
    assert [(step.value, named) for step, named in steps] == [
        ("submitted", True), ("checked_in", False), ("counted", False)]
    delivery = db.session.scalar(sa.select(Delivery).where(Delivery.asn_id == asn.id))
    assert (delivery.number, delivery.arrived_at, delivery.paperwork_cartons) == (
        1, arrived_at, 10)
    untouched = db.session.scalar(sa.select(Asn).where(Asn.number == "ASN-ACME-0001"))
    assert db.session.scalar(sa.select(sa.func.count()).where(
        AsnStep.asn_id == untouched.id)) == 1
