"""Embedding: the thread for a page, logins handed to frames, and the sites allowed to embed."""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from forum.accounts.models import User
from forum.accounts.permissions import can_admin
from forum.accounts.services import start_session, token_digest
from forum.articles.dedupe import normalise_url
from forum.articles.drafts import Draft, SourceError
from forum.articles.fetch import Fetcher
from forum.articles.queries import duplicate_by_url
from forum.articles.services import import_draft
from forum.articles.sources import read_source
from forum.boards.models import Board
from forum.db import Database, utcnow
from forum.embed.models import EmbedHandoff, EmbedOrigin
from forum.embed.origins import normalise_origin
from forum.errors import Conflict, InvalidInput, PermissionDenied
from forum.moderation.audit import record_event
from forum.text import TITLE_MAX

HANDOFF_LIFETIME = timedelta(minutes=2)
# A frame's login lasts a working week; logging out in the frame ends it at once.
FRAME_SESSION_LIFETIME = timedelta(days=7)
FRAME_TOKEN_PREFIX = "fe_"


def page_url(raw: str) -> str:
    """The page a widget is for, as the importer would store it; InvalidInput when it is not a web page."""
    if normalise_url(raw) is None:
        raise InvalidInput("The widget's page address must be an http(s) URL.", field="url")
    return raw.strip()


def thread_id_for_page(session: Session, url: str) -> int | None:
    duplicate = duplicate_by_url(session, url)
    return duplicate.thread_id if duplicate else None


def draft_for_page(url: str, *, title: str | None, fetcher: Fetcher | None) -> Draft:
    """What the page's thread is made from: its title from the snippet, or its
    own title and text fetched through the importer's guarded fetcher. A page
    that cannot be fetched still gets a thread, named after its address."""
    title = " ".join((title or "").split())[:TITLE_MAX]
    draft: Draft | None = None
    if not title and fetcher is not None:
        try:
            parsed = read_source(url, fetcher=fetcher)
            draft = parsed.drafts[0] if parsed.kind == "html" and parsed.drafts else None
        except (SourceError, ValueError):
            draft = None
    if draft is None:
        parts = urlsplit(url)
        draft = Draft(title=title or f"{parts.hostname or url}{parts.path.rstrip('/')}", text="", url=url, remote=True)
    # The snippet's address is the page's canonical one: every later load looks it up by it.
    return replace(draft, url=url, title=title or draft.title, remote=True)


def create_thread_for_page(db: Database, draft: Draft, *, board_slug: str | None) -> int:
    """Make the page's thread (as an article import), or find the one a concurrent load made."""
    assert draft.url is not None
    try:
        with db.write() as session:
            existing = thread_id_for_page(session, draft.url)
            if existing is not None:
                return existing
            outcome = import_draft(session, draft, board=board_slug)
            assert outcome.thread_id is not None
            return outcome.thread_id
    except IntegrityError:
        # Two first views of one page at once: the other one's thread won (canonical_url is unique).
        with db.read() as session:
            existing = thread_id_for_page(session, draft.url)
        if existing is None:
            raise
        return existing


def issue_handoff(session: Session, *, user: User, host_origin: str) -> str:
    """A single-use token that lets a frame on `host_origin` log in as `user`, for two minutes."""
    session.execute(delete(EmbedHandoff).where(EmbedHandoff.expires_at < utcnow()))  # type: ignore[arg-type]
    token = secrets.token_urlsafe(32)
    session.add(EmbedHandoff(id=token_digest(token), user_id=user.id, host_origin=host_origin,  # type: ignore[arg-type]
                             expires_at=utcnow() + HANDOFF_LIFETIME))
    return token


def redeem_handoff(session: Session, *, token: str, host_origin: str) -> tuple[User, str] | None:
    """Trade a hand-off for a frame session: (the user, the frame's bearer token),
    or None when it is unknown, used, expired, for another site or for a
    suspended account.

    The row is deleted in the same statement that reads it, so of two
    concurrent redemptions exactly one gets it; a refused one is used up too
    (the caller commits before it answers)."""
    row = session.execute(
        delete(EmbedHandoff)
        .where(EmbedHandoff.id == token_digest(token))  # type: ignore[arg-type]
        .returning(EmbedHandoff.user_id, EmbedHandoff.host_origin, EmbedHandoff.expires_at)
    ).first()
    if row is None:
        return None
    user_id, bound_to, expires_at = row
    if expires_at <= utcnow() or bound_to != host_origin:
        return None
    user = session.get(User, user_id)
    if user is None or user.is_suspended():
        return None
    return user, start_session(session, user=user, lifetime=FRAME_SESSION_LIFETIME, prefix=FRAME_TOKEN_PREFIX)


def add_origin(session: Session, *, actor: User, origin: str, board_slug: str | None) -> EmbedOrigin:
    if not can_admin(actor):
        raise PermissionDenied("Only admins can allow sites to embed.")
    normalised = normalise_origin(origin)
    if normalised is None or urlsplit(origin.strip()).path not in {"", "/"}:
        raise InvalidInput("Give the site as its origin, like https://blog.example.org (no path).", field="origin")
    if board_slug and session.scalar(select(Board.id).where(Board.slug == board_slug)) is None:
        raise InvalidInput("There is no such board.", field="board")
    if session.scalar(select(EmbedOrigin.id).where(EmbedOrigin.origin == normalised)) is not None:
        raise Conflict(f"{normalised} is already allowed.")
    row = EmbedOrigin(origin=normalised, board_slug=board_slug or None, created_by_id=actor.id)
    session.add(row)
    session.flush()
    record_event(session, actor_id=actor.id, action="embed.origin_added", target_type="embed_origin", target_id=row.id,
                 data={"origin": normalised, "board": board_slug or None})
    return row


def remove_origin(session: Session, *, actor: User, origin_id: int) -> bool:
    if not can_admin(actor):
        raise PermissionDenied("Only admins can change which sites may embed.")
    row = session.get(EmbedOrigin, origin_id)
    if row is None:
        return False
    record_event(session, actor_id=actor.id, action="embed.origin_removed", target_type="embed_origin", target_id=row.id,
                 data={"origin": row.origin})
    session.delete(row)
    return True

