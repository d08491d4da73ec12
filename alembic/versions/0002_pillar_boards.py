"""the five S.H.A.R.E. pillar boards

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

The boards are data the product cannot run without, so a migration makes them:
every database that reaches head has them, tests included. The text is frozen
here on purpose; a later change of wording is a later migration.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BOARDS = [
    (
        "showcase",
        "Showcase",
        "Show what works. Organisations that have put social media to work in patient care, "
        "outreach or education analyse and assess their own efforts here, with the numbers, so "
        "that others can judge the value of integrating social media into health care.",
    ),
    (
        "harness",
        "Harness",
        "Put standing to use. Established leaders, associations and well-followed clinicians "
        "discuss how to use the influence they already have to carry good practice across the "
        "health-care community, and newcomers ask them for it.",
    ),
    (
        "arm",
        "Arm",
        "Equip each other. Policies, toolkits, staffing plans, checklists and budgets: the "
        "resources whose absence keeps many health-care facilities away from social media, "
        "shared so that nobody has to start from nothing.",
    ),
    (
        "rally",
        "Rally",
        "Convene. Bring practitioners together around a common goal: scheduled live "
        "discussions, calls to action and joint efforts, with this forum serving as the "
        "convener of the conversation.",
    ),
    (
        "educate",
        "Educate",
        "Learn in order. A structured, on-demand curriculum of lessons, reading and questions, "
        "built for the needs of health-care facilities that would not have one otherwise.",
    ),
]


def upgrade() -> None:
    board = sa.table(
        "board",
        sa.column("slug", sa.String),
        sa.column("name", sa.String),
        sa.column("description", sa.Text),
        sa.column("position", sa.Integer),
        sa.column("thread_count", sa.Integer),
    )
    op.bulk_insert(
        board,
        [
            {"slug": slug, "name": name, "description": text, "position": i, "thread_count": 0}
            for i, (slug, name, text) in enumerate(BOARDS, start=1)
        ],
    )


def downgrade() -> None:
    op.execute(
        sa.text("DELETE FROM board WHERE slug IN ('showcase','harness','arm','rally','educate')")
    )
