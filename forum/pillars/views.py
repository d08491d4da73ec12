"""Arm resources and Showcase story cards, set from plain forms on the thread."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from forum.accounts.models import User
from forum.boards.queries import get_thread_view
from forum.errors import ForumError
from forum.pillars.curation import clear_resource, clear_story, curated_thread, plain_number, set_resource, set_story
from forum.pillars.models import RESOURCE_KIND_LABELS
from forum.pillars.queries import resource_for, story_for
from forum.templating import render
from forum.web import page, redirect

STORY_FIELDS = ("organisation", "goal", "action", "outcome_value", "outcome_unit")


def field(form: FormData | None, name: str) -> str:
    value = form.get(name) if form is not None else None
    return value if isinstance(value, str) else ""


def _login_first(request: Request) -> Response:
    return redirect(f"/login?next={request.url.path}")


@page
def resource_page(request: Request, form: FormData | None) -> Response:
    viewer: User | None = request.state.viewer
    if viewer is None:
        return _login_first(request)
    thread_id: int = request.path_params["thread_id"]
    db = request.app.state.db
    with db.read() as session:
        curated_thread(session, viewer, thread_id)
        view = get_thread_view(session, viewer, thread_id)
        current = resource_for(session, thread_id)
    draft = {"kind": current.kind if current else "", "url": current.url if current else ""}
    if form is not None:
        draft = {"kind": field(form, "kind"), "url": field(form, "url")}
        try:
            with db.write() as session:
                if field(form, "remove"):
                    clear_resource(session, actor=viewer, thread_id=thread_id)
                else:
                    set_resource(session, actor=viewer, thread_id=thread_id, kind=draft["kind"], url=draft["url"])
        except ForumError as exc:
            context = {"view": view, "current": current, "draft": draft, "kinds": RESOURCE_KIND_LABELS,
                       "error": exc.message, "error_field": exc.field}
            return render(request, "pillars/resource_form.html", context, status_code=exc.status_code)
        return redirect(f"/t/{thread_id}/{view.thread.slug}")
    context = {"view": view, "current": current, "draft": draft, "kinds": RESOURCE_KIND_LABELS}
    return render(request, "pillars/resource_form.html", context)


@page
def story_page(request: Request, form: FormData | None) -> Response:
    viewer: User | None = request.state.viewer
    if viewer is None:
        return _login_first(request)
    thread_id: int = request.path_params["thread_id"]
    db = request.app.state.db
    with db.read() as session:
        curated_thread(session, viewer, thread_id)
        view = get_thread_view(session, viewer, thread_id)
        current = story_for(session, thread_id)
    if current is not None:
        draft = {name: str(getattr(current, name)) for name in STORY_FIELDS}
        draft["outcome_value"] = plain_number(current.outcome_value)
    else:
        draft = {name: "" for name in STORY_FIELDS}
    if form is not None:
        draft = {name: field(form, name) for name in STORY_FIELDS}
        try:
            with db.write() as session:
                if field(form, "remove"):
                    clear_story(session, actor=viewer, thread_id=thread_id)
                else:
                    set_story(session, actor=viewer, thread_id=thread_id, own_hosts=request.app.state.policy.own_hosts, **draft)
        except ForumError as exc:
            context = {"view": view, "current": current, "draft": draft, "error": exc.message, "error_field": exc.field}
            return render(request, "pillars/story_form.html", context, status_code=exc.status_code)
        return redirect(f"/t/{thread_id}/{view.thread.slug}")
    return render(request, "pillars/story_form.html", {"view": view, "current": current, "draft": draft})
