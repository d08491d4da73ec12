"""The moderators' "Import article" page: a URL or pasted text, a preview of
what will be created (with the pillar suggestion), then the import."""

from __future__ import annotations

from markupsafe import Markup
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from forum import ratelimit
from forum.accounts.models import User
from forum.accounts.permissions import can_import_articles
from forum.articles.api import run_import
from forum.articles.schemas import ArticleImport
from forum.boards.queries import list_boards
from forum.errors import ForumError, NotFound
from forum.templating import render
from forum.text import render_markdown
from forum.phi import check
from forum.phi.display import explained
from forum.web import page, redirect, retry_headers


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


@page
def import_page(request: Request, form: FormData | None) -> Response:
    viewer: User | None = request.state.viewer
    if viewer is None:
        return redirect("/login?next=/mod/import")
    if not can_import_articles(viewer):
        raise NotFound("There is nothing at this address.")
    with request.app.state.db.read() as session:
        boards = list_boards(session)
    entry = {"url": "", "text": "", "title": "", "board": "", "full": False}
    context: dict = {"boards": boards, "entry": entry, "report": None, "items": [], "dry_run": True}
    if form is None:
        return render(request, "articles/import.html", context)

    entry.update(url=_field(form, "url"), title=_field(form, "title"), board=_field(form, "board"), full=form.get("full") == "on")
    text = form.get("text")
    entry["text"] = text if isinstance(text, str) else ""
    dry_run = form.get("action") != "import"
    context["dry_run"] = dry_run
    try:
        if bool(entry["url"]) == bool(entry["text"].strip()):
            raise ForumError("Give either a URL or the article's text, not both.")
        data = ArticleImport(
            url=entry["url"] or None,
            text=None if entry["url"] else entry["text"],
            title=entry["title"] or None,
            board=entry["board"] or None,
            dry_run=dry_run,
            full=bool(entry["full"]),
        )
        if not dry_run:
            ratelimit.hit_import(request.app.state.rate_limiter, viewer)
        report = run_import(request, data)
    except ForumError as exc:
        return render(request, "articles/import.html", {**context, "error": exc.message}, status_code=exc.status_code, headers=retry_headers(exc))
    except ValueError as exc:
        return render(request, "articles/import.html", {**context, "error": str(exc)}, status_code=422)
    if report.error is not None:
        return render(request, "articles/import.html", {**context, "error": f"{report.source}: {report.error}"}, status_code=422)
    context["report"] = report
    own_hosts = request.app.state.policy.own_hosts
    # Imported articles are public writing and are not held; the moderator still
    # sees what the health-care guard would have flagged in them.
    context["items"] = [
        (o, Markup(render_markdown(o.opening)), explained(o.draft.text, check(o.draft.text, own_hosts=own_hosts)))
        for o in report.outcomes
    ]
    return render(request, "articles/import.html", context)
