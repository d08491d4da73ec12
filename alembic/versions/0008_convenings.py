"""convenings

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27

Rally convenings: a scheduled live discussion on a thread, its numbered
questions, hosts and RSVPs; a comment remembers the convening and question it
answers.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

import forum.db

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COMMENT_CONVENING_FK = 'comment_convening_id_fkey'


def upgrade() -> None:
    op.create_table('convening',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('starts_at', forum.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', forum.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', forum.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('current_question', sa.Integer(), nullable=True),
    sa.Column('slow_mode_seconds', sa.Integer(), server_default='0', nullable=False),
    sa.Column('sequence', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', forum.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', forum.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['thread_id'], ['thread.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('convening', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_convening_starts_at'), ['starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_convening_thread_id'), ['thread_id'], unique=False)

    op.create_table('convening_question',
    sa.Column('convening_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('released_at', forum.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['convening_id'], ['convening.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('convening_id', 'number')
    )
    op.create_table('convening_host',
    sa.Column('convening_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['convening_id'], ['convening.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('convening_id', 'user_id')
    )
    op.create_table('convening_rsvp',
    sa.Column('convening_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', forum.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['convening_id'], ['convening.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('convening_id', 'user_id')
    )

    # On SQLite the foreign key makes this copy the comment table (alembic/env.py
    # turns foreign keys off meanwhile, so nothing cascades).
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('convening_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('question', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(COMMENT_CONVENING_FK, 'convening', ['convening_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index(batch_op.f('ix_comment_convening_id'), ['convening_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_convening_id'))
        batch_op.drop_constraint(COMMENT_CONVENING_FK, type_='foreignkey')
        batch_op.drop_column('question')
        batch_op.drop_column('convening_id')
    op.drop_table('convening_rsvp')
    op.drop_table('convening_host')
    op.drop_table('convening_question')
    with op.batch_alter_table('convening', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_convening_thread_id'))
        batch_op.drop_index(batch_op.f('ix_convening_starts_at'))
    op.drop_table('convening')
