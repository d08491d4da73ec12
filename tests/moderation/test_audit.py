"""The audit log is append-only: the database itself refuses to change or delete a row."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, update
from sqlalchemy.exc import DatabaseError

from forum.moderation.audit import record_event
from forum.moderation.models import AuditEvent


def test_an_audit_row_cannot_be_edited_or_deleted(db):
    with db.write() as session:
        event = record_event(session, actor_id=None, action="thread.locked", target_type="thread", target_id=1, data={"reason": "x"})
        session.flush()
        event_id = event.id
    with pytest.raises(DatabaseError, match="append-only"):
        with db.write() as session:
            session.execute(update(AuditEvent).where(AuditEvent.id == event_id).values(action="thread.unlocked"))
    with pytest.raises(DatabaseError, match="append-only"):
        with db.write() as session:
            session.execute(delete(AuditEvent).where(AuditEvent.id == event_id))
    with db.read() as session:
        row = session.get(AuditEvent, event_id)
        assert row is not None and row.action == "thread.locked"
