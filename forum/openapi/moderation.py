"""/api/v1/mod and /api/v1/admin: the review queue, thread and comment actions, flags, people."""

from __future__ import annotations

from typing import Any

from forum.accounts.schemas import ProfilePublic, ProfileUpdate
from forum.moderation.user_api import (
    Lift, NoteCreate, NotePublic, PractitionerConfirmation, Restriction, RoleChange, UserActionResult, UserRecord,
)
from forum.openapi.common import AUTH, ERRORS, WRITE_ERRORS, json_response, path_id, ref


def _action(names: tuple[str, ...]) -> dict[str, Any]:
    return {"name": "action", "in": "path", "required": True, "schema": {"type": "string", "enum": list(names)}}


_OPTIONAL_BODY = {
    "required": False,
    "content": {"application/json": {"schema": {
        "type": "object",
        "properties": {
            "reason": {"type": "string", "maxLength": 1000, "description": "Shown to the author (required to reject or close)"},
            "board": {"type": "string", "description": "move: the board to move the thread to"},
            "body": {"type": "string", "description": "edit (queue): the corrected text, published at once"},
        },
        "additionalProperties": False,
    }}},
}
_FLAG_BODY = {
    "required": True,
    "content": {"application/json": {"schema": {
        "type": "object",
        "required": ["reason"],
        "properties": {
            "reason": {"type": "string", "enum": ["off_topic", "inappropriate", "spam", "patient_information", "other"]},
            "note": {"type": "string", "maxLength": 1000, "description": "Required when reason is other"},
        },
        "additionalProperties": False,
    }}},
}
_FLAG_RESULT = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "target_type": {"type": "string"}, "target_id": {"type": "integer"},
        "reason": {"type": "string"}, "note": {"type": "string"}, "created_at": {"type": "string"},
        "resolution": {"type": ["string", "null"]}, "outcome": {"type": "string"}, "message": {"type": "string"},
    },
}


def moderation_paths() -> dict[str, Any]:
    from forum.moderation.actions import THREAD_ACTIONS
    from forum.moderation.api import COMMENT_ACTIONS
    from forum.moderation.queue import QUEUE_ACTIONS

    def flag(target: str, param: str) -> dict[str, Any]:
        return {"post": {
            "summary": f"Flag a {target} for the moderators (once per member)",
            "operationId": f"flag{target.title()}",
            "parameters": [path_id(param)],
            "security": AUTH,
            "requestBody": _FLAG_BODY,
            "responses": {"201": json_response(_FLAG_RESULT, "The flag was received"), "409": {"$ref": "#/components/responses/Invalid"}, **WRITE_ERRORS},
        }}

    def action(target: str, param: str, names: tuple[str, ...], op: str) -> dict[str, Any]:
        return {"post": {
            "summary": f"A moderator's action on a {target}: " + ", ".join(names),
            "operationId": op,
            "parameters": [path_id(param), _action(names)],
            "security": AUTH,
            "requestBody": _OPTIONAL_BODY,
            "responses": {"200": json_response({"type": "object", "properties": {"changed": {"type": "boolean"}}}, "Done (changed: whether anything changed)"), **WRITE_ERRORS},
        }}

    return {
        "/api/v1/comments/{comment_id}/flags": flag("comment", "comment_id"),
        "/api/v1/threads/{thread_id}/flags": flag("thread", "thread_id"),
        "/api/v1/mod/comments/{comment_id}/{action}": action("comment", "comment_id", tuple(COMMENT_ACTIONS), "moderateComment"),
        "/api/v1/mod/threads/{thread_id}/{action}": action("thread", "thread_id", THREAD_ACTIONS, "moderateThread"),
        "/api/v1/mod/queue": {"get": {
            "summary": "The review queue: open items the moderator may act on",
            "operationId": "reviewQueue",
            "parameters": [
                {"name": "board", "in": "query", "required": False, "schema": {"type": "string"}},
                {"name": "reason", "in": "query", "required": False, "schema": {"type": "string"}},
                {"name": "sort", "in": "query", "required": False, "schema": {"type": "string", "enum": ["newest", "flags"]}},
            ],
            "security": AUTH,
            "responses": {"200": json_response({"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object"}}}}, "Open items"), **ERRORS},
        }},
        "/api/v1/mod/queue/{item_id}/{action}": action("queue item", "item_id", (*QUEUE_ACTIONS, "claim", "release"), "resolveQueueItem"),
    }


