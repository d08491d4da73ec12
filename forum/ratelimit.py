"""Rate limits on posts, flags, logins and the other writes.

Counting is done by the `limits` library with its moving-window strategy: an
attempt is allowed while fewer than N attempts fall in the last window,
however they are spread, so there is no burst at a window's edge. Where the
counts live is chosen at start-up (`make_rate_limiter`):

- memory, in this process: the default, enough for one machine;
- Redis, when FORUM_BROADCAST_URL is `redis://` or `rediss://`: every process
  behind a load balancer then counts the same attempts;
- nowhere (`NullRateLimiter`) when FORUM_RATE_LIMITS=off.

Handlers, the socket and services call the verb functions at the bottom
(`hit_comment`, `hit_thread`, `hit_edit`, `hit_flag`, `hit_login`,
`hit_register`, `hit_import`). Each counts one attempt, or raises RateLimited
(a 429 with `retry_after` seconds and a message that says how long to wait).
A form that catches the error to show it beside the draft passes
`headers=retry_headers(exc)` (forum.web) so the page carries Retry-After too.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter

from forum.db import utcnow
from forum.errors import RateLimited

if TYPE_CHECKING:
    from forum.accounts.models import User
    from forum.settings import Settings

log = logging.getLogger("forum.ratelimit")

# An account younger than this posts under the stricter limit, unless the
# operator made it (trusted) or it moderates.
NEW_ACCOUNT_AGE = timedelta(days=1)
# How long a Redis command may take before the limiter gives up on it.
REDIS_TIMEOUT = 1.0
# At most one warning this often while the storage is failing.
WARN_EVERY = 60.0


@dataclass(frozen=True, slots=True)
class Limit:
    """`rate` as `limits` reads it ("10/minute", "5/10 minutes"); `{wait}` in
    the message becomes "40 seconds", "3 minutes" and so on."""

    name: str
    rate: str
    message: str
    item: RateLimitItem = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "item", parse(self.rate))


# Comments and threads together are posts: each counts against the author and
# against the address it came from. The address limit is generous because a
# hospital's desktops may share one.
POST = Limit("post", "10/minute", "You are posting quickly; try again in {wait}.")
NEW_ACCOUNT_POST = Limit(
    "post-new-account", "3/minute", "New accounts post a little slower on their first day; try again in {wait}."
)
POST_FROM_ADDRESS = Limit("post-address", "60/minute", "Many posts are coming from your network; try again in {wait}.")
THREAD = Limit("thread", "5/10 minutes", "You are starting threads quickly; try again in {wait}.")
EDIT = Limit("edit", "30/minute", "You are editing quickly; try again in {wait}.")
FLAG = Limit("flag", "20/day", "You have flagged a lot today; try again in {wait}.")
FLAG_FROM_ADDRESS = Limit("flag-address", "100/day", "Many flags are coming from your network; try again in {wait}.")
LOGIN = Limit("login", "5/minute", "Too many login attempts for this account; try again in {wait}.")
LOGIN_FROM_ADDRESS = Limit("login-address", "20/minute", "Too many login attempts from here; try again in {wait}.")
REGISTER = Limit("register", "5/hour", "Too many accounts made from here; try again in {wait}.")
IMPORT = Limit("import", "30/10 minutes", "You are importing quickly; try again in {wait}.")
# Any reader's first view of an embedded page makes its thread: bounded per address,
# so nobody can mint threads for made-up pages of an allowed site.
EMBED_THREAD = Limit("embed-thread", "20/hour", "Many new discussions are being started from your network; try again in {wait}.")
GUARD = Limit("guard", "120/minute", "Too many checks from here; try again in {wait}.")
EMBED_LOGIN = Limit("embed-login", "20/minute", "Too many logins from here; try again in {wait}.")

Check = tuple[Limit, str]


class RateLimiter(Protocol):
    def hit(self, *checks: Check) -> None:
        """Count one attempt against every (limit, key); when any of them is
        over its limit, count none and raise RateLimited."""

    def close(self) -> None: ...


class NullRateLimiter:
    def hit(self, *checks: Check) -> None:
        return None

    def close(self) -> None:
        return None


class LimitsRateLimiter:
    """Moving windows kept in a `limits` storage (memory or Redis)."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._strategy = MovingWindowRateLimiter(storage)
        self._warned_at = -math.inf
        self._warn_lock = threading.Lock()

    def hit(self, *checks: Check) -> None:
        strategy = self._strategy
        try:
            # Test them all before counting any, so that an attempt refused by
            # one limit (the address) does not use up another (the author's).
            over = [(limit, key) for limit, key in checks if not strategy.test(limit.item, limit.name, key)]
            if not over:
                # Another process may fill a window between the test and the
                # hit; then that limit refuses, and the ones before it counted.
                over = [(limit, key) for limit, key in checks if not strategy.hit(limit.item, limit.name, key)]
            if over:
                raise self._refusal(over)
        except StorageError as exc:
            # Fail open. Rate limits are a brake on floods, not a safety check:
            # every post still passes the health-care guard and moderation. If
            # Redis is unreachable, refusing (or a 500 on) every post and login
            # would turn a cache outage into a site outage, so the attempt is
            # allowed and the operator is warned (once a minute, not per request).
            self._warn(exc)

    def _refusal(self, over: list[Check]) -> RateLimited:
        now = time.time()
        waits = [
            (max(1, math.ceil(self._strategy.get_window_stats(limit.item, limit.name, key).reset_time - now)), limit)
            for limit, key in over
        ]
        wait, limit = max(waits, key=lambda pair: pair[0])
        return RateLimited(limit.message.format(wait=describe_wait(wait)), retry_after=wait)

    def _warn(self, exc: StorageError) -> None:
        now = time.monotonic()
        with self._warn_lock:
            if now - self._warned_at < WARN_EVERY:
                return
            self._warned_at = now
        log.warning("rate limits are not enforced: their storage failed (%s); allowing the attempt", exc.storage_error)

    def close(self) -> None:
        client = getattr(self.storage, "storage", None)
        if isinstance(self.storage, RedisStorage) and client is not None:
            client.close()


