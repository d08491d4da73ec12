"""Type aliases and enums shared across domains."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """The life of a thread or comment; every read filters by it for the viewer."""

    PUBLISHED = "published"
    HELD = "held"  # waiting for a moderator (patient information, pre-moderation)
    HIDDEN = "hidden"  # taken down by a moderator; moderators still see it
    REMOVED = "removed"  # deleted by its author; a placeholder keeps replies readable


class Role(StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"
    ADMIN = "admin"


UserId = int
ThreadId = int
CommentId = int
