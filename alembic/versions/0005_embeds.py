"""embeds

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25

Sites allowed to embed threads (added by admins, each with a default board),
and the single-use hand-offs that carry a login from the pop-up to a frame.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

import forum.db

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('embed_origin',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('origin', sa.String(length=255), nullable=False),
    sa.Column('board_slug', sa.String(length=40), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', forum.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('origin')
    )
    op.create_table('embed_handoff',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('host_origin', sa.String(length=255), nullable=False),
    sa.Column('expires_at', forum.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('embed_handoff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_embed_handoff_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('embed_handoff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_embed_handoff_user_id'))
    op.drop_table('embed_handoff')
    op.drop_table('embed_origin')
