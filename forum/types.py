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

# Id columns are INTEGER, 32-bit on PostgreSQL: a larger id cannot exist, and
# asking the database for one is an error there, so callers check first.
MAX_ID = 2**31 - 1
