"""A fake clock for convenings, a Rally thread, and API helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from forum.accounts.services import register
from forum.boards.services import create_thread
from tests.conftest import PASSWORD

START = datetime(2026, 3, 4, 17, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(app) -> FakeClock:
    fake = FakeClock(START - timedelta(days=1))
    app.state.clock = fake
    return fake


@pytest.fixture
def thread_id(db) -> int:
    with db.write() as session:
        user = register(session, email="writer@example.org", name="writer", password=PASSWORD, trusted=True)
        return create_thread(session, author=user, board_slug="rally", title="Burnout on night shifts", body="What helps?").id  # type: ignore[return-value]


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


QUESTIONS = ["What does burnout look like on your unit?", "What has helped?", "What would you ask leaders for?"]


def schedule(client, mod_token: str, thread_id: int, **overrides):  # type: ignore[no-untyped-def]
    body = {
        "title": "Night-shift chat",
        "starts_at": "2026-03-04T18:00:00+01:00",
        "ends_at": "2026-03-04T18:00:00Z",
        "questions": QUESTIONS,
        "description": "A one-hour chat, T1 to T3.",
    }
    body.update(overrides)
    return client.post(f"/api/v1/threads/{thread_id}/convenings", json=body, headers=bearer(mod_token))
