"""Who may do what: every mutating action × every kind of actor, one test per cell.

The table below is the whole contract. Each cell runs on a fresh database
(SQLite and PostgreSQL) holding the same world (matrix_support.py): a
published thread on "arm" with a published comment, both by `author`. A cell
asserts the exact status (or socket frame) its actor gets; where the action is
allowed, that it happened; where it is refused, that nothing in the database
changed.

Outcomes: an HTTP status; "login" for a page's 303 to /login; on the socket,
"posted" or the error frame's code, and for typing whether another viewer is
"shown" it or it is "ignored".

Cells: 459 per database, 918 in all (51 operations × 9 actors); checked below.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import Session
from starlette.testclient import TestClient

from forum.accounts.models import User, UserSession
from forum.app import create_app
from forum.boards.models import Board, Thread
from forum.comments.models import Comment
from forum.comments.services import create_comment
from forum.db import Database
from forum.moderation.flags import flag
from forum.moderation.models import AuditEvent, Flag, QueueItem, QueueState, TargetType, UserNote, WatchedWord
from forum.types import Role, Status
from tests.conftest import make_settings
from tests.moderation.matrix_support import (
    ACTORS,
    ADMIN,
    AUTHOR,
    CSRF,
    MOD_HERE,
    NO_POSTS_HELD,
    OTHER_BOARD,
    REPORTER,
    Stage,
    World,
    connect,
    empty_postgres,
    frames_until,
    snapshot,
)

Outcome = int | str
LOGIN = "login"  # a page's 303 to /login?next=…
NO_LOGIN, FORBIDDEN = "not_authenticated", "forbidden"  # a socket's error frames
POSTED = "posted"
SHOWN, IGNORED = "shown", "ignored"  # typing, as another viewer sees it

# fmt: off
#                                anonymous member  author  other   silenced   suspended mod-here  mod-elsewhere  admin
EXPECTED_ROWS: dict[str, tuple[Outcome, ...]] = {
    # Members' writes: anyone logged in who may post; never on your own words for a flag.
    "api-create-thread":        (401,      201,    201,    201,    403,       401,      201,      201,           201),
    "api-comment":              (401,      201,    201,    201,    403,       401,      201,      201,           201),
    "api-flag-comment":         (401,      201,    403,    201,    403,       401,      201,      201,           201),
    "api-flag-thread":          (401,      201,    403,    201,    403,       401,      201,      201,           201),
    # Moderators' actions: 403 on what the actor can see, 404 on what they cannot
    # (a hidden comment or thread is seen by its author and this board's moderators).
    "api-hide-comment":         (401,      403,    403,    403,    403,       401,      200,      403,           200),
    "api-restore-comment":      (401,      404,    403,    404,    404,       401,      200,      404,           200),
    "api-lock-thread":          (401,      403,    403,    403,    403,       401,      200,      403,           200),
    "api-unlock-thread":        (401,      403,    403,    403,    403,       401,      200,      403,           200),
    "api-pin-thread":           (401,      403,    403,    403,    403,       401,      200,      403,           200),
    "api-unpin-thread":         (401,      403,    403,    403,    403,       401,      200,      403,           200),
    "api-close-thread":         (401,      403,    403,    403,    403,       401,      200,      403,           200),
    # Only into a board you moderate too: "arm" → "educate" is the admin's alone.
    "api-move-thread":          (401,      403,    403,    403,    403,       401,      403,      403,           200),
    "api-hide-thread":          (401,      403,    403,    403,    403,       401,      200,      403,           200),
    "api-restore-thread":       (401,      404,    403,    404,    404,       401,      200,      404,           200),
    "api-delete-thread":        (401,      403,    403,    403,    403,       401,      200,      403,           200),
    # The queue is no member's business (404); another board's item is not yours to see.
    "api-queue":                (401,      404,    404,    404,    404,       401,      200,      200,           200),
    "api-approve-item":         (401,      404,    404,    404,    404,       401,      200,      404,           200),
    "api-reject-item":          (401,      404,    404,    404,    404,       401,      200,      404,           200),
    "api-claim-item":           (401,      404,    404,    404,    404,       401,      200,      404,           200),
    # People: any moderator manages members (silence and suspension are not per board); roles are the admin's.
    "api-silence-user":         (401,      403,    403,    403,    403,       401,      200,      200,           200),
    "api-suspend-user":         (401,      403,    403,    403,    403,       401,      200,      200,           200),
    "api-note-user":            (401,      403,    403,    403,    403,       401,      201,      201,           201),
    "api-set-role":             (401,      403,    403,    403,    403,       401,      403,      403,           200),
    # The live socket: the same rules as the API.
    "ws-comment":               (NO_LOGIN, POSTED, POSTED, POSTED, FORBIDDEN, NO_LOGIN, POSTED,   POSTED,        POSTED),
    "ws-typing":                (IGNORED,  SHOWN,  SHOWN,  SHOWN,  IGNORED,   IGNORED,  SHOWN,    SHOWN,         SHOWN),
    # Pages: the same rules, with a 303 for done and for "log in first"; moderator-only
    # pages under /mod are a 404 for everyone else, logged in or not.
    "page-new-thread":          (LOGIN,    303,    303,    303,    403,       LOGIN,    303,      303,           303),
    "page-comment":             (LOGIN,    303,    303,    303,    403,       LOGIN,    303,      303,           303),
    "page-edit-comment":        (LOGIN,    403,    303,    403,    403,       LOGIN,    303,      403,           303),
    "page-delete-comment":      (LOGIN,    403,    303,    403,    403,       LOGIN,    303,      403,           303),
    "page-flag-comment":        (LOGIN,    303,    403,    303,    403,       LOGIN,    303,      303,           303),
    "page-flag-thread":         (LOGIN,    303,    403,    303,    403,       LOGIN,    303,      303,           303),
    "page-hide-comment":        (LOGIN,    403,    403,    403,    403,       LOGIN,    303,      403,           303),
    "page-restore-comment":     (LOGIN,    404,    403,    404,    404,       LOGIN,    303,      404,           303),
    "page-lock-thread":         (LOGIN,    403,    403,    403,    403,       LOGIN,    303,      403,           303),
    "page-unlock-thread":       (LOGIN,    403,    403,    403,    403,       LOGIN,    303,      403,           303),
    "page-pin-thread":          (LOGIN,    403,    403,    403,    403,       LOGIN,    303,      403,           303),
    "page-unpin-thread":        (LOGIN,    403,    403,    403,    403,       LOGIN,    303,      403,           303),
    "page-close-thread":        (LOGIN,    403,    403,    403,    403,       LOGIN,    303,      403,           303),
    "page-move-thread":         (LOGIN,    403,    403,    403,    403,       LOGIN,    403,      403,           303),
    "page-hide-thread":         (LOGIN,    403,    403,    403,    403,       LOGIN,    303,      403,           303),
    "page-restore-thread":      (LOGIN,    404,    403,    404,    404,       LOGIN,    303,      404,           303),
    "page-delete-thread":       (LOGIN,    403,    403,    403,    403,       LOGIN,    303,      403,           303),
    "page-approve-item":        (404,      404,    404,    404,    404,       404,      303,      404,           303),
    "page-reject-item":         (404,      404,    404,    404,    404,       404,      303,      404,           303),
    "page-claim-item":          (404,      404,    404,    404,    404,       404,      303,      404,           303),
    "page-watch-word":          (404,      404,    404,    404,    404,       404,      303,      303,           303),
    "page-premoderate-board":   (404,      404,    404,    404,    404,       404,      404,      404,           303),
    "page-silence-user":        (404,      404,    404,    404,    404,       404,      303,      303,           303),
    "page-suspend-user":        (404,      404,    404,    404,    404,       404,      303,      303,           303),
    "page-note-user":           (404,      404,    404,    404,    404,       404,      303,      303,           303),
    "page-set-role":            (404,      404,    404,    404,    404,       404,      403,      403,           303),
}
# fmt: on

EXPECTED: dict[str, dict[str, Outcome]] = {op: dict(zip(ACTORS, row, strict=True)) for op, row in EXPECTED_ROWS.items()}
DONE: set[Outcome] = {200, 201, 303, POSTED, SHOWN}
ERROR_CODES = {401: "not_authenticated", 403: "forbidden", 404: "not_found"}

Send = Callable[[TestClient, World], Outcome]
Check = Callable[[Session, World], None]


@dataclass(frozen=True)
class Operation:
    send: Send
    # What an allowed actor's request must have done.
    effect: Check
    setup: Check | None = None
    # False where the action never writes, whoever sends it (typing).
    writes: bool = True


# Sending ------------------------------------------------------------------


def api_outcome(response: Any) -> Outcome:
    if response.status_code in ERROR_CODES:
        assert response.json()["error"]["code"] == ERROR_CODES[response.status_code], response.text
    return int(response.status_code)


def api_post(path: str, body: dict[str, Any] | None = None) -> Send:
    """`path` names the world's ids as {w.thread_id}, {w.comment_id}, {w.item_id}."""

    def send(client: TestClient, world: World) -> Outcome:
        return api_outcome(client.post(path.format(w=world), json=body if body is not None else {}, headers=world.bearer()))

    return send


