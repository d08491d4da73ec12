"""Arm resources and Showcase story cards: what a thread's moderators or its
author say the thread is, beside what it says.

Each verb returns whether anything changed, bumps the thread's revision (the
card is part of the page every reader is served), and leaves an audit event.
"""

from __future__ import annotations

import math
import re
from urllib.parse import urlsplit

from sqlmodel import Session

from forum.accounts.models import User
from forum.accounts.permissions import can_curate_thread, can_moderate
from forum.boards.models import Thread
from forum.boards.queries import thread_for_action
from forum.boards.services import touch_thread
from forum.db import utcnow
from forum.errors import InvalidInput
from forum.moderation.audit import record_event
from forum.moderation.models import TargetType
from forum.phi import check
from forum.pillars.models import RESOURCE_KIND_LABELS, ResourceKind, ThreadResource, ThreadStory
from forum.text import strip_controls

MAX_URL = 2000
MAX_ORGANISATION = 200
MAX_TEXT = 2000
MAX_UNIT = 80
_SPACE = re.compile(r"\s")


def curated_thread(session: Session, actor: User | None, thread_id: int) -> Thread:
    """The thread, if `actor` may curate it: 404 if they may not see it, 403 if they may see but not curate."""
    return thread_for_action(session, actor, thread_id, allowed=can_curate_thread,
                             refused="Only a moderator of this board or the thread's author can do that.")


def resource_kind(value: str) -> ResourceKind:
    try:
        return ResourceKind(value)
    except ValueError:
        kinds = ", ".join(RESOURCE_KIND_LABELS[k].lower() for k in ResourceKind)
        raise InvalidInput(f"Choose what kind of resource it is: {kinds}.", field="kind") from None


def resource_url(value: str) -> str:
    """A link a reader can follow safely: http or https, with a host, no spaces."""
    url = value.strip()
    if not url:
        raise InvalidInput("Give the resource's link (an http:// or https:// address).", field="url")
    if len(url) > MAX_URL:
        raise InvalidInput(f"A link is at most {MAX_URL} characters.", field="url")
    if _SPACE.search(url) or strip_controls(url) != url:
        raise InvalidInput("A link cannot hold spaces or control characters.", field="url")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        raise InvalidInput("That link is not a web address.", field="url") from None
    if parts.scheme.lower() not in {"http", "https"}:
        raise InvalidInput("A resource link must start with http:// or https://.", field="url")
    if not host:
        raise InvalidInput("That link has no host name.", field="url")
    return url


def _audit(session: Session, actor: User, thread: Thread, action: str, data: dict[str, object]) -> None:
    record_event(session, actor_id=actor.id, action=action, target_type=TargetType.THREAD, target_id=thread.id,
                 data={**data, "as": "moderator" if can_moderate(actor, thread) else "author"})


def set_resource(session: Session, *, actor: User | None, thread_id: int, kind: str, url: str) -> bool:
    thread = curated_thread(session, actor, thread_id)
    assert actor is not None
    chosen, link = resource_kind(kind), resource_url(url)
    resource = session.get(ThreadResource, thread_id)
    if resource is not None and resource.kind == chosen and resource.url == link:
        return False
    if resource is None:
        resource = ThreadResource(thread_id=thread_id, kind=chosen, url=link)
    resource.kind, resource.url, resource.set_by_id, resource.updated_at = chosen, link, actor.id, utcnow()
    session.add(resource)
    _audit(session, actor, thread, "thread.resource_set", {"kind": str(chosen), "url": link})
    touch_thread(session, thread_id=thread_id)
    return True


def clear_resource(session: Session, *, actor: User | None, thread_id: int) -> bool:
    thread = curated_thread(session, actor, thread_id)
    assert actor is not None
    resource = session.get(ThreadResource, thread_id)
    if resource is None:
        return False
    session.delete(resource)
    _audit(session, actor, thread, "thread.resource_cleared", {"kind": resource.kind, "url": resource.url})
    touch_thread(session, thread_id=thread_id)
    return True


def _text(value: str, field: str, label: str, limit: int) -> str:
    text = strip_controls(value).strip()
    if not text:
        raise InvalidInput(f"Fill in {label}.", field=field)
    if len(text) > limit:
        raise InvalidInput(f"{label[0].upper()}{label[1:]} is at most {limit} characters.", field=field)
    return text


def outcome_number(value: str) -> float:
    """The measured outcome: a plain number (a minus sign, a decimal point and
    thousands commas allowed), finite."""
    raw = value.strip().replace(",", "")
    if not raw:
        raise InvalidInput("Give the measured outcome as a number, such as 42 or 12.5.", field="outcome_value")
    try:
        number = float(raw)
    except ValueError:
        raise InvalidInput(f"The outcome must be a number, such as 42 or 12.5, not {value.strip()[:40]!r}.", field="outcome_value") from None
    if not math.isfinite(number) or abs(number) >= 1e15:
        raise InvalidInput("The outcome must be an ordinary number.", field="outcome_value")
    return number


def set_story(
    session: Session, *, actor: User | None, thread_id: int, organisation: str, goal: str, action: str,
    outcome_value: str, outcome_unit: str, own_hosts: tuple[str, ...] = (),
) -> bool:
    thread = curated_thread(session, actor, thread_id)
    assert actor is not None
    values = {
        "organisation": _text(organisation, "organisation", "the organisation", MAX_ORGANISATION),
        "goal": _text(goal, "goal", "the goal", MAX_TEXT),
        "action": _text(action, "action", "what was done", MAX_TEXT),
        "outcome_value": outcome_number(outcome_value),
        "outcome_unit": _text(outcome_unit, "outcome_unit", "the outcome's unit", MAX_UNIT),
    }
    # A story card is published at once, with no queue to wait in: one that
    # may identify a patient is refused, with why, instead of held.
    for field in ("organisation", "goal", "action"):
        findings = check(str(values[field]), own_hosts=own_hosts)
        if findings:
            words = str(values[field])[findings[0].start:findings[0].end]
            raise InvalidInput(f"This may identify a patient ({findings[0].reason}: {words!r}); reword it.", field=field)
    story = session.get(ThreadStory, thread_id)
    if story is not None and all(getattr(story, k) == v for k, v in values.items()):
        return False
    if story is None:
        story = ThreadStory(thread_id=thread_id, **values)
    for key, value in values.items():
        setattr(story, key, value)
    story.set_by_id, story.updated_at = actor.id, utcnow()
    session.add(story)
    _audit(session, actor, thread, "thread.story_set", {"organisation": values["organisation"]})
    touch_thread(session, thread_id=thread_id)
    return True


def clear_story(session: Session, *, actor: User | None, thread_id: int) -> bool:
    thread = curated_thread(session, actor, thread_id)
    assert actor is not None
    story = session.get(ThreadStory, thread_id)
    if story is None:
        return False
    session.delete(story)
    _audit(session, actor, thread, "thread.story_cleared", {"organisation": story.organisation})
    touch_thread(session, thread_id=thread_id)
    return True


def plain_number(value: float) -> str:
    """An outcome as typed back into its form: 1200, 12.5."""
    return str(int(value)) if value.is_integer() else f"{value:.10g}"


def shown_number(value: float) -> str:
    """An outcome as the card shows it: 1,200, 12.5."""
    return f"{int(value):,}" if value.is_integer() else f"{value:,.10g}"
