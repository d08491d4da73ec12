"""/api/v1/articles: moderators import an article (or a feed's) as threads."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from forum import ratelimit
from forum.accounts.models import User
from forum.accounts.permissions import can_import_articles
from forum.articles.schemas import ArticleImport, report_public
from forum.articles.drafts import SourceError
from forum.articles.services import SourceReport, import_parsed, import_source
from forum.articles.sources import is_url, parse_pasted
from forum.boards.queries import get_thread_view
from forum.boards.schemas import thread_public
from forum.errors import InvalidInput, PermissionDenied
from forum.web import api, parse


def run_import(request: Request, data: ArticleImport) -> SourceReport:
    """Shared by the API and the import page: fetch or parse, then import."""
    app = request.app.state
    if data.url is not None:
        url = data.url.strip()
        if not is_url(url):
            # Never a path: the server's own files are not a source for a web request.
            return SourceReport(source=url, error="only http and https URLs can be fetched")
        with app.make_fetcher() as fetcher:
            return import_source(app.db, url, fetcher=fetcher, board=data.board, full=data.full, dry_run=data.dry_run)
    report = SourceReport(source="pasted text")
    try:
        parsed = parse_pasted(data.text or "", title=data.title)
    except SourceError as exc:
        report.error = exc.reason
        return report
    return import_parsed(app.db, parsed, report=report, board=data.board, full=data.full, dry_run=data.dry_run)


@api(login=True)
def import_articles_api(request: Request, viewer: User, payload: dict[str, Any]) -> Any:
    if not can_import_articles(viewer):
        raise PermissionDenied("Only moderators can import articles.")
    data = parse(ArticleImport, payload)
    ratelimit.hit_import(request.app.state.rate_limiter, viewer)
    report = run_import(request, data)
    if report.error is not None:
        raise InvalidInput(f"{report.source}: {report.error}", field="url" if data.url is not None else "text")
    body = report_public(report)
    ids = [o.thread_id for o in report.outcomes if o.thread_id is not None and o.action in {"created", "skipped"}]
    with request.app.state.db.read() as session:
        body["threads"] = [thread_public(get_thread_view(session, viewer, i)) for i in dict.fromkeys(ids)]
    created = any(o.action == "created" for o in report.outcomes)
    return JSONResponse(body, status_code=201 if created else 200)
