"""The thin glue every handler shares: reading input, checking CSRF, running
database work off the event loop, and turning errors into responses."""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import ClientDisconnect, HTTPConnection, Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from forum import csrf
from forum.accounts.auth import bearer_token, browser, has_cookie, load_viewer, save_browser
from forum.errors import ForumError, InvalidInput, NotAuthenticated, RateLimited

log = logging.getLogger("forum")

_SURROGATE = re.compile(r"[\ud800-\udfff]")

M = TypeVar("M", bound=BaseModel)
PageFn = Callable[[Request, FormData | None], Response]
ApiFn = Callable[..., Any]


class BadRequest(ForumError):
    status_code = 400
    code = "bad_request"


class PayloadTooLarge(ForumError):
    status_code = 413
    code = "too_large"


class UnsupportedMedia(ForumError):
    status_code = 415
    code = "unsupported_media_type"


def redirect(url: str, request: Request | None = None) -> RedirectResponse:
    """POST, then redirect: the 303 makes the browser GET the result page.

    Pass the request when the browser's cookie changed (login, logout).
    """
    response = RedirectResponse(url, status_code=303)
    if request is not None:
        save_browser(request, response)
    return response


async def read_form(request: Request) -> FormData:
    try:
        return await request.form(max_files=0, max_fields=100)
    except MultiPartException as exc:
        raise BadRequest(f"The form could not be read: {exc.message}") from None
    except ClientDisconnect:
        raise BadRequest("The request ended before the form arrived.") from None


async def read_json(request: Request, *, empty_ok: bool = False) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type and content_type != "application/json" and not content_type.endswith("+json"):
        raise UnsupportedMedia("Send the request body as JSON with Content-Type: application/json.")
    try:
        raw = await request.body()
    except ClientDisconnect:
        raise BadRequest("The request ended before its body arrived.") from None
    if not raw.strip():
        if empty_ok:
            return {}
        raise BadRequest("The request body is empty; send a JSON object.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"The request body is not valid UTF-8 (byte {exc.start}).") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadRequest(f"The request body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}.") from None
    except RecursionError:
        raise BadRequest("The request body is not valid JSON: it is nested too deeply.") from None
    if not isinstance(data, dict):
        raise BadRequest("The request body must be a JSON object.")
    if _has_lone_surrogate(data):
        raise BadRequest("The request body is not valid JSON text: a \\u escape stands for half a character.")
    return data


def _has_lone_surrogate(data: Any) -> bool:
    """True if a string holds half a surrogate pair (from a lone \\ud800-style
    escape): it is not a character, and no database will store it."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def parse(model: type[M], data: dict[str, Any]) -> M:
    """Validate an API payload into its model, with a message that names the field."""
    try:
        return model.model_validate(data, strict=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        kind = first["type"]
        if kind == "missing":
            message = f"{where} is required."
        elif kind == "extra_forbidden":
            message = f"{where} is not a field this endpoint accepts."
        else:
            message = f"{where}: {first['msg']}."
        raise InvalidInput(message, field=where) from None


def int_param(value: str | None, name: str, *, default: int, minimum: int = 0, maximum: int | None = None) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number.") from None
    if number < minimum or (maximum is not None and number > maximum):
        upper = f" and {maximum}" if maximum is not None else ""
        raise BadRequest(f"{name} must be between {minimum}{upper}." if upper else f"{name} must be at least {minimum}.")
    return number


def is_anonymous(request: Request) -> bool:
    """No credentials at all: the response cannot depend on who is asking."""
    return not has_cookie(request) and bearer_token(request) is None


def client_key(connection: HTTPConnection) -> str:
    """The client's address as the socket sees it: the app trusts no proxy header by default."""
    return connection.client.host if connection.client else "unknown"


def page(fn: PageFn) -> Callable[[Request], Awaitable[Response]]:
    """A server-rendered page: POSTs are CSRF-checked; the work runs in a thread."""

    @functools.wraps(fn)
    async def endpoint(request: Request) -> Response:
        form: FormData | None = None
        if request.method == "POST":
            form = await read_form(request)
            csrf.check_origin(request, request.app.state.settings.base_url)
            token = form.get(csrf.FIELD)
            csrf.check_token(browser(request).csrf if has_cookie(request) else None, token if isinstance(token, str) else None)
        return await run_in_threadpool(_with_viewer, fn, request, form)

    return endpoint


def _with_viewer(fn: PageFn, request: Request, form: FormData | None) -> Response:
    load_viewer(request)
    return fn(request, form)


def api(fn: ApiFn | None = None, *, status_code: int = 200, login: bool = False, empty_body_ok: bool = False) -> Any:
    """A JSON endpoint: `fn(request, viewer, payload)` returns data or a Response.

    `empty_body_ok`: a POST may come without a body (an action whose fields are all optional).
    """

    def decorate(fn: ApiFn) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(fn)
        async def endpoint(request: Request) -> Response:
            payload: dict[str, Any] | None = None
            unsafe = request.method not in {"GET", "HEAD", "OPTIONS"}
            if unsafe:
                if bearer_token(request) is None and has_cookie(request):
                    # Cookie-authenticated writes need the CSRF header too. A
                    # request with neither cookie nor token carries no
                    # credentials to misuse; it is refused below with a 401.
                    csrf.check_origin(request, request.app.state.settings.base_url)
                    csrf.check_token(browser(request).csrf, request.headers.get(csrf.HEADER))
                if request.method in {"POST", "PUT", "PATCH"}:
                    payload = await read_json(request, empty_ok=empty_body_ok)

            def run() -> Any:
                viewer = load_viewer(request)
                if login and viewer is None:
                    raise NotAuthenticated(
                        "Authenticate with a session cookie and X-CSRF-Token header, or Authorization: Bearer <token>."
                    )
                return fn(request, viewer, payload)

            result = await run_in_threadpool(run)
            if isinstance(result, Response):
                return result
            return JSONResponse(result, status_code=status_code)

        return endpoint

    return decorate(fn) if fn is not None else decorate


def error_payload(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def json_error(status_code: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_payload(code, message), status_code=status_code, headers=headers)


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


_HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large"}
_HTTP_MESSAGES = {
    404: "There is nothing at this address.",
    405: "This address does not accept that method.",
}


def describe_http_exception(exc: HTTPException) -> tuple[str, str]:
    code = _HTTP_CODES.get(exc.status_code, "error")
    message = _HTTP_MESSAGES.get(exc.status_code) or (exc.detail if isinstance(exc.detail, str) else "Error")
    return code, message


def retry_headers(exc: ForumError) -> dict[str, str] | None:
    if isinstance(exc, RateLimited):
        return {"Retry-After": str(exc.retry_after)}
    return None
