"""memory models fitted to learners, the model behind each review

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 18:30:31.265056

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('memory_models',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('decay', sa.Double(), nullable=False),
    sa.Column('reviews', sa.Integer(), nullable=False),
    sa.Column('log_loss', sa.Double(), nullable=False),
    sa.Column('rmse', sa.Double(), nullable=False),
    sa.Column('baseline_log_loss', sa.Double(), nullable=False),
    sa.Column('baseline_rmse', sa.Double(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('reviews >= 0', name=op.f('ck_memory_models_reviews')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_memory_models_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memory_models'))
    )
    with op.batch_alter_table('memory_models', schema=None) as batch_op:
        batch_op.create_index('ix_memory_models_user_id_created_at', ['user_id', 'created_at'], unique=False)

    with op.batch_alter_table('review_logs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('model_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_review_logs_model_id_memory_models'), 'memory_models', ['model_id'], ['id'])

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('memory_model_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('memory_fitted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_users_memory_model_id_memory_models'), 'memory_models', ['memory_model_id'], ['id'], ondelete='SET NULL', use_alter=True)



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_memory_model_id_memory_models'), type_='foreignkey')
        batch_op.drop_column('memory_fitted_at')
        batch_op.drop_column('memory_model_id')

    with op.batch_alter_table('review_logs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_review_logs_model_id_memory_models'), type_='foreignkey')
        batch_op.drop_column('model_id')

    with op.batch_alter_table('memory_models', schema=None) as batch_op:
        batch_op.drop_index('ix_memory_models_user_id_created_at')

    op.drop_table('memory_models')
