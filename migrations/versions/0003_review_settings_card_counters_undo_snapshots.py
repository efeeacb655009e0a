"""review settings, card counters, undo snapshots

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 03:15:59.117650

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('review_cards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reps', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('lapses', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('review_logs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('step', sa.Integer(), nullable=True))
        # No review could be logged before this revision; the default only satisfies NOT NULL.
        batch_op.add_column(sa.Column('card_before', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('was_new', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('desired_retention', sa.Double(), server_default='0.9', nullable=False))
        batch_op.add_column(sa.Column('new_cards_per_day', sa.Integer(), server_default='20', nullable=False))
        batch_op.add_column(sa.Column('reviews_per_day', sa.Integer(), server_default='200', nullable=False))
        batch_op.create_check_constraint(op.f('ck_users_desired_retention'), 'desired_retention BETWEEN 0.7 AND 0.97')
        batch_op.create_check_constraint(op.f('ck_users_new_cards_per_day'), 'new_cards_per_day BETWEEN 0 AND 999')
        batch_op.create_check_constraint(op.f('ck_users_reviews_per_day'), 'reviews_per_day BETWEEN 1 AND 9999')


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_reviews_per_day'), type_='check')
        batch_op.drop_constraint(op.f('ck_users_new_cards_per_day'), type_='check')
        batch_op.drop_constraint(op.f('ck_users_desired_retention'), type_='check')
        batch_op.drop_column('reviews_per_day')
        batch_op.drop_column('new_cards_per_day')
        batch_op.drop_column('desired_retention')

    with op.batch_alter_table('review_logs', schema=None) as batch_op:
        batch_op.drop_column('was_new')
        batch_op.drop_column('voided_at')
        batch_op.drop_column('card_before')
        batch_op.drop_column('step')

    with op.batch_alter_table('review_cards', schema=None) as batch_op:
        batch_op.drop_column('lapses')
        batch_op.drop_column('reps')

