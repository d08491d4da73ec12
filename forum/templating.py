"""Jinja2 environment and the one function that renders a page."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from forum.accounts.auth import browser, save_browser
from forum.paths import TEMPLATES_DIR


def _timeago(value: datetime | None) -> str:
    if value is None:
        return ""
    seconds = (datetime.now(UTC) - value).total_seconds()
    for limit, unit, size in ((60, "second", 1), (3600, "minute", 60), (86400, "hour", 3600), (86400 * 30, "day", 86400)):
        if seconds < limit:
            n = max(0, int(seconds // size))
            if unit == "second":
                return "just now"
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return value.strftime("%-d %b %Y")


def iso(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds").replace("+00:00", "Z") if value else ""


def _plural(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n:,} {singular if n == 1 else (plural or singular + 's')}"


def page_csp(nonce: str, *, frame_ancestors: str = "'none'") -> str:
    return (
        f"default-src 'self'; img-src 'self' data:; style-src 'self' 'nonce-{nonce}'; "
        "script-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
        f"object-src 'none'; frame-ancestors {frame_ancestors}"
    )


def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["timeago"] = _timeago
    env.filters["iso"] = iso
    env.filters["plural"] = _plural
    env.globals["Markup"] = Markup
    # Labels for why a post waits in the review queue (moderation/_queue_item.html).
    from forum.moderation.models import FLAG_REASON_LABELS
    from forum.moderation.premoderation import REASON_LABELS

    env.globals["REASON_LABELS"] = REASON_LABELS
    env.globals["FLAG_REASON_LABELS"] = FLAG_REASON_LABELS
    # Arm resource kinds and Showcase outcomes (pillars/).
    from forum.pillars.curation import shown_number
    from forum.pillars.models import RESOURCE_KIND_LABELS

    env.filters["number"] = shown_number
    env.globals["RESOURCE_KIND_LABELS"] = RESOURCE_KIND_LABELS
    return env


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    csp: bool = True,
    frame_ancestors: str = "'none'",
) -> HTMLResponse:
    """Render a page. `csp=False` leaves the site-wide policy (no nonce) to the
    middleware: for pages cached and served to many readers, which hold no
    inline style."""
    env: Environment = request.app.state.templates
    nonce = secrets.token_urlsafe(12)
    viewer = getattr(request.state, "viewer", None)
    ctx: dict[str, Any] = {
        "request": request,
        "viewer": viewer,
        "csrf_token": lambda: browser(request).csrf,
        "request_id": request.scope.get("forum.request_id", ""),
        "csp_nonce": nonce,
        "error": None,
        "message": None,
    }
    if context:
        ctx.update(context)
    html = env.get_template(name).render(ctx)
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    if csp and "content-security-policy" not in response.headers:
        response.headers["content-security-policy"] = page_csp(nonce, frame_ancestors=frame_ancestors)
    save_browser(request, response)
    return response
