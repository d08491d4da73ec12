"""Who may do what: pure functions shared by pages, the API and the socket.

Moderators are site-wide, or moderate chosen boards (`User.moderated_boards`);
admins moderate everything and manage moderators. A thing a viewer may not see
is a 404 wherever it is asked for; an action a viewer may not take is refused
here, whatever the client sent.
"""

from __future__ import annotations

from forum.accounts.models import User
from forum.boards.models import Thread
from forum.comments.models import Comment
from forum.moderation.models import FlagReason
from forum.types import Role, Status


def moderated_board_ids(user: User | None) -> frozenset[int] | None:
    """The boards a user moderates: None for every board, an empty set for none."""
    if user is None or user.role == Role.MEMBER or user.is_suspended():
        return frozenset()
    if user.role == Role.ADMIN or not user.moderated_boards:
        return None
    return frozenset(int(b) for b in user.moderated_boards)


def can_moderate_board(user: User | None, board_id: int) -> bool:
    boards = moderated_board_ids(user)
    return boards is None or board_id in boards


def can_moderate(user: User | None, thread: Thread | None = None) -> bool:
    """With a thread: may moderate it. Without: moderates somewhere (may open /mod)."""
    boards = moderated_board_ids(user)
    if thread is None:
        return boards is None or bool(boards)
    return boards is None or thread.board_id in boards


def can_admin(user: User | None) -> bool:
    return user is not None and user.role == Role.ADMIN and not user.is_suspended()


def can_manage_user(actor: User | None, target: User) -> bool:
    """Silence, suspend, note: moderators act on members; only admins act on moderators."""
    if not can_moderate(actor) or actor is None or actor.id == target.id:
        return False
    return target.role == Role.MEMBER or can_admin(actor) and target.role != Role.ADMIN


def can_edit_profile(user: User | None, profile: User) -> bool:
    """Members edit their own profile, and only their own (moderators included)."""
    return user is not None and user.id == profile.id and not user.is_suspended()


def can_confirm_practitioner(actor: User | None, target: User) -> bool:
    """Confirm or withdraw a member's NPI: moderators for members, admins for
    anyone else; nobody for themselves."""
    if actor is None or not can_moderate(actor) or actor.id == target.id:
        return False
    return target.role == Role.MEMBER or can_admin(actor)


def is_verified_practitioner(user: User | None) -> bool:
    """A practitioner whose NPI a moderator confirmed is theirs.

    Neither a bare "NPI format valid" nor a registry match counts: anyone can
    type a number that passes the check digit, and the registry is public, so
    anyone can type a real practitioner's name beside their number. Only a
    moderator's confirmation says who is behind the account.
    """
    if user is None or user.npi is None or user.is_suspended():
        return False
    return user.npi_confirmed_at is not None


def flag_hides_at_once(user: User | None, thread: Thread, reason: str) -> bool:
    """A "patient information" flag from a moderator of the thread's board, or
    from a verified practitioner, hides the post at once, pending review."""
    if reason != FlagReason.PATIENT_INFORMATION:
        return False
    return can_moderate(user, thread) or is_verified_practitioner(user)


def can_import_articles(user: User | None) -> bool:
    return can_moderate(user)


def can_view_thread(user: User | None, thread: Thread) -> bool:
    if thread.status == Status.PUBLISHED:
        return True
    if thread.status in {Status.HELD, Status.HIDDEN} and user is not None and user.id == thread.author_id:
        return True  # its author sees it waiting, or taken down, with the reason
    return can_moderate(user, thread)


def can_post(user: User | None) -> bool:
    """Logged in, neither silenced nor suspended."""
    return user is not None and not user.is_silenced() and not user.is_suspended()


def can_start_thread(user: User | None) -> bool:
    return can_post(user)


def takes_comments(thread: Thread) -> bool:
    """Whether members may comment on the thread at all (moderators aside)."""
    return thread.status == Status.PUBLISHED and not thread.locked


def can_comment(user: User | None, thread: Thread) -> bool:
    if not can_post(user) or thread.status != Status.PUBLISHED:
        return False
    return not thread.locked or can_moderate(user, thread)


def can_flag(user: User | None, author_id: int | None) -> bool:
    """Any member who may post, on anything but their own words."""
    return can_post(user) and user is not None and user.id != author_id


def can_view_comment(user: User | None, comment: Comment, thread: Thread | None = None) -> bool:
    if comment.status in {Status.PUBLISHED, Status.REMOVED}:
        return True
    if user is not None and user.id == comment.author_id and comment.status in {Status.HELD, Status.HIDDEN}:
        return True  # its author sees it waiting, or taken down, with the reason
    return can_moderate(user, thread) if thread is not None else moderated_board_ids(user) is None


def can_edit_comment(user: User | None, comment: Comment, thread: Thread) -> bool:
    if user is None or comment.status == Status.REMOVED:
        return False
    if can_moderate(user, thread):
        return True
    if not can_post(user) or comment.status == Status.HIDDEN:
        return False
    return comment.author_id == user.id and not thread.locked


def can_delete_comment(user: User | None, comment: Comment, thread: Thread) -> bool:
    return can_edit_comment(user, comment, thread)


def can_curate_thread(user: User | None, thread: Thread) -> bool:
    """Mark a thread as an Arm resource or give it a Showcase story card: a
    moderator of its board, or its author while they may post."""
    if can_moderate(user, thread):
        return True
    return can_post(user) and user is not None and user.id == thread.author_id and thread.status == Status.PUBLISHED


def can_manage_tracks(user: User | None, educate_board_id: int) -> bool:
    """Arrange Educate tracks: a moderator of the Educate board."""
    return can_moderate_board(user, educate_board_id)


def can_follow_track(user: User | None) -> bool:
    """Mark a step of a track done: any member who is not suspended."""
    return user is not None and not user.is_suspended()


def can_schedule_convening(user: User | None, thread: Thread) -> bool:
    """Moderators of the thread's board schedule convenings on it."""
    return thread.status == Status.PUBLISHED and can_moderate(user, thread)


def can_host_convening(user: User | None, thread: Thread, host_ids: frozenset[int]) -> bool:
    """The convening's hosts (its scheduler and those listed), and the thread's moderators."""
    if user is None or user.is_suspended():
        return False
    return user.id in host_ids or can_moderate(user, thread)


def can_rsvp(user: User | None) -> bool:
    """Any logged-in member who is not suspended (a silenced member may still attend)."""
    return user is not None and not user.is_suspended()
