"""The Alembic revisions build exactly the schema the models describe, on both databases."""
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from receiving_app.extensions import db

pytestmark = pytest.mark.both_databases


def test_migrations_build_the_schema_the_models_describe(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_migrated_database_has_every_table_and_the_revision_stamp(app):
    inspector = sa.inspect(db.engine)
    assert set(db.metadata.tables) <= set(inspector.get_table_names())
    with db.engine.connect() as connection:
        revision = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    assert revision is not None


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app, backend):
    if backend != "sqlite":
        return
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_the_stored_carton_count_is_counted_for_asns_that_were_there_before_it(demo):
    """Revision 0005 fills the new column from the cartons each ASN already has."""
    from flask_migrate import downgrade, upgrade

    from receiving_app.models import Asn, Carton

    counted = dict(db.session.execute(
        sa.select(Carton.asn_id, sa.func.count()).group_by(Carton.asn_id)).all())
    db.session.remove()
    db.engine.dispose()
    downgrade(revision="0004")
    with db.engine.connect() as connection:
        assert "carton_count" not in {c["name"] for c in sa.inspect(connection).get_columns("asns")}
    upgrade()
    stored = dict(db.session.execute(sa.select(Asn.id, Asn.carton_count)).all())
    assert stored == counted and sorted(stored.values()) == [6, 12]
