"""assignment instructions

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 03:44:43.984170

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('instructions', sa.Text(), server_default='', nullable=False))



def downgrade():
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_column('instructions')

