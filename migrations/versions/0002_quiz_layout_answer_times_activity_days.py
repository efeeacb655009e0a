"""quiz attempts keep their layout; answers their time; activity per day

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 02:56:46.639780

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('activity_days',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('answers', sa.Integer(), nullable=False),
    sa.Column('reviews', sa.Integer(), nullable=False),
    sa.CheckConstraint('answers >= 0 AND reviews >= 0', name=op.f('ck_activity_days_counts')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_activity_days_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'day', name=op.f('pk_activity_days'))
    )
    with op.batch_alter_table('quiz_answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_taken_ms', sa.Integer(), nullable=True))

    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        # No attempt could exist before this revision (there was no quiz page); the defaults
        # only satisfy NOT NULL for a hand-made row.
        batch_op.add_column(sa.Column('question_ids', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('seed', sa.Integer(), nullable=False, server_default='0'))



def downgrade():
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.drop_column('seed')
        batch_op.drop_column('question_ids')

    with op.batch_alter_table('quiz_answers', schema=None) as batch_op:
        batch_op.drop_column('time_taken_ms')

    op.drop_table('activity_days')
