"""Errors that services raise and every surface (page, API, socket, CLI) reports."""

from __future__ import annotations


class ForumError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(ForumError):
    status_code = 422
    code = "invalid"


class NotFound(ForumError):
    status_code = 404
    code = "not_found"


class NotAuthenticated(ForumError):
    status_code = 401
    code = "not_authenticated"


class PermissionDenied(ForumError):
    status_code = 403
    code = "forbidden"


class Conflict(ForumError):
    status_code = 409
    code = "conflict"


class RateLimited(ForumError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