def api_get(path: str) -> Send:
    def send(client: TestClient, world: World) -> Outcome:
        response = client.get(path.format(w=world), headers=world.bearer())
        world.extra["body"] = response.json()
        return api_outcome(response)

    return send


def page_post(path: str, fields: dict[str, str] | None = None) -> Send:
    """A form posted from the actor's browser, with its CSRF token."""

    def send(client: TestClient, world: World) -> Outcome:
        data = {**(fields or {}), "csrf_token": CSRF}
        response = client.post(path.format(w=world), data=data, headers=world.browser(), follow_redirects=False)
        if response.status_code == 303 and response.headers["location"].startswith("/login"):
            return LOGIN
        return int(response.status_code)

    return send


def ws_comment(client: TestClient, world: World) -> Outcome:
    with connect(client, world) as ws:
        ws.send_text(json.dumps({"type": "comment", "body": "Said on the socket"}))
        answer = frames_until(ws, {POSTED, "error"})[-1]
    return POSTED if answer["type"] == POSTED else str(answer["code"])


def ws_typing(client: TestClient, world: World) -> Outcome:
    """An anonymous reader watches while the actor types; a comment posted
    after the typing has been handled marks the end of what there is to see."""
    with connect(client, world, as_actor=False) as watcher:
        frames_until(watcher, {"presence"})  # in the room: it hears everything from here on
        with connect(client, world) as typist:
            frames_until(typist, {"presence"})
            typist.send_text(json.dumps({"type": "typing"}))
            # Frames are handled in order: once this is answered, the typing was too.
            typist.send_text(json.dumps({"type": "ping"}))
            frames_until(typist, {"error"})
            with world.db.write() as session:
                create_comment(session, author=session.get_one(User, world.users[REPORTER]), thread_id=world.thread_id,
                               body="The end of the typing", policy=NO_POSTS_HELD)
            seen = [f["type"] for f in frames_until(watcher, {"comment"})]
    return SHOWN if "typing" in seen else IGNORED


