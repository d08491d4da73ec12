"""/api/v1/embed (counts for listing pages, the frame's own session) and /api/v1/guard/check."""

from __future__ import annotations

from typing import Any

from forum.openapi.common import ERRORS, WRITE_ERRORS, json_response


def embed_paths() -> dict[str, Any]:
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
            "responses": {"200": json_response({"type": "object", "additionalProperties": {"type": "integer"}},
                                       "Each address as given, with its thread's published comments (0 for none)"),
                          "422": {"$ref": "#/components/responses/Invalid"}, **ERRORS},
        }},
        "/api/v1/embed/session": {
            "post": {
                "summary": "An embedded frame trades the pop-up's single-use login token for a session of its own "
                           "(accepted only from the forum's own origin)",
                "operationId": "createFrameSession",
                "requestBody": {"required": True, "content": {"application/json": {"schema": SessionCreate.model_json_schema()}}},
                "responses": {"201": json_response({"type": "object", "properties": {"token": {"type": "string"}, "user": user}},
                                           "The frame's bearer token, and who it is"),
                              **WRITE_ERRORS},
            },
            "get": {
                "summary": "Who a frame's session belongs to",
                "operationId": "getFrameSession",
                "security": frame_auth,
                "responses": {"200": json_response({"type": "object", "properties": {"user": user}}, "The session's member"),
                              "401": {"$ref": "#/components/responses/NotAuthenticated"}},
            },
            "delete": {
                "summary": "End a frame's session (log out in the frame)",
                "operationId": "endFrameSession",
                "security": frame_auth,
                "responses": {"200": json_response({"type": "object", "properties": {"ended": {"type": "boolean"}}}, "Ended"),
                              "401": {"$ref": "#/components/responses/NotAuthenticated"}, **ERRORS},
            },
        },
    }



def guard_paths() -> dict[str, Any]:
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
            "responses": {"200": json_response({"type": "object", "properties": {"findings": {"type": "array", "items": finding}}},
                                       "What may identify a patient, in text order (empty: nothing)"),
                          "422": {"$ref": "#/components/responses/Invalid"}, "429": {"$ref": "#/components/responses/RateLimited"},
                          **ERRORS},
        }},
    }
