"""light days for load balancing

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 12:14:19.445805

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('light_days', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_check_constraint('light_days', "light_days BETWEEN 0 AND 127")


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_users_light_days'), type_='check')
        batch_op.drop_column('light_days')