# Setting the stage ----------------------------------------------------------


def hidden_comment(session: Session, world: World) -> None:
    comment = session.get_one(Comment, world.comment_id)
    comment.status = Status.HIDDEN
    comment.mod_reason = "Hidden before the test"


def thread_state(**fields: Any) -> Check:
    def setup(session: Session, world: World) -> None:
        thread = session.get_one(Thread, world.thread_id)
        for name, value in fields.items():
            setattr(thread, name, value)

    return setup


def flagged_comment(session: Session, world: World) -> None:
    """An open queue item on this board: the reporter flagged the comment."""
    reporter = session.get_one(User, world.users[REPORTER])
    flag(session, flagger=reporter, target_type=TargetType.COMMENT, target_id=world.comment_id, reason="spam",
         note=None, policy=NO_POSTS_HELD)
    session.flush()
    world.item_id = session.scalar(select(QueueItem.id).where(QueueItem.target_id == world.comment_id))


# Effects ------------------------------------------------------------------


def audited(action: str) -> Check:
    def check(session: Session, world: World) -> None:
        actors = session.scalars(select(AuditEvent.actor_id).where(AuditEvent.action == action)).all()
        assert world.actor_id in actors, f"no {action} audit event by {world.actor}"

    return check


def thread_is(**fields: Any) -> Check:
    def check(session: Session, world: World) -> None:
        thread = session.get_one(Thread, world.thread_id)
        assert {k: getattr(thread, k) for k in fields} == fields

    return check


