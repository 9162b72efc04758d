"""the ASN's carton count, stored

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 19:00:00

Every scan answers with the count's progress, "received of all cartons"; counting all
the cartons of an ASN walked its 5,000 index entries on every scan, and the lists counted
them for every ASN shown. The cartons of an ASN are written once, at submit, so their
number is written with them.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('asns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('carton_count', sa.Integer(), server_default='0',
                                      nullable=False))
    op.execute("UPDATE asns SET carton_count = "
               "(SELECT count(*) FROM cartons WHERE cartons.asn_id = asns.id)")


def downgrade():
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later), not batch mode's copy of the
    # table: dropping the old asns table would break the cartons' foreign keys.
    with op.batch_alter_table('asns', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('carton_count')
