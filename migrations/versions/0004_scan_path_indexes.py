"""indexes the scan path needs (found by `make bench`)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 04:00:00

Cartons per status of one ASN is counted on every scan; with (asn_id, status) both
databases answer from the index instead of visiting every carton row of the ASN.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cartons', schema=None) as batch_op:
        batch_op.create_index('ix_cartons_asn_id_status', ['asn_id', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('cartons', schema=None) as batch_op:
        batch_op.drop_index('ix_cartons_asn_id_status')