def moved_to_the_other_board(session: Session, world: World) -> None:
    assert session.get_one(Thread, world.thread_id).board_id == world.boards[OTHER_BOARD]


def comment_is(status: Status) -> Check:
    def check(session: Session, world: World) -> None:
        assert session.get_one(Comment, world.comment_id).status == status

    return check


def all_of(*checks: Check) -> Check:
    def check(session: Session, world: World) -> None:
        for each in checks:
            each(session, world)

    return check


def new_thread_by_actor(session: Session, world: World) -> None:
    thread = session.scalar(select(Thread).where(Thread.title == "A thread from the matrix"))
    assert thread is not None and thread.author_id == world.actor_id and thread.status == Status.PUBLISHED
    assert thread.board_id == world.boards["arm"]


def new_comment_by_actor(body: str) -> Check:
    def check(session: Session, world: World) -> None:
        comment = session.scalar(select(Comment).where(Comment.body_md == body))
        assert comment is not None and comment.author_id == world.actor_id
        assert comment.thread_id == world.thread_id and comment.status == Status.PUBLISHED

    return check


def flagged_by_actor(target_type: TargetType) -> Check:
    def check(session: Session, world: World) -> None:
        target_id = world.comment_id if target_type == TargetType.COMMENT else world.thread_id
        flaggers = session.scalars(select(Flag.flagger_id).where(Flag.target_type == target_type, Flag.target_id == target_id)).all()
        assert flaggers == [world.actor_id]

    return check


def item_is(**fields: Any) -> Check:
    def check(session: Session, world: World) -> None:
        item = session.get_one(QueueItem, world.item_id)
        wanted = {k: (world.actor_id if v is ACTOR else v) for k, v in fields.items()}
        assert {k: getattr(item, k) for k in fields} == wanted

    return check


ACTOR = object()  # in item_is: the cell's actor's id


def queue_lists_the_item_to_its_boards_moderators(session: Session, world: World) -> None:
    listed = [item["id"] for item in world.extra["body"]["items"]]
    assert listed == ([world.item_id] if world.actor in {MOD_HERE, ADMIN} else [])


def author_is(**fields: Any) -> Check:
    """The target of the people rows is the author's account."""

    def check(session: Session, world: World) -> None:
        author = session.get_one(User, world.users[AUTHOR], populate_existing=True)
        assert {k: getattr(author, k) for k in fields} == fields

    return check


def author_silenced(session: Session, world: World) -> None:
    assert session.get_one(User, world.users[AUTHOR], populate_existing=True).is_silenced()


def author_suspended(session: Session, world: World) -> None:
    """Suspended, and logged out of every browser at once."""
    assert session.get_one(User, world.users[AUTHOR], populate_existing=True).is_suspended()
    assert session.scalars(select(UserSession.id).where(UserSession.user_id == world.users[AUTHOR])).all() == []


def author_noted(session: Session, world: World) -> None:
    notes = session.execute(select(UserNote.user_id, UserNote.author_id)).all()
    assert notes == [(world.users[AUTHOR], world.actor_id)]


def author_moderates_arm(session: Session, world: World) -> None:
    author_is(role=Role.MODERATOR, moderated_boards=[world.boards["arm"]])(session, world)


def comment_says(body: str) -> Check:
    def check(session: Session, world: World) -> None:
        assert session.get_one(Comment, world.comment_id).body_md == body

    return check


def word_watched(session: Session, world: World) -> None:
    assert session.scalars(select(WatchedWord.pattern)).all() == ["casino"]


def arm_premoderated(session: Session, world: World) -> None:
    assert session.get_one(Board, world.boards["arm"]).premoderated


