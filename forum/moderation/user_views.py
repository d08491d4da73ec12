"""/mod/users: find a member, read their history, silence, suspend, note, and
(admins) change their role.

Forms POST, then redirect back to the member's page. Anyone who is not a
moderator gets the same 404 as a missing page.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from forum.accounts.models import User
from forum.accounts.permissions import can_admin, can_confirm_practitioner, can_manage_user, can_moderate
from forum.accounts.practitioners import BADGE_HINTS, badges, npi_review
from forum.boards.queries import list_boards
from forum.errors import ForumError, NotFound
from forum.moderation import practitioners, users
from forum.moderation.user_queries import search_users, user_history
from forum.templating import render
from forum.types import Role
from forum.web import page, redirect

NOT_HERE = "There is nothing at this address."

# What the page says after each action (never text from the request).
DONE = {
    "silence": "Silenced: they can read but not post until the time shown.",
    "unsilence": "Silence lifted: they can post again.",
    "suspend": "Suspended: they are logged out and cannot log in until the time shown.",
    "unsuspend": "Suspension lifted: they can log in again.",
    "note": "Note added.",
    "role": "Role changed.",
    "confirm-practitioner": "Confirmed: their profile now shows “Verified by moderators”.",
    "unconfirm-practitioner": "Confirmation withdrawn: their profile no longer shows “Verified by moderators”.",
    "unchanged": "Nothing changed.",
}


def _moderator(request: Request) -> User:
    viewer: User | None = request.state.viewer
    if viewer is None or not can_moderate(viewer):
        raise NotFound(NOT_HERE)
    return viewer


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


@page
def users_page(request: Request, form: FormData | None) -> Response:
    _moderator(request)
    q = request.query_params.get("q", "")
    with request.app.state.db.read() as session:
        found = search_users(session, q)
    return render(request, "moderation/users.html", {"q": q, "users": found})


def render_user(request: Request, user_id: int, *, error: str | None = None, status_code: int = 200,
                form: FormData | None = None, done: str | None = None) -> Response:
    viewer = _moderator(request)
    with request.app.state.db.read() as session:
        history = user_history(session, viewer, user_id)
        boards = list_boards(session)
        review = npi_review(session, history.user)
    user = history.user
    return render(request, "moderation/user.html", {
        "history": history,
        "user": user,
        "boards": boards,
        "roles": list(Role),
        "durations": [("1h", "1 hour"), ("1d", "1 day"), ("7d", "7 days"), ("30d", "30 days"), ("custom", "A number of days:")],
        "can_manage": can_manage_user(viewer, user),
        "can_set_role": can_admin(viewer),
        "badges": [(badge, BADGE_HINTS[badge]) for badge in badges(user)],
        "npi_review": review,
        "can_confirm": can_confirm_practitioner(viewer, user),
        "silenced": user.is_silenced(),
        "suspended": user.is_suspended(),
        "error": error,
        "message": DONE.get(done or ""),
        "draft": {k: _text(form, k) for k in ("duration", "reason", "days", "body")} if form is not None else {},
        "failed": request.path_params.get("action") if error else None,
    }, status_code=status_code)


@page
def user_page(request: Request, form: FormData | None) -> Response:
    return render_user(request, request.path_params["user_id"], done=request.query_params.get("done"))


# Each action: (session, viewer, user_id, form) -> whether anything changed.
Action = Callable[[Session, User, int, FormData], bool]


def _silence(session: Session, viewer: User, user_id: int, form: FormData) -> bool:
    until = users.until_from_choice(_text(form, "duration"), _text(form, "days"))
    return users.silence_user(session, moderator=viewer, user_id=user_id, until=until, reason=_text(form, "reason"))


def _suspend(session: Session, viewer: User, user_id: int, form: FormData) -> bool:
    until = users.until_from_choice(_text(form, "duration"), _text(form, "days"))
    return users.suspend_user(session, moderator=viewer, user_id=user_id, until=until, reason=_text(form, "reason"))


def _note(session: Session, viewer: User, user_id: int, form: FormData) -> bool:
    users.add_user_note(session, moderator=viewer, user_id=user_id, body=_text(form, "body"))
    return True


def _role(session: Session, viewer: User, user_id: int, form: FormData) -> bool:
    boards = [b for b in form.getlist("boards") if isinstance(b, str)]
    return users.set_role(session, admin=viewer, user_id=user_id, role=_text(form, "role"), boards=boards,
                          reason=_text(form, "reason"))


def _confirm(session: Session, viewer: User, user_id: int, form: FormData) -> bool:
    return practitioners.confirm_practitioner(session, moderator=viewer, user_id=user_id, npi=_text(form, "npi") or None,
                                              reason=_text(form, "reason"))


def _unconfirm(session: Session, viewer: User, user_id: int, form: FormData) -> bool:
    return practitioners.unconfirm_practitioner(session, moderator=viewer, user_id=user_id, npi=_text(form, "npi") or None,
                                                reason=_text(form, "reason"))


ACTIONS: dict[str, Action] = {
    "silence": _silence,
    "unsilence": lambda s, v, u, f: users.unsilence_user(s, moderator=v, user_id=u, reason=_text(f, "reason")),
    "suspend": _suspend,
    "unsuspend": lambda s, v, u, f: users.unsuspend_user(s, moderator=v, user_id=u, reason=_text(f, "reason")),
    "note": _note,
    "role": _role,
    "confirm-practitioner": _confirm,
    "unconfirm-practitioner": _unconfirm,
}


@page
def user_action_page(request: Request, form: FormData | None) -> Response:
    viewer = _moderator(request)
    user_id: int = request.path_params["user_id"]
    action = ACTIONS.get(request.path_params["action"])
    if action is None or form is None:
        raise NotFound(NOT_HERE)
    try:
        with request.app.state.db.write() as session:
            changed = action(session, viewer, user_id, form)
    except NotFound:
        raise
    except ForumError as exc:
        return render_user(request, user_id, error=exc.message, status_code=exc.status_code, form=form)
    done = request.path_params["action"] if changed else "unchanged"
    return redirect(f"/mod/users/{user_id}?done={done}")
