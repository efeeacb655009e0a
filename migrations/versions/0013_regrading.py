"""regrading: an answer's first score and when its attempt was regraded

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 21:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('regraded_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('quiz_answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('regraded_from', sa.Double(), nullable=True))
        batch_op.create_check_constraint(
            'regraded_from', "regraded_from IS NULL OR regraded_from BETWEEN 0 AND 1"
        )


def downgrade():
    with op.batch_alter_table('quiz_answers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_quiz_answers_regraded_from'), type_='check')
        batch_op.drop_column('regraded_from')
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.drop_column('regraded_at')