def nothing(session: Session, world: World) -> None:
    """Typing leaves no trace; what the watcher saw is the outcome."""


# The operations -------------------------------------------------------------

MOD_THREAD = "/api/v1/mod/threads/{w.thread_id}/"
MOD_COMMENT = "/api/v1/mod/comments/{w.comment_id}/"
QUEUE_ITEM = "/api/v1/mod/queue/{w.item_id}/"
PAGE_THREAD = "/t/{w.thread_id}/mod/"
PAGE_COMMENT = "/comments/{w.comment_id}/mod/"
PAGE_ITEM = "/mod/queue/{w.item_id}/"
PAGE_USER = "/mod/users/{w.author_id}/"

OPERATIONS: dict[str, Operation] = {
    "api-create-thread": Operation(
        api_post("/api/v1/threads", {"board": "arm", "title": "A thread from the matrix", "body": "Its words"}),
        new_thread_by_actor),
    "api-comment": Operation(
        api_post("/api/v1/threads/{w.thread_id}/comments", {"body": "A reply from the matrix"}),
        new_comment_by_actor("A reply from the matrix")),
    "api-flag-comment": Operation(
        api_post("/api/v1/comments/{w.comment_id}/flags", {"reason": "spam"}), flagged_by_actor(TargetType.COMMENT)),
    "api-flag-thread": Operation(
        api_post("/api/v1/threads/{w.thread_id}/flags", {"reason": "off_topic"}), flagged_by_actor(TargetType.THREAD)),
    "api-hide-comment": Operation(
        api_post(MOD_COMMENT + "hide", {"reason": "Rude"}), all_of(comment_is(Status.HIDDEN), audited("comment.hidden"))),
    "api-restore-comment": Operation(
        api_post(MOD_COMMENT + "restore"), all_of(comment_is(Status.PUBLISHED), audited("comment.restored")), setup=hidden_comment),
    "api-lock-thread": Operation(
        api_post(MOD_THREAD + "lock"), all_of(thread_is(locked=True), audited("thread.locked"))),
    "api-unlock-thread": Operation(
        api_post(MOD_THREAD + "unlock"), all_of(thread_is(locked=False), audited("thread.unlocked")), setup=thread_state(locked=True)),
    "api-pin-thread": Operation(
        api_post(MOD_THREAD + "pin"), all_of(thread_is(pinned=True), audited("thread.pinned"))),
    "api-unpin-thread": Operation(
        api_post(MOD_THREAD + "unpin"), all_of(thread_is(pinned=False), audited("thread.unpinned")), setup=thread_state(pinned=True)),
    "api-close-thread": Operation(
        api_post(MOD_THREAD + "close", {"reason": "Answered"}),
        all_of(thread_is(locked=True, closed_reason="Answered"), audited("thread.closed"))),
    "api-move-thread": Operation(
        api_post(MOD_THREAD + "move", {"board": OTHER_BOARD}),
        all_of(moved_to_the_other_board, audited("thread.moved"))),
    "api-hide-thread": Operation(
        api_post(MOD_THREAD + "hide", {"reason": "Off topic"}), all_of(thread_is(status=Status.HIDDEN), audited("thread.hidden"))),
    "api-restore-thread": Operation(
        api_post(MOD_THREAD + "restore"), all_of(thread_is(status=Status.PUBLISHED), audited("thread.restored")),
        setup=thread_state(status=Status.HIDDEN, mod_reason="Hidden before the test")),
    "api-delete-thread": Operation(
        api_post(MOD_THREAD + "delete", {"reason": "Spam"}), all_of(thread_is(status=Status.REMOVED), audited("thread.deleted"))),
    "api-queue": Operation(
        api_get("/api/v1/mod/queue"), queue_lists_the_item_to_its_boards_moderators, setup=flagged_comment),
    "api-approve-item": Operation(
        api_post(QUEUE_ITEM + "approve"),
        all_of(item_is(state=QueueState.DONE, resolution="approved", resolved_by_id=ACTOR), comment_is(Status.PUBLISHED)),
        setup=flagged_comment),
    "api-reject-item": Operation(
        api_post(QUEUE_ITEM + "reject", {"reason": "Spam"}),
        all_of(item_is(state=QueueState.DONE, resolution="rejected", resolved_by_id=ACTOR), comment_is(Status.HIDDEN)),
        setup=flagged_comment),
    "api-claim-item": Operation(
        api_post(QUEUE_ITEM + "claim"), all_of(item_is(state=QueueState.OPEN, claimed_by_id=ACTOR), audited("queue.claimed")),
        setup=flagged_comment),
    "api-silence-user": Operation(
        api_post("/api/v1/mod/users/{w.author_id}/silence", {"hours": 24, "reason": "Cooling off"}),
        all_of(author_silenced, audited("user.silenced"))),
    "api-suspend-user": Operation(
        api_post("/api/v1/mod/users/{w.author_id}/suspend", {"hours": 24, "reason": "Abuse"}),
        all_of(author_suspended, audited("user.suspended"))),
    "api-note-user": Operation(
        api_post("/api/v1/mod/users/{w.author_id}/notes", {"body": "Warned once about tone"}),
        all_of(author_noted, audited("user.noted"))),
    "api-set-role": Operation(
        api_post("/api/v1/admin/users/{w.author_id}/role", {"role": "moderator", "boards": ["arm"]}),
        all_of(author_moderates_arm, audited("user.role"))),
    "ws-comment": Operation(ws_comment, new_comment_by_actor("Said on the socket")),
    "ws-typing": Operation(ws_typing, nothing, writes=False),
    "page-new-thread": Operation(
        page_post("/b/arm/new", {"title": "A thread from the matrix", "body": "Its words"}), new_thread_by_actor),
    "page-comment": Operation(
        page_post("/t/{w.thread_id}/comments", {"body": "A reply from the matrix"}), new_comment_by_actor("A reply from the matrix")),
    "page-edit-comment": Operation(
        page_post("/comments/{w.comment_id}/edit", {"body": "Said better"}), comment_says("Said better")),
    "page-delete-comment": Operation(page_post("/comments/{w.comment_id}/delete"), comment_is(Status.REMOVED)),
    "page-flag-comment": Operation(
        page_post("/comments/{w.comment_id}/flag", {"reason": "spam"}), flagged_by_actor(TargetType.COMMENT)),
    "page-flag-thread": Operation(
        page_post("/t/{w.thread_id}/flag", {"reason": "off_topic"}), flagged_by_actor(TargetType.THREAD)),
    "page-hide-comment": Operation(
        page_post(PAGE_COMMENT + "hide", {"reason": "Rude"}), all_of(comment_is(Status.HIDDEN), audited("comment.hidden"))),
    "page-restore-comment": Operation(
        page_post(PAGE_COMMENT + "restore"), all_of(comment_is(Status.PUBLISHED), audited("comment.restored")), setup=hidden_comment),
    "page-lock-thread": Operation(
        page_post(PAGE_THREAD + "lock"), all_of(thread_is(locked=True), audited("thread.locked"))),
    "page-unlock-thread": Operation(
        page_post(PAGE_THREAD + "unlock"), all_of(thread_is(locked=False), audited("thread.unlocked")), setup=thread_state(locked=True)),
    "page-pin-thread": Operation(
        page_post(PAGE_THREAD + "pin"), all_of(thread_is(pinned=True), audited("thread.pinned"))),
    "page-unpin-thread": Operation(
        page_post(PAGE_THREAD + "unpin"), all_of(thread_is(pinned=False), audited("thread.unpinned")), setup=thread_state(pinned=True)),
    "page-close-thread": Operation(
        page_post(PAGE_THREAD + "close", {"reason": "Answered"}),
        all_of(thread_is(locked=True, closed_reason="Answered"), audited("thread.closed"))),
    "page-move-thread": Operation(
        page_post(PAGE_THREAD + "move", {"board": OTHER_BOARD}), all_of(moved_to_the_other_board, audited("thread.moved"))),
    "page-hide-thread": Operation(
        page_post(PAGE_THREAD + "hide", {"reason": "Off topic"}), all_of(thread_is(status=Status.HIDDEN), audited("thread.hidden"))),
    "page-restore-thread": Operation(
        page_post(PAGE_THREAD + "restore"), all_of(thread_is(status=Status.PUBLISHED), audited("thread.restored")),
        setup=thread_state(status=Status.HIDDEN, mod_reason="Hidden before the test")),
    "page-delete-thread": Operation(
        page_post(PAGE_THREAD + "delete", {"reason": "Spam"}), all_of(thread_is(status=Status.REMOVED), audited("thread.deleted"))),
    "page-approve-item": Operation(
        page_post(PAGE_ITEM + "approve", {"next": "/mod/queue"}),
        all_of(item_is(state=QueueState.DONE, resolution="approved", resolved_by_id=ACTOR), comment_is(Status.PUBLISHED)),
        setup=flagged_comment),
    "page-reject-item": Operation(
        page_post(PAGE_ITEM + "reject", {"reason": "Spam", "next": "/mod/queue"}),
        all_of(item_is(state=QueueState.DONE, resolution="rejected", resolved_by_id=ACTOR), comment_is(Status.HIDDEN)),
        setup=flagged_comment),
    "page-claim-item": Operation(
        page_post(PAGE_ITEM + "claim", {"next": "/mod/queue"}),
        all_of(item_is(state=QueueState.OPEN, claimed_by_id=ACTOR), audited("queue.claimed")),
        setup=flagged_comment),
    "page-watch-word": Operation(page_post("/mod/words", {"pattern": "casino", "action": "hold"}), word_watched),
    "page-premoderate-board": Operation(
        page_post("/mod/boards", {"board": "arm", "premoderated": "on"}), all_of(arm_premoderated, audited("board.premoderation"))),
    "page-silence-user": Operation(
        page_post(PAGE_USER + "silence", {"duration": "1d", "reason": "Cooling off"}), all_of(author_silenced, audited("user.silenced"))),
    "page-suspend-user": Operation(
        page_post(PAGE_USER + "suspend", {"duration": "1d", "reason": "Abuse"}), all_of(author_suspended, audited("user.suspended"))),
    "page-note-user": Operation(
        page_post(PAGE_USER + "note", {"body": "Warned once about tone"}), all_of(author_noted, audited("user.noted"))),
    "page-set-role": Operation(
        page_post(PAGE_USER + "role", {"role": "moderator", "boards": "arm"}), all_of(author_moderates_arm, audited("user.role"))),
}