def user_paths() -> dict[str, Any]:
    from forum.moderation.user_api import USER_ACTIONS

    base = "/api/v1/mod/users/{user_id}"
    body = {"oneOf": [ref(Restriction), ref(Lift), ref(NoteCreate), ref(PractitionerConfirmation)]}
    return {
        "/api/v1/me": {
            "get": {
                "summary": "Your own profile: practitioner details, NPI and the badges saying what was checked",
                "operationId": "getMyProfile",
                "security": AUTH,
                "responses": {"200": json_response(ref(ProfilePublic), "Your profile"), "401": {"$ref": "#/components/responses/NotAuthenticated"}},
            },
            "patch": {
                "summary": (
                    "Change your profile: only the fields sent change. An NPI is checked on entry (10 digits, first 1 or 2, "
                    "the check digit); a new one withdraws the moderators' confirmation and the registry match"
                ),
                "operationId": "updateMyProfile",
                "security": AUTH,
                "requestBody": {"required": True, "content": {"application/json": {"schema": ref(ProfileUpdate)}}},
                "responses": {"200": json_response(ref(ProfilePublic), "Your profile, as saved"), **WRITE_ERRORS},
            },
        },
        base: {"get": {
            "summary": "A member's record for moderators: role, boards, silence, suspension, notes",
            "operationId": "getUserRecord",
            "parameters": [path_id("user_id")],
            "security": AUTH,
            "responses": {"200": json_response(ref(UserRecord), "The member"), "401": {"$ref": "#/components/responses/NotAuthenticated"},
                          "403": {"$ref": "#/components/responses/Forbidden"}, **ERRORS},
        }},
        base + "/{action}": {"post": {
            "summary": (
                "A moderator's action on a member (only admins act on moderators; nobody on themselves): "
                "silence or suspend {hours | until, reason} (the reason is shown to them; a suspension logs them out "
                "everywhere and refuses their API tokens until it ends), unsilence or unsuspend {reason?}, notes {body} "
                "(seen by moderators only; 201 with the note), confirm-practitioner or unconfirm-practitioner "
                "{npi?, reason?} (the NPI on file is or is no longer \"Verified by moderators\"; 409 when there is "
                "none, or it is not the npi sent)"
            ),
            "operationId": "moderateUser",
            "parameters": [path_id("user_id"), _action(tuple(USER_ACTIONS))],
            "security": AUTH,
            "requestBody": {"required": False, "content": {"application/json": {"schema": body}}},
            "responses": {
                "200": json_response(ref(UserActionResult), "Done (changed: whether anything changed)"),
                "201": json_response(ref(NotePublic), "The note was added"),
                "409": json_response(ref("Error"), "No NPI on file, or it changed since it was checked"),
                **WRITE_ERRORS,
            },
        }},
        "/api/v1/admin/users/{user_id}/role": {"post": {
            "summary": "Set a role (admins): member, moderator (of every board, or of boards by slug) or admin; the last admin is never demoted",
            "operationId": "setUserRole",
            "parameters": [path_id("user_id")],
            "security": AUTH,
            "requestBody": {"required": True, "content": {"application/json": {"schema": ref(RoleChange)}}},
            "responses": {"200": json_response(ref(UserActionResult), "Done (changed: whether anything changed)"),
                          "409": {"$ref": "#/components/responses/Invalid"}, **WRITE_ERRORS},
        }},
    }
