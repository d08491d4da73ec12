"""/api/v1 Arm resources and Showcase story cards: the same verbs as the
thread's forms (forum/pillars/views.py); the API only parses, calls and answers."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from forum.accounts.models import User
from forum.pillars.curation import clear_resource, clear_story, set_resource, set_story
from forum.pillars.queries import resource_for, resource_library, story_for, story_grid
from forum.pillars.schemas import ResourceSet, StorySet, library_entry, resource_public, story_entry, story_public
from forum.web import api, parse


@api(login=True)
def set_resource_api(request: Request, viewer: User, payload: dict[str, Any]) -> Any:
    data = parse(ResourceSet, payload)
    thread_id: int = request.path_params["thread_id"]
    with request.app.state.db.write() as session:
        set_resource(session, actor=viewer, thread_id=thread_id, kind=data.kind, url=data.url)
        return resource_public(resource_for(session, thread_id))


@api(login=True)
def clear_resource_api(request: Request, viewer: User, payload: None) -> Any:
    with request.app.state.db.write() as session:
        return {"changed": clear_resource(session, actor=viewer, thread_id=request.path_params["thread_id"])}


@api(login=True)
def set_story_api(request: Request, viewer: User, payload: dict[str, Any]) -> Any:
    data = parse(StorySet, payload)
    thread_id: int = request.path_params["thread_id"]
    # The service reads the outcome as the form sends it: as text.
    outcome = data.outcome_value if isinstance(data.outcome_value, str) else str(data.outcome_value)
    with request.app.state.db.write() as session:
        set_story(session, actor=viewer, thread_id=thread_id, organisation=data.organisation, goal=data.goal,
                  action=data.action, outcome_value=outcome, outcome_unit=data.outcome_unit,
                  own_hosts=request.app.state.policy.own_hosts)
        return story_public(story_for(session, thread_id))


@api(login=True)
def clear_story_api(request: Request, viewer: User, payload: None) -> Any:
    with request.app.state.db.write() as session:
        return {"changed": clear_story(session, actor=viewer, thread_id=request.path_params["thread_id"])}


@api
def resource_library_api(request: Request, viewer: User | None, payload: None) -> Any:
    """Arm's library as /b/arm shows it to this viewer; ?kind= filters it."""
    kind = request.query_params.get("kind") or None
    with request.app.state.db.read() as session:
        return {"resources": [library_entry(item) for item in resource_library(session, viewer, kind=kind)]}


@api
def story_grid_api(request: Request, viewer: User | None, payload: None) -> Any:
    """Showcase's story cards as /b/showcase shows them to this viewer."""
    with request.app.state.db.read() as session:
        return {"stories": [story_entry(item) for item in story_grid(session, viewer)]}
