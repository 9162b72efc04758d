"""an idempotency key is bound to its request

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08 10:00:00

A scan's Idempotency-Key answered any request with the first request's answer: a key sent
again for another carton, or for a putaway, was told "received" and that scan was never
done. The scan event now keeps a fingerprint of the request the key came with (its method,
path and body); the key answers that request only. Scans stored before this revision have
none, and their keys replay as before (a phone may come back with them for 14 days).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('scan_events', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('request_fingerprint', sa.String(length=64), nullable=True))


def downgrade():
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later), not batch mode's copy of the table.
    with op.batch_alter_table('scan_events', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('request_fingerprint')
