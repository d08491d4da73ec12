"""The OpenAPI description of /api/v1, built from the same models the API uses."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from forum import __version__
from forum.articles.schemas import ArticleImport, ArticleImportResult
from forum.boards.schemas import BoardPublic, ThreadCreate, ThreadList, ThreadPublic
from forum.comments.schemas import CommentCreate, CommentList, CommentPublic
from forum.accounts.schemas import ProfilePublic, ProfileUpdate
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


def _ref(model: type[BaseModel] | str) -> dict[str, str]:
    name = model if isinstance(model, str) else model.__name__
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERRORS = {
    "400": {"$ref": "#/components/responses/BadRequest"},
    "404": {"$ref": "#/components/responses/NotFound"},
}
_WRITE_ERRORS = {
    **_ERRORS,
    "401": {"$ref": "#/components/responses/NotAuthenticated"},
    "403": {"$ref": "#/components/responses/Forbidden"},
    "413": {"$ref": "#/components/responses/TooLarge"},
    "415": {"$ref": "#/components/responses/BadRequest"},
    "422": {"$ref": "#/components/responses/Invalid"},
    "429": {"$ref": "#/components/responses/RateLimited"},
}


def _path_id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}


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
        return _json(_ref("Error"), description)

    paths: dict[str, Any] = {
        "/api/v1/boards": {
            "get": {
                "summary": "The five pillar boards",
                "operationId": "listBoards",
                "responses": {"200": _json({"type": "array", "items": _ref(BoardPublic)}, "Boards in order")},
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
                "responses": {"200": _json(_ref(ThreadList), "A page of threads"), **_ERRORS},
            }
        },
        "/api/v1/threads": {
            "post": {
                "summary": "Start a thread",
                "operationId": "createThread",
                "security": [{"bearer": []}, {"session": [], "csrf": []}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(ThreadCreate)}}},
                "responses": {"201": _json(_ref(ThreadPublic), "The new thread"), **_WRITE_ERRORS},
            }
        },
        "/api/v1/threads/{thread_id}": {
            "get": {
                "summary": "One thread",
                "operationId": "getThread",
                "parameters": [_path_id("thread_id")],
                "responses": {"200": _json(_ref(ThreadPublic), "The thread"), **_ERRORS},
            }
        },
        "/api/v1/threads/{thread_id}/comments": {
            "get": {
                "summary": "A thread's comments in id order",
                "operationId": "listComments",
                "parameters": [
                    _path_id("thread_id"),
                    {"name": "after", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 0, "default": 0}},
                    {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}},
                ],
                "responses": {"200": _json(_ref(CommentList), "Comments with id > after"), **_ERRORS},
            },
            "post": {
                "summary": "Comment on a thread, or reply to a comment with parent_id",
                "operationId": "createComment",
                "parameters": [_path_id("thread_id")],
                "security": [{"bearer": []}, {"session": [], "csrf": []}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(CommentCreate)}}},
                "responses": {
                    "201": _json(_ref(CommentPublic), "The comment, published"),
                    "202": _json(
                        {"type": "object", "properties": {"status": {"type": "string", "enum": ["held"]}, "reasons": {"type": "array", "items": {"type": "string"}}}},
                        "The comment is held for review",
                    ),
                    **_WRITE_ERRORS,
                },
            },
        },
        "/api/v1/articles": {
            "post": {
                "summary": "Import an article (a page, a feed's entries, or pasted text) as threads; moderators only",
                "operationId": "importArticles",
                "security": [{"bearer": []}, {"session": [], "csrf": []}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(ArticleImport)}}},
                "responses": {
                    "201": _json(_ref(ArticleImportResult), "At least one thread was created"),
                    "200": _json(_ref(ArticleImportResult), "Nothing new: every article was already here (or a dry run)"),
                    **_WRITE_ERRORS,
                },
            }
        },
    }
    paths.update(_moderation_paths())
    paths.update(_user_paths())
    paths.update(_embed_paths())
    paths.update(_guard_paths())
    paths.update(_rally_paths())
    paths.update(_pillar_paths())
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


def _action(names: tuple[str, ...]) -> dict[str, Any]:
    return {"name": "action", "in": "path", "required": True, "schema": {"type": "string", "enum": list(names)}}


_AUTH = [{"bearer": []}, {"session": [], "csrf": []}]
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


def _moderation_paths() -> dict[str, Any]:
    from forum.moderation.actions import THREAD_ACTIONS
    from forum.moderation.api import COMMENT_ACTIONS
    from forum.moderation.queue import QUEUE_ACTIONS

    def flag(target: str, param: str) -> dict[str, Any]:
        return {"post": {
            "summary": f"Flag a {target} for the moderators (once per member)",
            "operationId": f"flag{target.title()}",
            "parameters": [_path_id(param)],
            "security": _AUTH,
            "requestBody": _FLAG_BODY,
            "responses": {"201": _json(_FLAG_RESULT, "The flag was received"), "409": {"$ref": "#/components/responses/Invalid"}, **_WRITE_ERRORS},
        }}

    def action(target: str, param: str, names: tuple[str, ...], op: str) -> dict[str, Any]:
        return {"post": {
            "summary": f"A moderator's action on a {target}: " + ", ".join(names),
            "operationId": op,
            "parameters": [_path_id(param), _action(names)],
            "security": _AUTH,
            "requestBody": _OPTIONAL_BODY,
            "responses": {"200": _json({"type": "object", "properties": {"changed": {"type": "boolean"}}}, "Done (changed: whether anything changed)"), **_WRITE_ERRORS},
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
            "security": _AUTH,
            "responses": {"200": _json({"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object"}}}}, "Open items"), **_ERRORS},
        }},
        "/api/v1/mod/queue/{item_id}/{action}": action("queue item", "item_id", (*QUEUE_ACTIONS, "claim", "release"), "resolveQueueItem"),
    }


def _user_paths() -> dict[str, Any]:
    from forum.moderation.user_api import USER_ACTIONS

    base = "/api/v1/mod/users/{user_id}"
    body = {"oneOf": [_ref(Restriction), _ref(Lift), _ref(NoteCreate), _ref(PractitionerConfirmation)]}
    return {
        "/api/v1/me": {
            "get": {
                "summary": "Your own profile: practitioner details, NPI and the badges saying what was checked",
                "operationId": "getMyProfile",
                "security": _AUTH,
                "responses": {"200": _json(_ref(ProfilePublic), "Your profile"), "401": {"$ref": "#/components/responses/NotAuthenticated"}},
            },
            "patch": {
                "summary": (
                    "Change your profile: only the fields sent change. An NPI is checked on entry (10 digits, first 1 or 2, "
                    "the check digit); a new one withdraws the moderators' confirmation and the registry match"
                ),
                "operationId": "updateMyProfile",
                "security": _AUTH,
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(ProfileUpdate)}}},
                "responses": {"200": _json(_ref(ProfilePublic), "Your profile, as saved"), **_WRITE_ERRORS},
            },
        },
        base: {"get": {
            "summary": "A member's record for moderators: role, boards, silence, suspension, notes",
            "operationId": "getUserRecord",
            "parameters": [_path_id("user_id")],
            "security": _AUTH,
            "responses": {"200": _json(_ref(UserRecord), "The member"), "401": {"$ref": "#/components/responses/NotAuthenticated"},
                          "403": {"$ref": "#/components/responses/Forbidden"}, **_ERRORS},
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
            "parameters": [_path_id("user_id"), _action(tuple(USER_ACTIONS))],
            "security": _AUTH,
            "requestBody": {"required": False, "content": {"application/json": {"schema": body}}},
            "responses": {
                "200": _json(_ref(UserActionResult), "Done (changed: whether anything changed)"),
                "201": _json(_ref(NotePublic), "The note was added"),
                "409": _json(_ref("Error"), "No NPI on file, or it changed since it was checked"),
                **_WRITE_ERRORS,
            },
        }},
        "/api/v1/admin/users/{user_id}/role": {"post": {
            "summary": "Set a role (admins): member, moderator (of every board, or of boards by slug) or admin; the last admin is never demoted",
            "operationId": "setUserRole",
            "parameters": [_path_id("user_id")],
            "security": _AUTH,
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(RoleChange)}}},
            "responses": {"200": _json(_ref(UserActionResult), "Done (changed: whether anything changed)"),
                          "409": {"$ref": "#/components/responses/Invalid"}, **_WRITE_ERRORS},
        }},
    }


def _embed_paths() -> dict[str, Any]:
    from forum.embed.api import SessionCreate
    from forum.embed.queries import MAX_URLS

    user = {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}
    frame_auth = [{"bearer": []}]
    return {
        "/api/v1/embed/counts": {"get": {
            "summary": f"Comment counts of embedded pages by address (up to {MAX_URLS}); CORS open to the sites allowed to embed",
            "operationId": "embedCounts",
            "parameters": [{"name": "url", "in": "query", "required": True, "schema": {"type": "array", "items": {"type": "string"}},
                            "style": "form", "explode": True}],
            "responses": {"200": _json({"type": "object", "additionalProperties": {"type": "integer"}},
                                       "Each address as given, with its thread's published comments (0 for none)"),
                          "422": {"$ref": "#/components/responses/Invalid"}, **_ERRORS},
        }},
        "/api/v1/embed/session": {
            "post": {
                "summary": "An embedded frame trades the pop-up's single-use login token for a session of its own "
                           "(accepted only from the forum's own origin)",
                "operationId": "createFrameSession",
                "requestBody": {"required": True, "content": {"application/json": {"schema": SessionCreate.model_json_schema()}}},
                "responses": {"201": _json({"type": "object", "properties": {"token": {"type": "string"}, "user": user}},
                                           "The frame's bearer token, and who it is"),
                              **_WRITE_ERRORS},
            },
            "get": {
                "summary": "Who a frame's session belongs to",
                "operationId": "getFrameSession",
                "security": frame_auth,
                "responses": {"200": _json({"type": "object", "properties": {"user": user}}, "The session's member"),
                              "401": {"$ref": "#/components/responses/NotAuthenticated"}},
            },
            "delete": {
                "summary": "End a frame's session (log out in the frame)",
                "operationId": "endFrameSession",
                "security": frame_auth,
                "responses": {"200": _json({"type": "object", "properties": {"ended": {"type": "boolean"}}}, "Ended"),
                              "401": {"$ref": "#/components/responses/NotAuthenticated"}, **_ERRORS},
            },
        },
    }


def _guard_paths() -> dict[str, Any]:
    from forum.phi.api import MAX_TEXT

    finding = {"type": "object", "required": ["kind", "start", "end", "reason"], "properties": {
        "kind": {"type": "string", "description": "the identifier class: name, date, age, phone, fax, email, ssn, medical_record_number, "
                                                  "health_plan_number, account_number, licence_number, device_identifier, street_address, "
                                                  "zip_code, ip_address, vehicle_identifier"},
        "start": {"type": "integer", "description": "offset of the first character (in code points)"},
        "end": {"type": "integer", "description": "offset just past the last character"},
        "reason": {"type": "string"},
    }}
    return {
        "/api/v1/guard/check": {"post": {
            "summary": "The health-care guard's verdict on a draft (the same check holds a post when it is sent)",
            "operationId": "guardCheck",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["text"], "properties": {"text": {"type": "string", "maxLength": MAX_TEXT}}}}}},
            "responses": {"200": _json({"type": "object", "properties": {"findings": {"type": "array", "items": finding}}},
                                       "What may identify a patient, in text order (empty: nothing)"),
                          "422": {"$ref": "#/components/responses/Invalid"}, "429": {"$ref": "#/components/responses/RateLimited"},
                          **_ERRORS},
        }},
    }


def _rally_paths() -> dict[str, Any]:
    base = "/api/v1/convenings/{convening_id}"
    one = _json(_ref(ConveningPublic), "The convening as the viewer sees it")
    conflict = {"409": _json(_ref("Error"), "Not live (not started yet, or ended)")}
    rsvp = _json({"type": "object", "properties": {"changed": {"type": "boolean"}, "rsvp": {"type": "boolean"},
                                                  "rsvp_count": {"type": "integer"}}}, "Your RSVP now (repeating is harmless)")
    return {
        "/api/v1/threads/{thread_id}/convenings": {"post": {
            "summary": "Schedule a convening on a thread (moderators): title, starts_at and ends_at (ISO 8601 with a zone; "
                       "stored in UTC; ends after it starts), 1 to 20 questions, description?, hosts? (member names)",
            "operationId": "scheduleConvening",
            "parameters": [_path_id("thread_id")],
            "security": _AUTH,
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(ConveningCreate)}}},
            "responses": {"201": _json(_ref(ConveningPublic), "Scheduled"), **_WRITE_ERRORS},
        }},
        base: {"get": {
            "summary": "A convening: times, hosts, agenda, the current question, state (upcoming, live, ended), "
                       "RSVP count and the viewer's own RSVP",
            "operationId": "getConvening",
            "parameters": [_path_id("convening_id")],
            "responses": {"200": one, **_ERRORS},
        }},
        base + "/rsvp": {
            "post": {"summary": "RSVP (members)", "operationId": "rsvpConvening", "parameters": [_path_id("convening_id")],
                     "security": _AUTH, "responses": {"200": rsvp, "409": conflict["409"], **_WRITE_ERRORS}},
            "delete": {"summary": "Cancel your RSVP", "operationId": "cancelRsvp", "parameters": [_path_id("convening_id")],
                       "security": _AUTH, "responses": {"200": rsvp, **_WRITE_ERRORS}},
        },
        base + "/release": {"post": {
            "summary": "Release question n (1-based) and make it current (hosts; only while live); every viewer of the "
                       "thread gets a convening frame",
            "operationId": "releaseQuestion",
            "parameters": [_path_id("convening_id")],
            "security": _AUTH,
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(QuestionRelease)}}},
            "responses": {"200": one, **conflict, **_WRITE_ERRORS},
        }},
        base + "/slow": {"post": {
            "summary": "Slow mode (hosts): one post per N seconds per person on the thread while live; 0 turns it off",
            "operationId": "setSlowMode",
            "parameters": [_path_id("convening_id")],
            "security": _AUTH,
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(SlowMode)}}},
            "responses": {"200": one, **conflict, **_WRITE_ERRORS},
        }},
        base + "/end": {"post": {
            "summary": "End the convening now (hosts)",
            "operationId": "endConvening",
            "parameters": [_path_id("convening_id")],
            "security": _AUTH,
            "responses": {"200": one, **_WRITE_ERRORS},
        }},
    }


def _pillar_paths() -> dict[str, Any]:
    from forum.pillars.models import ResourceKind

    thread = "/api/v1/threads/{thread_id}"
    track = "/api/v1/tracks/{track_id}"
    step = track + "/steps/{thread_id}"
    curators = "a moderator of the thread's board, or its author while the thread is published"
    changed = _json(_ref(Changed), "Done (changed: whether there was anything to clear)")
    one_track = _json(_ref(TrackPublic), "The track as the viewer now sees it")

    def body(model: type[BaseModel]) -> dict[str, Any]:
        return {"required": True, "content": {"application/json": {"schema": _ref(model)}}}

    return {
        thread + "/resource": {
            "put": {
                "summary": f"Mark the thread as an Arm resource, or change it ({curators}): a kind and an http(s) link",
                "operationId": "setThreadResource",
                "parameters": [_path_id("thread_id")],
                "security": _AUTH,
                "requestBody": body(ResourceSet),
                "responses": {"200": _json(_ref(ResourcePublic), "The thread's resource"), **_WRITE_ERRORS},
            },
            "delete": {
                "summary": f"The thread is no longer a resource ({curators})",
                "operationId": "clearThreadResource",
                "parameters": [_path_id("thread_id")],
                "security": _AUTH,
                "responses": {"200": changed, **_WRITE_ERRORS},
            },
        },
        thread + "/story": {
            "put": {
                "summary": f"Give the thread a Showcase story card, or change it ({curators}); a card that may "
                           "identify a patient is refused with the guard's reason (422)",
                "operationId": "setThreadStory",
                "parameters": [_path_id("thread_id")],
                "security": _AUTH,
                "requestBody": body(StorySet),
                "responses": {"200": _json(_ref(StoryPublic), "The thread's story card"), **_WRITE_ERRORS},
            },
            "delete": {
                "summary": f"Take the thread's story card away ({curators})",
                "operationId": "clearThreadStory",
                "parameters": [_path_id("thread_id")],
                "security": _AUTH,
                "responses": {"200": changed, **_WRITE_ERRORS},
            },
        },
        "/api/v1/resources": {"get": {
            "summary": "Arm's resource library, newest first: resources on threads the viewer can see (as /b/arm)",
            "operationId": "listResources",
            "parameters": [{"name": "kind", "in": "query", "required": False,
                            "schema": {"type": "string", "enum": list(ResourceKind)}}],
            "responses": {"200": _json(_ref(ResourceList), "The library"),
                          "422": {"$ref": "#/components/responses/Invalid"}, **_ERRORS},
        }},
        "/api/v1/stories": {"get": {
            "summary": "Showcase's story cards, newest first: cards on threads the viewer can see (as /b/showcase)",
            "operationId": "listStories",
            "responses": {"200": _json(_ref(StoryList), "The card grid"), **_ERRORS},
        }},
        "/api/v1/tracks": {
            "get": {
                "summary": "Educate's tracks with their step counts and, for a logged-in viewer, their own progress",
                "operationId": "listTracks",
                "responses": {"200": _json(_ref(TrackList), "The tracks in the order they were made"), **_ERRORS},
            },
            "post": {
                "summary": "Create a track (moderators of the Educate board)",
                "operationId": "createTrack",
                "security": _AUTH,
                "requestBody": body(TrackCreate),
                "responses": {"201": _json(_ref(TrackPublic), "The new track, with no steps yet"), **_WRITE_ERRORS},
            },
        },
        track: {"get": {
            "summary": "A track with its steps in order (threads the viewer cannot see are left out, and the rest numbered 1..n)",
            "operationId": "getTrack",
            "parameters": [_path_id("track_id")],
            "responses": {"200": one_track, **_ERRORS},
        }},
        track + "/steps": {"post": {
            "summary": "Append a published thread as the track's last step (moderators of the Educate board); "
                       "a thread already in the track stays where it is",
            "operationId": "addTrackStep",
            "parameters": [_path_id("track_id")],
            "security": _AUTH,
            "requestBody": body(StepAdd),
            "responses": {"200": one_track, "409": _json(_ref("Error"), "The track is full"), **_WRITE_ERRORS},
        }},
        step: {"delete": {
            "summary": "Remove a thread from the track, renumbering the rest (moderators of the Educate board)",
            "operationId": "removeTrackStep",
            "parameters": [_path_id("track_id"), _path_id("thread_id")],
            "security": _AUTH,
            "responses": {"200": one_track, **_WRITE_ERRORS},
        }},
        step + "/done": {
            "post": {
                "summary": "Mark a step done for yourself (members; repeating is harmless)",
                "operationId": "markTrackStepDone",
                "parameters": [_path_id("track_id"), _path_id("thread_id")],
                "security": _AUTH,
                "responses": {"200": one_track, **_WRITE_ERRORS},
            },
            "delete": {
                "summary": "Mark a step not done again",
                "operationId": "markTrackStepNotDone",
                "parameters": [_path_id("track_id"), _path_id("thread_id")],
                "security": _AUTH,
                "responses": {"200": one_track, **_WRITE_ERRORS},
            },
        },
    }
