"""Before a post is saved: should it wait for a moderator, or be refused?

A verdict with reasons, as the health-care guard gives: watched words that
block raise at once (nothing is saved); otherwise the reasons to hold, empty
when the post may be published.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session

from forum.accounts.models import User
from forum.accounts.permissions import can_moderate_board
from forum.boards.models import Board, Thread
from forum.comments.models import Comment
from forum.errors import InvalidInput
from forum.moderation.policy import Policy
from forum.moderation.words import check_words
from forum.phi import check
from forum.phi.display import findings_detail
from forum.types import Status

NEW_ACCOUNT = "new_account"
BOARD_PREMODERATED = "board_premoderated"
WATCHED_WORD = "watched_word"
FLAGGED = "flagged"
PATIENT_INFORMATION = "patient_information"

REASON_LABELS = {
    NEW_ACCOUNT: "New account: its first posts wait for a moderator",
    BOARD_PREMODERATED: "Every post on this board waits for a moderator",
    WATCHED_WORD: "Contains a watched word",
    FLAGGED: "Flagged by members",
    PATIENT_INFORMATION: "May identify a patient",
}


class Blocked(InvalidInput):
    code = "blocked"


def _published_posts(session: Session, author_id: int) -> int:
    shown = (Status.PUBLISHED, Status.REMOVED)
    comments = session.scalar(select(func.count(Comment.id)).where(Comment.author_id == author_id, Comment.status.in_(shown)))  # type: ignore[attr-defined]
    threads = session.scalar(select(func.count(Thread.id)).where(Thread.author_id == author_id, Thread.status.in_(shown)))  # type: ignore[attr-defined]
    return (comments or 0) + (threads or 0)


def hold_reasons(session: Session, *, author: User, board: Board, text: str, policy: Policy) -> tuple[list[str], str]:
    """The reasons this post waits for a moderator (none: publish it), and a detail line.

    Raises Blocked when a watched word blocks it. The health-care guard holds
    anyone's post, a moderator's too: a patient's privacy does not depend on
    who wrote it. Otherwise a moderator of the board is never held: they are
    the ones who would approve it.
    """
    findings = check(text, own_hosts=policy.own_hosts)
    phi: tuple[list[str], str] = ([PATIENT_INFORMATION], findings_detail(findings)) if findings else ([], "")
    if can_moderate_board(author, board.id):  # type: ignore[arg-type]
        return phi
    words = check_words(session, text)
    if words.blocked:
        raise Blocked(
            "This post contains words that are not allowed here ("
            + ", ".join(repr(w) for w in words.blocked)
            + "); edit it and try again."
        )
    reasons, detail = list(phi[0]), phi[1]
    if words.held:
        reasons.append(WATCHED_WORD)
        detail = "\n".join(filter(None, [detail, "Watched words: " + ", ".join(words.held)]))
    if board.premoderated:
        reasons.append(BOARD_PREMODERATED)
    if not author.trusted and policy.new_account_held_posts and _published_posts(session, author.id) < policy.new_account_held_posts:  # type: ignore[arg-type]
        reasons.append(NEW_ACCOUNT)
    return reasons, detail
