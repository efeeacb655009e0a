"""quiz answers in the review log

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 05:15:23.122901

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('review_logs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=8), server_default='review', nullable=False))
        batch_op.create_check_constraint('kind', "kind IN ('review', 'quiz')")



def downgrade():
    with op.batch_alter_table('review_logs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_review_logs_kind'), type_='check')
        batch_op.drop_column('kind')

