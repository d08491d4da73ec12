"""article shingles and feeds

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

Feeds the forum polls, and a sample of each article's shingle hashes, the index
that finds near-duplicate texts (see forum/articles/dedupe.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

import forum.db

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('feed',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('board_slug', sa.String(length=40), nullable=True),
    sa.Column('etag', sa.String(length=512), nullable=True),
    sa.Column('last_modified', sa.String(length=128), nullable=True),
    sa.Column('last_polled_at', forum.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_success_at', forum.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_status', sa.Integer(), nullable=True),
    sa.Column('entries_imported', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', forum.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('url')
    )
    op.create_table('article_shingle',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('hash', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['article.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'hash')
    )
    with op.batch_alter_table('article_shingle', schema=None) as batch_op:
        batch_op.create_index('ix_article_shingle_hash', ['hash'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('article_shingle', schema=None) as batch_op:
        batch_op.drop_index('ix_article_shingle_hash')

    op.drop_table('article_shingle')
    op.drop_table('feed')
