"""Pieces every part of the OpenAPI description uses."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


def ref(model: type[BaseModel] | str) -> dict[str, str]:
    name = model if isinstance(model, str) else model.__name__
    return {"$ref": f"#/components/schemas/{name}"}


def json_response(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "400": {"$ref": "#/components/responses/BadRequest"},
    "404": {"$ref": "#/components/responses/NotFound"},
}
WRITE_ERRORS = {
    **ERRORS,
    "401": {"$ref": "#/components/responses/NotAuthenticated"},
    "403": {"$ref": "#/components/responses/Forbidden"},
    "413": {"$ref": "#/components/responses/TooLarge"},
    "415": {"$ref": "#/components/responses/BadRequest"},
    "422": {"$ref": "#/components/responses/Invalid"},
    "429": {"$ref": "#/components/responses/RateLimited"},
}


def path_id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}


# Writes take a bearer token, or the session cookie with its CSRF header.
AUTH = [{"bearer": []}, {"session": [], "csrf": []}]
