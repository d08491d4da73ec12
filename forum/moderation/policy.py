"""The moderation settings a write needs, read from Settings once at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from forum.settings import Settings


@dataclass(frozen=True, slots=True)
class Policy:
    # How many of a new (untrusted) account's first posts wait for a moderator.
    new_account_held_posts: int = 1
    # Flags from this many distinct members hide an item pending review.
    flag_threshold: int = 3
    # The forum's own host names: links to them are never patient information.
    own_hosts: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        host = urlsplit(settings.base_url).hostname
        return cls(new_account_held_posts=settings.new_account_held_posts, flag_threshold=settings.flag_threshold,
                   own_hosts=(host,) if host else ())


DEFAULT_POLICY = Policy()
