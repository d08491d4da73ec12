"""Register, log in, log out, profiles."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from sqlalchemy import select
from sqlmodel import Session

from forum import ratelimit
from forum.accounts.auth import browser, log_in_browser, log_out_browser
from forum.accounts.models import User
from forum.accounts.permissions import can_edit_profile
from forum.accounts.practitioners import BADGE_HINTS, BIO_MAX, PROFILE_FIELDS, badges, has_practitioner_details, update_profile
from forum.accounts.services import authenticate, end_session, is_valid_name, register, start_session, suspension_message
from forum.boards.queries import threads_by_author
from forum.comments.queries import comments_by_author
from forum.errors import ForumError, NotFound
from forum.moderation.audit import record_event
from forum.templating import render
from forum.web import client_key, page, redirect, retry_headers


def _safe_next(value: object) -> str:
    """Only same-site paths: never an open redirect to another host."""
    if not isinstance(value, str) or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc else "/"


def _field(form: FormData | None, name: str) -> str:
    value = form.get(name) if form is not None else None
    return value if isinstance(value, str) else ""


@page
def login_page(request: Request, form: FormData | None) -> Response:
    next_url = _safe_next(request.query_params.get("next") if form is None else form.get("next"))
    if form is None:
        if request.state.viewer is not None:
            return redirect(next_url)
        return render(request, "accounts/login.html", {"next_url": next_url, "email": ""})
    email, password = _field(form, "email"), _field(form, "password")
    app = request.app.state
    try:
        ratelimit.hit_login(app.rate_limiter, email, client_key(request))
    except ForumError as exc:
        return render(request, "accounts/login.html", {"next_url": next_url, "email": email, "error": exc.message}, status_code=exc.status_code, headers=retry_headers(exc))
    with app.db.write() as session:
        user = authenticate(session, email=email, password=password)
        if user is None:
            record_event(session, actor_id=None, action="account.login_failed", target_type="user", data={"email": email.strip().lower()[:254]})
            error = "That email and password do not match an account."
        elif user.is_suspended():
            error = suspension_message(user)
            user = None
        else:
            token = start_session(session, user=user)
            record_event(session, actor_id=user.id, action="account.login", target_type="user", target_id=user.id)
    if user is None:
        return render(request, "accounts/login.html", {"next_url": next_url, "email": email, "error": error}, status_code=400)
    log_in_browser(request, token)
    return redirect(next_url, request)


@page
def register_page(request: Request, form: FormData | None) -> Response:
    if form is None:
        return render(request, "accounts/register.html", {"email": "", "name": ""})
    email, name, password = _field(form, "email"), _field(form, "name"), _field(form, "password")
    app = request.app.state
    try:
        ratelimit.hit_register(app.rate_limiter, client_key(request))
        with app.db.write() as session:
            user = register(session, email=email, name=name, password=password)
            token = start_session(session, user=user)
    except ForumError as exc:
        return render(request, "accounts/register.html", {"email": email, "name": name, "error": exc.message}, status_code=exc.status_code, headers=retry_headers(exc))
    log_in_browser(request, token)
    return redirect("/", request)


@page
def logout_page(request: Request, form: FormData | None) -> Response:
    if form is None:
        return render(request, "accounts/logout.html")
    token = browser(request).token
    if token:
        with request.app.state.db.write() as session:
            end_session(session, token=token)
    log_out_browser(request)
    return redirect("/", request)


def _member(session: Session, name: str) -> User:
    # A name no one could register names no one (and PostgreSQL refuses a NUL in a query).
    user = session.scalar(select(User).where(User.name_key == name.lower())) if is_valid_name(name) else None
    if user is None:
        raise NotFound("There is no member by that name.")
    return user


# What the profile says after an edit (never text from the request).
SAVED = {
    "1": "Profile saved.",
    "npi": "Profile saved. The moderators' confirmation was for your old NPI; a moderator needs to confirm the new one.",
}


@page
def profile_page(request: Request, form: FormData | None) -> Response:
    viewer = request.state.viewer
    with request.app.state.db.read() as session:
        user = _member(session, request.path_params["name"])
        threads = threads_by_author(session, viewer, user.id)  # type: ignore[arg-type]
        comments = comments_by_author(session, viewer, user.id)  # type: ignore[arg-type]
    return render(request, "accounts/profile.html", {
        "user": user,
        "threads": threads,
        "comments": comments,
        "badges": [(badge, BADGE_HINTS[badge]) for badge in badges(user)],
        "practitioner": has_practitioner_details(user),
        "can_edit": can_edit_profile(viewer, user),
        "message": SAVED.get(request.query_params.get("saved", "")),
    })


EDIT_FIELDS = (*PROFILE_FIELDS, "npi", "bio")


@page
def profile_edit_page(request: Request, form: FormData | None) -> Response:
    """The member's own profile form; anyone else's is not here at all."""
    viewer: User | None = request.state.viewer
    db = request.app.state.db
    with db.read() as session:
        user = _member(session, request.path_params["name"])
    if not can_edit_profile(viewer, user):
        raise NotFound("There is nothing at this address.")
    context = {"user": user, "fields": PROFILE_FIELDS, "bio_max": BIO_MAX, "failed": None}
    if form is None:
        values = {field: getattr(user, field) or "" for field in EDIT_FIELDS}
        return render(request, "accounts/profile_edit.html", {**context, "values": values})
    values = {field: _field(form, field) for field in EDIT_FIELDS}
    try:
        ratelimit.hit_edit(request.app.state.rate_limiter, user)
        with db.write() as session:
            # Locked while it changes, as a moderator's confirmation locks it: a
            # confirmation lands before (and a new number drops it) or after (and
            # is checked against the number the moderator saw).
            own = session.get(User, user.id, populate_existing=True, with_for_update=True)
            assert own is not None
            changes = update_profile(
                session, user=own, full_name=values["full_name"], profession=values["profession"],
                specialty=values["specialty"], organisation=values["organisation"],
                npi=values["npi"], remove_npi=not values["npi"].strip(), bio=values["bio"],
            )
    except ForumError as exc:
        return render(request, "accounts/profile_edit.html", {**context, "values": values, "error": exc.message, "failed": exc.field},
                      status_code=exc.status_code, headers=retry_headers(exc))
    saved = "npi" if changes.npi_changed and user.npi_confirmed_at is not None else "1"
    return redirect(f"/u/{user.name}?saved={saved}")
