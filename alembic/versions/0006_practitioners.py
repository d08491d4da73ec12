"""practitioners

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26

Practitioner details on accounts (full name, profession, specialty,
organisation, an NPI with its moderator confirmation and registry match), and
the providers imported from the NPPES dissemination file.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

import forum.db

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONFIRMED_BY_FK = 'user_account_npi_confirmed_by_id_fkey'


def upgrade() -> None:
    op.create_table('npi_record',
    sa.Column('npi', sa.String(length=10), nullable=False),
    sa.Column('entity_type', sa.String(length=1), server_default='', nullable=False),
    sa.Column('last_name', sa.String(length=100), server_default='', nullable=False),
    sa.Column('first_name', sa.String(length=100), server_default='', nullable=False),
    sa.Column('organisation_name', sa.String(length=300), server_default='', nullable=False),
    sa.Column('credential', sa.String(length=100), server_default='', nullable=False),
    sa.Column('taxonomy_code', sa.String(length=10), server_default='', nullable=False),
    sa.PrimaryKeyConstraint('npi')
    )

    # On SQLite the foreign key makes this copy user_account into a new table
    # (alembic/env.py turns foreign keys off meanwhile, so nothing cascades).
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('full_name', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('profession', sa.String(length=100), server_default='', nullable=False))
        batch_op.add_column(sa.Column('specialty', sa.String(length=100), server_default='', nullable=False))
        batch_op.add_column(sa.Column('organisation', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('npi', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('npi_confirmed_at', forum.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('npi_confirmed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('npi_registry_matched_at', forum.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(CONFIRMED_BY_FK, 'user_account', ['npi_confirmed_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index(batch_op.f('ix_user_account_npi'), ['npi'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(CONFIRMED_BY_FK, type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_user_account_npi'))
        batch_op.drop_column('npi_confirmed_by_id')
        batch_op.drop_column('npi_registry_matched_at')
        batch_op.drop_column('npi_confirmed_at')
        batch_op.drop_column('npi')
        batch_op.drop_column('organisation')
        batch_op.drop_column('specialty')
        batch_op.drop_column('profession')
        batch_op.drop_column('full_name')

    op.drop_table('npi_record')