assert OPERATIONS.keys() == EXPECTED.keys()
CELLS = [(op, actor) for op in EXPECTED for actor in ACTORS]
assert f"Cells: {len(CELLS)} per database, {2 * len(CELLS)} in all ({len(EXPECTED)} operations × {len(ACTORS)} actors)" in (__doc__ or "")


# The test -------------------------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stage(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    folder = tmp_path_factory.mktemp("matrix")
    if request.param == "sqlite":
        shutil.copyfile(request.getfixturevalue("sqlite_template"), folder / "forum.db")
        url = f"sqlite:///{folder / 'forum.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    db = Database(url)
    app = create_app(make_settings(url, folder), database=db)
    try:
        with TestClient(app, base_url="http://testserver", raise_server_exceptions=False) as client:
            yield Stage(app, db, client)
    finally:
        db.dispose()
        if request.param == "postgresql":
            empty_postgres(url)


@pytest.mark.parametrize(("operation", "actor"), CELLS, ids=[f"{op}/{actor}" for op, actor in CELLS])
def test_each_actor_gets_exactly_the_outcome_in_the_table(operation: str, actor: str, stage: Stage) -> None:
    op = OPERATIONS[operation]
    expected = EXPECTED[operation][actor]
    world = stage.enter(actor)
    db, client = stage.db, stage.client
    if op.setup is not None:
        with db.write() as session:
            op.setup(session, world)
    before = snapshot(db)

    outcome = op.send(client, world)

    assert outcome == expected
    if expected in DONE:
        with db.read() as session:
            op.effect(session, world)
    elif op.writes:
        assert snapshot(db) == before, "a refused request changed something"
