"""PostgreSQL: when the server drops every connection (a failover, a restart), the pooled
ones are dead; the requests after it are answered on fresh ones, not with a 500."""
import pytest
import sqlalchemy as sa

from receiving_app.extensions import db
from receiving_app.models import Asn, CartonStatus
from tests.support.builders import arrived

pytestmark = pytest.mark.both_databases


@pytest.fixture
def postgres(backend):
    if backend != "postgres":
        pytest.skip("SQLite has no server to drop a connection")


def drop_every_connection_of_the_app() -> int:
    """What a failover or a restart does to the app's pooled connections."""
    admin = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        dropped = connection.scalar(sa.text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        connection.rollback()
    admin.dispose()
    return dropped


def test_scans_after_the_database_dropped_every_connection_are_answered(demo, api, postgres):
    dock = api("dock")
    acme = arrived(db.session.scalar(sa.select(Asn).where(Asn.number == "ASN-ACME-0001")))
    labels = [c.label for c in acme.cartons]
    db.session.remove()
    # Three connections in the pool, as a worker's threads would leave them.
    held = [db.engine.connect() for _ in range(3)]
    for connection in held:
        connection.scalar(sa.text("SELECT 1"))
    for connection in held:
        connection.close()
    assert drop_every_connection_of_the_app() >= 3

    answers = [dock.post(f"/api/v1/asns/ASN-ACME-0001/cartons/{label}/receive")
               for label in labels[:4]]

    assert [(a.status_code, a.get_json()["outcome"]) for a in answers] == [(200, "received")] * 4
    db.session.remove()
    received = db.session.scalars(sa.select(Asn).where(Asn.number == "ASN-ACME-0001")).one()
    assert sum(c.status is CartonStatus.RECEIVED for c in received.cartons) == 4


def test_a_page_after_the_database_dropped_every_connection_is_answered(
        demo, auth, client, postgres):
    auth.login("supervisor")
    assert client.get("/review/").status_code == 200
    db.session.remove()
    assert drop_every_connection_of_the_app() >= 1

    assert client.get("/review/").status_code == 200
