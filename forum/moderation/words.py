"""Watched words: a list moderators edit; a match blocks a post or holds it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from forum.accounts.models import User
from forum.db import utcnow
from forum.errors import Conflict, InvalidInput, NotFound
from forum.moderation.audit import record_event
from forum.moderation.models import WatchedAction, WatchedWord

_PATTERN = re.compile(r"[\w*][\w\s'*.-]{0,99}")


@dataclass(frozen=True, slots=True)
class WordVerdict:
    blocked: list[str]
    held: list[str]


def _regex(pattern: str) -> re.Pattern[str]:
    parts = [re.escape(p) for p in pattern.split("*")]
    return re.compile(r"(?<!\w)" + r"\w*".join(parts) + r"(?!\w)", re.IGNORECASE)


def check_words(session: Session, text: str) -> WordVerdict:
    blocked: list[str] = []
    held: list[str] = []
    for word in session.scalars(select(WatchedWord).order_by(WatchedWord.id)):  # type: ignore[arg-type]
        if _regex(word.pattern).search(text):
            (blocked if word.action == WatchedAction.BLOCK else held).append(word.pattern)
    return WordVerdict(blocked=blocked, held=held)


def add_watched_word(session: Session, *, moderator: User, pattern: str, action: str) -> WatchedWord:
    pattern = " ".join(pattern.split()).lower()
    if not _PATTERN.fullmatch(pattern):
        raise InvalidInput("A watched word is 1 to 100 letters, digits, spaces, hyphens or * (any letters).", field="pattern")
    if action not in set(WatchedAction):
        raise InvalidInput("The action is block or hold.", field="action")
    if session.scalar(select(WatchedWord).where(WatchedWord.pattern == pattern)) is not None:
        raise Conflict(f"{pattern!r} is already watched.")
    word = WatchedWord(pattern=pattern, action=action, created_by_id=moderator.id, created_at=utcnow())
    session.add(word)
    session.flush()
    record_event(session, actor_id=moderator.id, action="word.added", target_type="watched_word", target_id=word.id, data={"pattern": pattern, "action": action})
    return word


def remove_watched_word(session: Session, *, moderator: User, word_id: int) -> bool:
    word = session.get(WatchedWord, word_id)
    if word is None:
        raise NotFound("That watched word does not exist.")
    record_event(session, actor_id=moderator.id, action="word.removed", target_type="watched_word", target_id=word.id, data={"pattern": word.pattern, "action": word.action})
    session.delete(word)
    return True


def list_watched_words(session: Session) -> list[WatchedWord]:
    return list(session.scalars(select(WatchedWord).order_by(WatchedWord.pattern)))  # type: ignore[arg-type]
