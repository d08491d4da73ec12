"""The moderation settings a write needs, read from Settings once at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from forum.settings import Settings


@dataclass(frozen=True, slots=True)
class Policy:
    # How many of a new (untrusted) account's first posts wait for a moderator.
    new_account_held_posts: int = 1
    # Flags from this many distinct members hide an item pending review.
    flag_threshold: int = 3

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(new_account_held_posts=settings.new_account_held_posts, flag_threshold=settings.flag_threshold)


DEFAULT_POLICY = Policy()
