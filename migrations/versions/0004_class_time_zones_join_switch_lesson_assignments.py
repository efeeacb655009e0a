"""class time zones, join switch, lesson assignments, pass marks

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 03:50:22.162654

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('classes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('joining_open', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), server_default='UTC', nullable=False))

    # Nothing could create an assignment before this revision, so due_at can become required.
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lesson_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('pass_mark', sa.Integer(), nullable=True))
        batch_op.alter_column('module_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('due_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_assignments_class_id_lesson_id'), ['class_id', 'lesson_id'])
        batch_op.create_foreign_key(batch_op.f('fk_assignments_lesson_id_lessons'), 'lessons', ['lesson_id'], ['id'])
        batch_op.create_check_constraint(op.f('ck_assignments_one_target'), '(module_id IS NULL) <> (lesson_id IS NULL)')
        batch_op.create_check_constraint(op.f('ck_assignments_pass_mark'), 'pass_mark BETWEEN 1 AND 100')


def downgrade():
    # The old schema cannot hold an assignment of a single lesson.
    op.execute("DELETE FROM assignments WHERE lesson_id IS NOT NULL")
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_assignments_pass_mark'), type_='check')
        batch_op.drop_constraint(op.f('ck_assignments_one_target'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_assignments_lesson_id_lessons'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_assignments_class_id_lesson_id'), type_='unique')
        batch_op.alter_column('due_at', existing_type=sa.DateTime(timezone=True), nullable=True)
        batch_op.alter_column('module_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('pass_mark')
        batch_op.drop_column('lesson_id')

    with op.batch_alter_table('classes', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
        batch_op.drop_column('joining_open')
