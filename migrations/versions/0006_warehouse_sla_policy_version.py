"""the SLA policy's version

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 09:00:00

Two admins saving the SLA policy from the same form: the second is told, not obeyed. The
form carries the version it was loaded at; every save moves it on.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('warehouses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sla_policy_version', sa.Integer(), server_default='1',
                                      nullable=False))


def downgrade():
    # ALTER TABLE ... DROP COLUMN, not batch mode's copy of the table: dropping the old
    # warehouses table would break the foreign keys of everything in a warehouse.
    with op.batch_alter_table('warehouses', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('sla_policy_version')
