"""The pillar boards' tools: Rally convenings, Arm resources, Showcase story cards, Educate tracks."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from forum.pillars.schemas import (
    Changed, ResourceList, ResourcePublic, ResourceSet, StepAdd, StoryList, StoryPublic, StorySet, TrackCreate, TrackList, TrackPublic,
)
from forum.rally.schemas import ConveningCreate, ConveningPublic, QuestionRelease, SlowMode
from forum.openapi.common import AUTH, ERRORS, WRITE_ERRORS, json_response, path_id, ref


def rally_paths() -> dict[str, Any]:
    base = "/api/v1/convenings/{convening_id}"
    one = json_response(ref(ConveningPublic), "The convening as the viewer sees it")
    conflict = {"409": json_response(ref("Error"), "Not live (not started yet, or ended)")}
    rsvp = json_response({"type": "object", "properties": {"changed": {"type": "boolean"}, "rsvp": {"type": "boolean"},
                                                  "rsvp_count": {"type": "integer"}}}, "Your RSVP now (repeating is harmless)")
    return {
        "/api/v1/threads/{thread_id}/convenings": {"post": {
            "summary": "Schedule a convening on a thread (moderators): title, starts_at and ends_at (ISO 8601 with a zone; "
                       "stored in UTC; ends after it starts), 1 to 20 questions, description?, hosts? (member names)",
            "operationId": "scheduleConvening",
            "parameters": [path_id("thread_id")],
            "security": AUTH,
            "requestBody": {"required": True, "content": {"application/json": {"schema": ref(ConveningCreate)}}},
            "responses": {"201": json_response(ref(ConveningPublic), "Scheduled"), **WRITE_ERRORS},
        }},
        base: {"get": {
            "summary": "A convening: times, hosts, agenda, the current question, state (upcoming, live, ended), "
                       "RSVP count and the viewer's own RSVP",
            "operationId": "getConvening",
            "parameters": [path_id("convening_id")],
            "responses": {"200": one, **ERRORS},
        }},
        base + "/rsvp": {
            "post": {"summary": "RSVP (members)", "operationId": "rsvpConvening", "parameters": [path_id("convening_id")],
                     "security": AUTH, "responses": {"200": rsvp, "409": conflict["409"], **WRITE_ERRORS}},
            "delete": {"summary": "Cancel your RSVP", "operationId": "cancelRsvp", "parameters": [path_id("convening_id")],
                       "security": AUTH, "responses": {"200": rsvp, **WRITE_ERRORS}},
        },
        base + "/release": {"post": {
            "summary": "Release question n (1-based) and make it current (hosts; only while live); every viewer of the "
                       "thread gets a convening frame",
            "operationId": "releaseQuestion",
            "parameters": [path_id("convening_id")],
            "security": AUTH,
            "requestBody": {"required": True, "content": {"application/json": {"schema": ref(QuestionRelease)}}},
            "responses": {"200": one, **conflict, **WRITE_ERRORS},
        }},
        base + "/slow": {"post": {
            "summary": "Slow mode (hosts): one post per N seconds per person on the thread while live; 0 turns it off",
            "operationId": "setSlowMode",
            "parameters": [path_id("convening_id")],
            "security": AUTH,
            "requestBody": {"required": True, "content": {"application/json": {"schema": ref(SlowMode)}}},
            "responses": {"200": one, **conflict, **WRITE_ERRORS},
        }},
        base + "/end": {"post": {
            "summary": "End the convening now (hosts)",
            "operationId": "endConvening",
            "parameters": [path_id("convening_id")],
            "security": AUTH,
            "responses": {"200": one, **WRITE_ERRORS},
        }},
    }



def pillar_paths() -> dict[str, Any]:
    from forum.pillars.models import ResourceKind

    thread = "/api/v1/threads/{thread_id}"
    track = "/api/v1/tracks/{track_id}"
    step = track + "/steps/{thread_id}"
    curators = "a moderator of the thread's board, or its author while the thread is published"
    changed = json_response(ref(Changed), "Done (changed: whether there was anything to clear)")
    one_track = json_response(ref(TrackPublic), "The track as the viewer now sees it")

    def body(model: type[BaseModel]) -> dict[str, Any]:
        return {"required": True, "content": {"application/json": {"schema": ref(model)}}}

    return {
        thread + "/resource": {
            "put": {
                "summary": f"Mark the thread as an Arm resource, or change it ({curators}): a kind and an http(s) link",
                "operationId": "setThreadResource",
                "parameters": [path_id("thread_id")],
                "security": AUTH,
                "requestBody": body(ResourceSet),
                "responses": {"200": json_response(ref(ResourcePublic), "The thread's resource"), **WRITE_ERRORS},
            },
            "delete": {
                "summary": f"The thread is no longer a resource ({curators})",
                "operationId": "clearThreadResource",
                "parameters": [path_id("thread_id")],
                "security": AUTH,
                "responses": {"200": changed, **WRITE_ERRORS},
            },
        },
        thread + "/story": {
            "put": {
                "summary": f"Give the thread a Showcase story card, or change it ({curators}); a card that may "
                           "identify a patient is refused with the guard's reason (422)",
                "operationId": "setThreadStory",
                "parameters": [path_id("thread_id")],
                "security": AUTH,
                "requestBody": body(StorySet),
                "responses": {"200": json_response(ref(StoryPublic), "The thread's story card"), **WRITE_ERRORS},
            },
            "delete": {
                "summary": f"Take the thread's story card away ({curators})",
                "operationId": "clearThreadStory",
                "parameters": [path_id("thread_id")],
                "security": AUTH,
                "responses": {"200": changed, **WRITE_ERRORS},
            },
        },
        "/api/v1/resources": {"get": {
            "summary": "Arm's resource library, newest first: resources on threads the viewer can see (as /b/arm)",
            "operationId": "listResources",
            "parameters": [{"name": "kind", "in": "query", "required": False,
                            "schema": {"type": "string", "enum": list(ResourceKind)}}],
            "responses": {"200": json_response(ref(ResourceList), "The library"),
                          "422": {"$ref": "#/components/responses/Invalid"}, **ERRORS},
        }},
        "/api/v1/stories": {"get": {
            "summary": "Showcase's story cards, newest first: cards on threads the viewer can see (as /b/showcase)",
            "operationId": "listStories",
            "responses": {"200": json_response(ref(StoryList), "The card grid"), **ERRORS},
        }},
        "/api/v1/tracks": {
            "get": {
                "summary": "Educate's tracks with their step counts and, for a logged-in viewer, their own progress",
                "operationId": "listTracks",
                "responses": {"200": json_response(ref(TrackList), "The tracks in the order they were made"), **ERRORS},
            },
            "post": {
                "summary": "Create a track (moderators of the Educate board)",
                "operationId": "createTrack",
                "security": AUTH,
                "requestBody": body(TrackCreate),
                "responses": {"201": json_response(ref(TrackPublic), "The new track, with no steps yet"), **WRITE_ERRORS},
            },
        },
        track: {"get": {
            "summary": "A track with its steps in order (threads the viewer cannot see are left out, and the rest numbered 1..n)",
            "operationId": "getTrack",
            "parameters": [path_id("track_id")],
            "responses": {"200": one_track, **ERRORS},
        }},
        track + "/steps": {"post": {
            "summary": "Append a published thread as the track's last step (moderators of the Educate board); "
                       "a thread already in the track stays where it is",
            "operationId": "addTrackStep",
            "parameters": [path_id("track_id")],
            "security": AUTH,
            "requestBody": body(StepAdd),
            "responses": {"200": one_track, "409": json_response(ref("Error"), "The track is full"), **WRITE_ERRORS},
        }},
        step: {"delete": {
            "summary": "Remove a thread from the track, renumbering the rest (moderators of the Educate board)",
            "operationId": "removeTrackStep",
            "parameters": [path_id("track_id"), path_id("thread_id")],
            "security": AUTH,
            "responses": {"200": one_track, **WRITE_ERRORS},
        }},
        step + "/done": {
            "post": {
                "summary": "Mark a step done for yourself (members; repeating is harmless)",
                "operationId": "markTrackStepDone",
                "parameters": [path_id("track_id"), path_id("thread_id")],
                "security": AUTH,
                "responses": {"200": one_track, **WRITE_ERRORS},
            },
            "delete": {
                "summary": "Mark a step not done again",
                "operationId": "markTrackStepNotDone",
                "parameters": [path_id("track_id"), path_id("thread_id")],
                "security": AUTH,
                "responses": {"200": one_track, **WRITE_ERRORS},
            },
        },
    }