def redis_key_prefix(secret_key: str) -> str:
    """Keys name users by id, and id 7 in one forum is not id 7 in another
    sharing the same Redis. Every process of one forum must share its secret
    key (the session cookies depend on it), so a digest of it tells forums
    apart without revealing it."""
    digest = hmac.new(secret_key.encode(), b"forum rate limits", hashlib.sha256).hexdigest()
    return f"forum-ratelimit-{digest[:12]}"


def make_rate_limiter(settings: Settings) -> RateLimiter:
    if not settings.rate_limits:
        return NullRateLimiter()
    if settings.broadcast_url.startswith(("redis://", "rediss://")):
        # Builds a client only; nothing connects until the first attempt.
        storage: Storage = RedisStorage(
            settings.broadcast_url,
            key_prefix=redis_key_prefix(settings.resolved_secret_key()),
            wrap_exceptions=True,
            socket_timeout=REDIS_TIMEOUT,
            socket_connect_timeout=REDIS_TIMEOUT,
        )
    else:
        storage = MemoryStorage(wrap_exceptions=True)
    return LimitsRateLimiter(storage)


def describe_wait(seconds: int) -> str:
    """Rounded up, so a member who waits as long as it says is let through."""
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    if seconds < 90 * 60:
        return f"{math.ceil(seconds / 60)} minutes"
    return f"{math.ceil(seconds / 3600)} hours"


def is_new_account(user: User, *, now: datetime | None = None) -> bool:
    """Under a day old, and neither made by the operator nor a moderator."""
    if user.trusted or user.is_moderator:
        return False
    return (now or utcnow()) - user.created_at < NEW_ACCOUNT_AGE


def _post_checks(user: User, ip: str) -> list[Check]:
    per_user = NEW_ACCOUNT_POST if is_new_account(user) else POST
    return [(per_user, f"user:{user.id}"), (POST_FROM_ADDRESS, f"ip:{ip}")]


def hit_comment(limiter: RateLimiter, user: User, ip: str) -> None:
    """A comment or reply, from the form, the API or the socket."""
    limiter.hit(*_post_checks(user, ip))


def hit_thread(limiter: RateLimiter, user: User, ip: str) -> None:
    """A new thread: a post, and one of the few threads a member may start in ten minutes."""
    limiter.hit(*_post_checks(user, ip), (THREAD, f"user:{user.id}"))


def hit_edit(limiter: RateLimiter, user: User) -> None:
    limiter.hit((EDIT, f"user:{user.id}"))


def hit_flag(limiter: RateLimiter, user: User, ip: str) -> None:
    """A flag on a comment or thread, from the form or the API: per member per
    day, and per address (a few accounts from one place should not be able to
    hide whatever they like by flagging it together)."""
    limiter.hit((FLAG, f"user:{user.id}"), (FLAG_FROM_ADDRESS, f"ip:{ip}"))


def hit_login(limiter: RateLimiter, email: str, ip: str) -> None:
    """A login attempt, counted against the address and against the account it
    names (whether or not that exists, so the answer reveals nothing)."""
    limiter.hit((LOGIN_FROM_ADDRESS, f"ip:{ip}"), (LOGIN, "email:" + email.strip().lower()))


def hit_register(limiter: RateLimiter, ip: str) -> None:
    limiter.hit((REGISTER, f"ip:{ip}"))


def hit_import(limiter: RateLimiter, user: User) -> None:
    limiter.hit((IMPORT, f"user:{user.id}"))


def hit_embed_thread(limiter: RateLimiter, ip: str) -> None:
    limiter.hit((EMBED_THREAD, f"ip:{ip}"))


def hit_guard(limiter: RateLimiter, ip: str) -> None:
    """A draft checked by the health-care guard as its author types."""
    limiter.hit((GUARD, f"ip:{ip}"))


def hit_embed_login(limiter: RateLimiter, ip: str) -> None:
    """A frame trading a pop-up's hand-off for its session."""
    limiter.hit((EMBED_LOGIN, f"ip:{ip}"))
