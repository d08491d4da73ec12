"""The OpenAPI description of /api/v1, built from the same models the API uses."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from forum import __version__
from forum.articles.schemas import ArticleImport, ArticleImportResult
from forum.boards.schemas import BoardPublic, ThreadCreate, ThreadList, ThreadPublic
from forum.comments.schemas import CommentCreate, CommentList, CommentPublic
from forum.accounts.schemas import ProfilePublic, ProfileUpdate
from forum.openapi.common import ERRORS, WRITE_ERRORS, json_response, path_id, ref
from forum.openapi.embed import embed_paths, guard_paths
from forum.openapi.moderation import moderation_paths, user_paths
from forum.openapi.pillars import pillar_paths, rally_paths
from forum.pillars.schemas import (
    Changed, ResourceList, ResourcePublic, ResourceSet, StepAdd, StoryList, StoryPublic, StorySet, TrackCreate, TrackList, TrackPublic,
)
from forum.rally.schemas import ConveningCreate, ConveningPublic, QuestionRelease, SlowMode
from forum.moderation.user_api import (
    Lift, NoteCreate, NotePublic, PractitionerConfirmation, Restriction, RoleChange, UserActionResult, UserRecord,
)

_MODELS: list[type[BaseModel]] = [
    BoardPublic, ResourcePublic, ThreadCreate, ThreadPublic, ThreadList, CommentCreate, CommentPublic, CommentList,
    ArticleImport, ArticleImportResult,
    Restriction, Lift, NoteCreate, NotePublic, RoleChange, UserRecord, UserActionResult, PractitionerConfirmation,
    ProfilePublic, ProfileUpdate, ConveningCreate, ConveningPublic, QuestionRelease, SlowMode,
    StoryPublic, ResourceSet, StorySet, ResourceList, StoryList, TrackCreate, StepAdd, TrackList, TrackPublic, Changed,
]


def build_openapi(base_url: str) -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for model in _MODELS:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in schema.pop("$defs", {}).items():
            schemas[name] = sub
        schemas[model.__name__] = schema
    schemas["Error"] = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            }
        },
    }

    def error(description: str) -> dict[str, Any]:
        return json_response(ref("Error"), description)

    paths: dict[str, Any] = {
        "/api/v1/boards": {
            "get": {
                "summary": "The five pillar boards",
                "operationId": "listBoards",
                "responses": {"200": json_response({"type": "array", "items": ref(BoardPublic)}, "Boards in order")},
            }
        },
        "/api/v1/boards/{slug}/threads": {
            "get": {
                "summary": "Threads on a board, pinned first then by latest activity",
                "operationId": "listBoardThreads",
                "parameters": [
                    {"name": "slug", "in": "path", "required": True, "schema": {"type": "string", "enum": ["showcase", "harness", "arm", "rally", "educate"]}},
                    {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string"}},
                    {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 30}},
                ],
                "responses": {"200": json_response(ref(ThreadList), "A page of threads"), **ERRORS},
            }
        },
        "/api/v1/threads": {
            "post": {
                "summary": "Start a thread",
                "operationId": "createThread",
                "security": [{"bearer": []}, {"session": [], "csrf": []}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": ref(ThreadCreate)}}},
                "responses": {"201": json_response(ref(ThreadPublic), "The new thread"), **WRITE_ERRORS},
            }
        },
        "/api/v1/threads/{thread_id}": {
            "get": {
                "summary": "One thread",
                "operationId": "getThread",
                "parameters": [path_id("thread_id")],
                "responses": {"200": json_response(ref(ThreadPublic), "The thread"), **ERRORS},
            }
        },
        "/api/v1/threads/{thread_id}/comments": {
            "get": {
                "summary": "A thread's comments in id order",
                "operationId": "listComments",
                "parameters": [
                    path_id("thread_id"),
                    {"name": "after", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 0, "default": 0}},
                    {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}},
                ],
                "responses": {"200": json_response(ref(CommentList), "Comments with id > after"), **ERRORS},
            },
            "post": {
                "summary": "Comment on a thread, or reply to a comment with parent_id",
                "operationId": "createComment",
                "parameters": [path_id("thread_id")],
                "security": [{"bearer": []}, {"session": [], "csrf": []}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": ref(CommentCreate)}}},
                "responses": {
                    "201": json_response(ref(CommentPublic), "The comment, published"),
                    "202": json_response(
                        {"type": "object", "properties": {"status": {"type": "string", "enum": ["held"]}, "reasons": {"type": "array", "items": {"type": "string"}}}},
                        "The comment is held for review",
                    ),
                    **WRITE_ERRORS,
                },
            },
        },
        "/api/v1/articles": {
            "post": {
                "summary": "Import an article (a page, a feed's entries, or pasted text) as threads; moderators only",
                "operationId": "importArticles",
                "security": [{"bearer": []}, {"session": [], "csrf": []}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": ref(ArticleImport)}}},
                "responses": {
                    "201": json_response(ref(ArticleImportResult), "At least one thread was created"),
                    "200": json_response(ref(ArticleImportResult), "Nothing new: every article was already here (or a dry run)"),
                    **WRITE_ERRORS,
                },
            }
        },
    }
    paths.update(moderation_paths())
    paths.update(user_paths())
    paths.update(embed_paths())
    paths.update(guard_paths())
    paths.update(rally_paths())
    paths.update(pillar_paths())
    return {
        "openapi": "3.1.0",
        "info": {"title": "forum API", "version": __version__, "description": "Boards, threads and comments of a forum instance."},
        "servers": [{"url": base_url}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "A token from `forum token create EMAIL`."},
                "session": {"type": "apiKey", "in": "cookie", "name": "forum_session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
            },
            "responses": {
                "BadRequest": error("The request could not be read (invalid JSON, not UTF-8, bad parameter)"),
                "NotFound": error("No such thing, or not visible to you"),
                "NotAuthenticated": error("Log in or send a bearer token"),
                "Forbidden": error("Not allowed, or the CSRF token is missing"),
                "TooLarge": error("The body is over 1 MiB"),
                "Invalid": error("A field is missing, of the wrong type or out of bounds"),
                "RateLimited": error("Too many writes; see Retry-After"),
            },
        },
    }
