"""What each process keeps of a thread's public view, so most readers cost no query.

An entry holds, for one revision of a thread, the rendered comment tree, the
whole page as an anonymous reader sees it, and the comments API's JSON for
anonymous callers. Every write that changes what a thread shows bumps its
revision (`synchronize_thread`, `touch_thread`), so content is never served for
a revision other than the one it was made from.

What the cache must decide is whether the revision it holds is still the
latest, without asking the database on every view:

- A write in this process calls `invalidate` after its commit (the database's
  commit listeners), so the next reader here confirms the revision at once.
- A write in another process reaches this one as a hub notice, which also calls
  `invalidate`. Without one (say, a command-line tool writing beside a
  server), a confirmation is trusted for `ttl` seconds, which bounds how stale
  an anonymous reader's page can be.

A page can also go out of date with no write at all: a convening on the
thread starts or ends by the clock. Such a page is stored with `page_until`,
the moment it stops being true, and is not served from then on.

A reader that confirms a revision takes a `Ticket` before it reads: if an
invalidation lands between its read and its `confirm`, the entry is not marked
fresh, so a read that raced a write cannot hide that write.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from threading import Lock

from markupsafe import Markup

JsonKey = tuple[int, int]
# A few (after, limit) variants of the comments JSON per thread are worth
# keeping; readers who page through a long thread would only churn the rest.
MAX_JSON_VARIANTS = 4


@dataclass(frozen=True, slots=True)
class Ticket:
    epoch: int
    started: float


@dataclass(slots=True)
class Entry:
    revision: int
    tree: Markup | None = None
    page: bytes | None = None
    # The page shows something the clock will change at this moment (None: nothing).
    page_until: datetime | None = None
    json: dict[JsonKey, bytes] = field(default_factory=dict)
    # When the revision was last confirmed against the database (monotonic).
    confirmed_at: float = -math.inf

    def page_at(self, now: datetime) -> bytes | None:
        """The stored page, if it is still true at `now`."""
        if self.page_until is not None and now >= self.page_until:
            return None
        return self.page

    @property
    def size(self) -> int:
        return len(self.tree or "") + len(self.page or b"") + sum(len(v) for v in self.json.values())


class ThreadCache:
    def __init__(self, *, max_bytes: int, ttl: float) -> None:
        self.max_bytes = max_bytes
        self.ttl = ttl
        self._entries: OrderedDict[int, Entry] = OrderedDict()
        self._bytes = 0
        self._epoch = 0
        self._lock = Lock()

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    # Reads that need no database ------------------------------------------

    def fresh(self, thread_id: int) -> Entry | None:
        """The entry, if its revision was confirmed within `ttl` and not invalidated since."""
        with self._lock:
            entry = self._entries.get(thread_id)
            if entry is None or time.monotonic() - entry.confirmed_at >= self.ttl:
                return None
            self._entries.move_to_end(thread_id)
            return entry

    def fresh_page(self, thread_id: int, now: datetime) -> bytes | None:
        entry = self.fresh(thread_id)
        return entry.page_at(now) if entry is not None else None

    def fresh_json(self, thread_id: int, key: JsonKey) -> bytes | None:
        entry = self.fresh(thread_id)
        return entry.json.get(key) if entry is not None else None

    # Confirming and filling -------------------------------------------------

    def ticket(self) -> Ticket:
        """Take before reading the thread from the database."""
        with self._lock:
            return Ticket(self._epoch, time.monotonic())

    def confirm(self, thread_id: int, revision: int, ticket: Ticket) -> Entry:
        """The entry for this revision (a new, empty one if the revision moved on),
        marked fresh as of the ticket unless an invalidation came in between."""
        with self._lock:
            entry = self._entries.get(thread_id)
            if entry is None or entry.revision != revision:
                if entry is not None:
                    self._bytes -= entry.size
                    del self._entries[thread_id]
                entry = Entry(revision=revision)
                if self.enabled:
                    self._entries[thread_id] = entry
            if ticket.epoch == self._epoch and ticket.started > entry.confirmed_at:
                entry.confirmed_at = ticket.started
            return entry

    def store_tree(self, thread_id: int, entry: Entry, tree: Markup) -> None:
        self._store(thread_id, entry, tree=tree)

    def store_page(self, thread_id: int, entry: Entry, page: bytes, *, until: datetime | None = None) -> None:
        self._store(thread_id, entry, page=(page, until))

    def store_json(self, thread_id: int, entry: Entry, key: JsonKey, body: bytes) -> None:
        self._store(thread_id, entry, json=(key, body))

    def _store(
        self,
        thread_id: int,
        entry: Entry,
        *,
        tree: Markup | None = None,
        page: tuple[bytes, datetime | None] | None = None,
        json: tuple[JsonKey, bytes] | None = None,
    ) -> None:
        with self._lock:
            # An entry evicted or replaced meanwhile is no longer counted; leave it be.
            if self._entries.get(thread_id) is not entry:
                return
            before = entry.size
            if tree is not None:
                entry.tree = tree
            if page is not None:
                entry.page, entry.page_until = page
            if json is not None:
                if len(entry.json) >= MAX_JSON_VARIANTS and json[0] not in entry.json:
                    entry.json.clear()
                entry.json[json[0]] = json[1]
            self._bytes += entry.size - before
            self._entries.move_to_end(thread_id)
            while self._bytes > self.max_bytes and self._entries:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= evicted.size

    # Invalidation ----------------------------------------------------------

    def invalidate(self, thread_ids: Iterable[int]) -> None:
        """These threads changed: their next reader confirms the revision with the database."""
        with self._lock:
            self._epoch += 1
            for thread_id in thread_ids:
                entry = self._entries.get(thread_id)
                if entry is not None:
                    entry.confirmed_at = -math.inf

    def clear(self) -> None:
        with self._lock:
            self._epoch += 1
            self._entries.clear()
            self._bytes = 0

    @property
    def bytes_used(self) -> int:
        with self._lock:
            return self._bytes
