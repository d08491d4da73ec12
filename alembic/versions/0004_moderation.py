"""moderation

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25

Flags, the review queue, moderators' notes on members, watched words; silence
and suspension on accounts, board scopes for moderators, pre-moderated boards,
closed threads, and moderators' reasons on what they take down. The audit log
becomes append-only: triggers refuse to change or delete its rows.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

import forum.db

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('user_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.String(length=4000), nullable=False),
    sa.Column('created_at', forum.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('user_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_note_user_id'), ['user_id'], unique=False)

    op.create_table('watched_word',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pattern', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=8), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', forum.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('pattern')
    )
    op.create_table('flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target_type', sa.String(length=16), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('flagger_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('note', sa.String(length=1000), server_default='', nullable=False),
    sa.Column('created_at', forum.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolution', sa.String(length=16), nullable=True),
    sa.Column('resolved_at', forum.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['flagger_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['thread_id'], ['thread.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('target_type', 'target_id', 'flagger_id', name='uq_flag_once')
    )
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flag_flagger_id'), ['flagger_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_flag_thread_id'), ['thread_id'], unique=False)

    op.create_table('queue_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target_type', sa.String(length=16), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('board_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('detail', sa.Text(), server_default='', nullable=False),
    sa.Column('flag_count', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('claimed_by_id', sa.Integer(), nullable=True),
    sa.Column('claimed_at', forum.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.String(length=16), nullable=True),
    sa.Column('resolution_reason', sa.String(length=1000), server_default='', nullable=False),
    sa.Column('created_at', forum.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', forum.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', forum.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['board_id'], ['board.id'], ),
    sa.ForeignKeyConstraint(['claimed_by_id'], ['user_account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['user_account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['thread_id'], ['thread.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('queue_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queue_item_board_id'), ['board_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_item_state'), ['state'], unique=False)
        batch_op.create_index('ix_queue_item_target', ['target_type', 'target_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_item_thread_id'), ['thread_id'], unique=False)

    with op.batch_alter_table('board', schema=None) as batch_op:
        batch_op.add_column(sa.Column('premoderated', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mod_reason', sa.String(length=1000), server_default='', nullable=False))

    with op.batch_alter_table('thread', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_reason', sa.String(length=500), server_default='', nullable=False))
        batch_op.add_column(sa.Column('mod_reason', sa.String(length=1000), server_default='', nullable=False))

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('moderated_boards', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('silenced_until', forum.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('silence_reason', sa.String(length=1000), server_default='', nullable=False))
        batch_op.add_column(sa.Column('suspended_until', forum.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('suspend_reason', sa.String(length=1000), server_default='', nullable=False))

    _protect_audit_log()


def _protect_audit_log() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
                "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION audit_event_append_only()")
    else:
        op.execute("DROP TRIGGER audit_event_no_update")
        op.execute("DROP TRIGGER audit_event_no_delete")
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('suspend_reason')
        batch_op.drop_column('suspended_until')
        batch_op.drop_column('silence_reason')
        batch_op.drop_column('silenced_until')
        batch_op.drop_column('moderated_boards')

    with op.batch_alter_table('thread', schema=None) as batch_op:
        batch_op.drop_column('mod_reason')
        batch_op.drop_column('closed_reason')

    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_column('mod_reason')

    with op.batch_alter_table('board', schema=None) as batch_op:
        batch_op.drop_column('premoderated')

    with op.batch_alter_table('queue_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queue_item_thread_id'))
        batch_op.drop_index('ix_queue_item_target')
        batch_op.drop_index(batch_op.f('ix_queue_item_state'))
        batch_op.drop_index(batch_op.f('ix_queue_item_board_id'))

    op.drop_table('queue_item')
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flag_thread_id'))
        batch_op.drop_index(batch_op.f('ix_flag_flagger_id'))

    op.drop_table('flag')
    op.drop_table('watched_word')
    with op.batch_alter_table('user_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_note_user_id'))

    op.drop_table('user_note')
