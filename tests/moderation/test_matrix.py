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

Cells: 189 per database, 378 in all (21 operations × 9 actors); checked below.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import Session
from starlette.testclient import TestClient

from forum.accounts.models import User
from forum.app import create_app
from forum.boards.models import Thread
from forum.comments.models import Comment
from forum.comments.services import create_comment
from forum.db import Database
from forum.moderation.flags import flag
from forum.moderation.models import AuditEvent, Flag, QueueItem, QueueState, TargetType
from forum.types import Status
from tests.conftest import make_settings
from tests.moderation.matrix_support import (
    ACTORS,
    ADMIN,
    MOD_HERE,
    NO_POSTS_HELD,
    OTHER_BOARD,
    REPORTER,
    Stage,
    World,
    build_world,
    connect,
    empty_postgres,
    frames_until,
    snapshot,
)

Outcome = int | str

# fmt: off
#                          anonymous  member  author  other   silenced  suspended  mod-here  mod-elsewhere  admin
EXPECTED_ROWS: dict[str, tuple[Outcome, ...]] = {
    # Members' writes: anyone logged in who may post; never on your own words for a flag.
    "api-create-thread":     (401,      201,    201,    201,    403,      401,       201,      201,           201),
    "api-comment":           (401,      201,    201,    201,    403,      401,       201,      201,           201),
    "api-flag-comment":      (401,      201,    403,    201,    403,      401,       201,      201,           201),
    "api-flag-thread":       (401,      201,    403,    201,    403,      401,       201,      201,           201),
    # Moderators' actions: 403 on what the actor can see, 404 on what they cannot
    # (a hidden comment or thread is seen by its author and this board's moderators).
    "api-hide-comment":      (401,      403,    403,    403,    403,      401,       200,      403,           200),
    "api-restore-comment":   (401,      404,    403,    404,    404,      401,       200,      404,           200),
    "api-lock-thread":       (401,      403,    403,    403,    403,      401,       200,      403,           200),
    "api-unlock-thread":     (401,      403,    403,    403,    403,      401,       200,      403,           200),
    "api-pin-thread":        (401,      403,    403,    403,    403,      401,       200,      403,           200),
    "api-unpin-thread":      (401,      403,    403,    403,    403,      401,       200,      403,           200),
    "api-close-thread":      (401,      403,    403,    403,    403,      401,       200,      403,           200),
    # Only into a board you moderate too: "arm" → "educate" is the admin's alone.
    "api-move-thread":       (401,      403,    403,    403,    403,      401,       403,      403,           200),
    "api-hide-thread":       (401,      403,    403,    403,    403,      401,       200,      403,           200),
    "api-restore-thread":    (401,      404,    403,    404,    404,      401,       200,      404,           200),
    "api-delete-thread":     (401,      403,    403,    403,    403,      401,       200,      403,           200),
    # The queue is no member's business (404); another board's item is not yours to see.
    "api-queue":             (401,      404,    404,    404,    404,      401,       200,      200,           200),
    "api-approve-item":      (401,      404,    404,    404,    404,      401,       200,      404,           200),
    "api-reject-item":       (401,      404,    404,    404,    404,      401,       200,      404,           200),
    "api-claim-item":        (401,      404,    404,    404,    404,      401,       200,      404,           200),
    # The live socket: the same rules as the API.
    "ws-comment":            ("not_authenticated", "posted", "posted", "posted", "forbidden", "not_authenticated",
                              "posted", "posted", "posted"),
    "ws-typing":             ("ignored", "shown", "shown", "shown", "ignored", "ignored", "shown", "shown", "shown"),
}
# fmt: on

EXPECTED: dict[str, dict[str, Outcome]] = {op: dict(zip(ACTORS, row, strict=True)) for op, row in EXPECTED_ROWS.items()}
DONE: set[Outcome] = {200, 201, 303, "posted", "shown"}
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


def ws_comment(client: TestClient, world: World) -> Outcome:
    with connect(client, world) as ws:
        ws.send_text(json.dumps({"type": "comment", "body": "Said on the socket"}))
        answer = frames_until(ws, {"posted", "error"})[-1]
    return "posted" if answer["type"] == "posted" else str(answer["code"])


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
    return "shown" if "typing" in seen else "ignored"


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


def nothing(session: Session, world: World) -> None:
    """Typing leaves no trace; what the watcher saw is the outcome."""


# The operations -------------------------------------------------------------

MOD_THREAD = "/api/v1/mod/threads/{w.thread_id}/"
MOD_COMMENT = "/api/v1/mod/comments/{w.comment_id}/"
QUEUE_ITEM = "/api/v1/mod/queue/{w.item_id}/"

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
    "ws-comment": Operation(ws_comment, new_comment_by_actor("Said on the socket")),
    "ws-typing": Operation(ws_typing, nothing, writes=False),
}

assert OPERATIONS.keys() == EXPECTED.keys()
CELLS = [(op, actor) for op in EXPECTED for actor in ACTORS]
assert f"Cells: {len(CELLS)} per database, {2 * len(CELLS)} in all ({len(EXPECTED)} operations × {len(ACTORS)} actors)" in (__doc__ or "")


# The test -------------------------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stage(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    folder = tmp_path_factory.mktemp("matrix")
    template: Path | None = None
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        url = f"sqlite:///{folder / 'forum.db'}"
        shutil.copyfile(template, folder / "forum.db")
    else:
        url = request.getfixturevalue("postgres_url")
    db = Database(url)
    app = create_app(make_settings(url, folder), database=db)
    try:
        with TestClient(app, base_url="http://testserver", raise_server_exceptions=False) as client:
            yield Stage(url, template, app, db, client)
    finally:
        db.dispose()
        if template is None:
            empty_postgres(url)


@pytest.mark.parametrize(("operation", "actor"), CELLS, ids=[f"{op}/{actor}" for op, actor in CELLS])
def test_each_actor_gets_exactly_the_outcome_in_the_table(operation: str, actor: str, stage: Stage) -> None:
    op = OPERATIONS[operation]
    expected = EXPECTED[operation][actor]
    stage.reset()
    db, client = stage.db, stage.client
    world = build_world(db, stage.app, actor)
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
