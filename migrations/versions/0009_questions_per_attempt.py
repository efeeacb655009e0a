"""questions per attempt

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 05:02:14.798404

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('questions_per_attempt', sa.Integer(), nullable=True))



def downgrade():
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.drop_column('questions_per_attempt')

