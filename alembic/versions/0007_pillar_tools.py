"""pillar tools

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25

What the pillar boards add to threads: Arm resources (kind and link), Showcase
story cards, Educate tracks (ordered steps and each member's progress), and
the pages where a thread's embed was seen, for Harness reach.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

import forum.db

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('track',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', forum.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('embed_sighting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('page', sa.String(length=2000), nullable=False),
    sa.Column('first_seen', forum.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen', forum.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['thread_id'], ['thread.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('thread_id', 'page', name='uq_embed_sighting_page')
    )
    op.create_table('thread_resource',
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', forum.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['set_by_id'], ['user_account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['thread_id'], ['thread.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('thread_id')
    )
    with op.batch_alter_table('thread_resource', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_thread_resource_kind'), ['kind'], unique=False)

    op.create_table('thread_story',
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('goal', sa.Text(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('outcome_value', sa.Float(), nullable=False),
    sa.Column('outcome_unit', sa.String(length=80), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', forum.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['set_by_id'], ['user_account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['thread_id'], ['thread.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('thread_id')
    )
    op.create_table('track_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('track_id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['thread_id'], ['thread.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['track_id'], ['track.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('track_id', 'thread_id', name='uq_track_step_thread')
    )
    with op.batch_alter_table('track_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_track_step_thread_id'), ['thread_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_track_step_track_id'), ['track_id'], unique=False)

    op.create_table('track_progress',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=False),
    sa.Column('done_at', forum.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['step_id'], ['track_step.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'step_id')
    )


def downgrade() -> None:
    op.drop_table('track_progress')
    with op.batch_alter_table('track_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_track_step_track_id'))
        batch_op.drop_index(batch_op.f('ix_track_step_thread_id'))

    op.drop_table('track_step')
    op.drop_table('thread_story')
    with op.batch_alter_table('thread_resource', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_thread_resource_kind'))

    op.drop_table('thread_resource')
    op.drop_table('embed_sighting')
    op.drop_table('track')
