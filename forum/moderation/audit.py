"""Audit events: every moderation, safety or account action leaves one."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from forum.moderation.models import AuditEvent


def record_event(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    target_type: str,
    target_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(actor_id=actor_id, action=action, target_type=target_type, target_id=target_id, data=data or {})
    session.add(event)
    return event
