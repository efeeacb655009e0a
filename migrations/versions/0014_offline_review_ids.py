"""offline reviews: each rating given offline keeps the id its device gave it

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 21:35:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('review_logs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_id', sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f('ix_review_logs_client_id'), ['client_id'], unique=True)


def downgrade():
    with op.batch_alter_table('review_logs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_logs_client_id'))
        batch_op.drop_column('client_id')
