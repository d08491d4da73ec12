"""API shapes for the pillar boards' tools: Arm resources, Showcase story
cards, Educate tracks."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError
from sqlmodel import SQLModel

from forum.boards.models import Thread
from forum.pillars.curation import MAX_ORGANISATION, MAX_TEXT, MAX_UNIT, MAX_URL
from forum.pillars.models import ResourceKind, ThreadResource, ThreadStory
from forum.pillars.queries import LibraryItem, StoryItem
from forum.pillars.track_queries import StepView, TrackView
from forum.pillars.tracks import MAX_DESCRIPTION, MAX_TITLE
from forum.templating import iso
from forum.types import MAX_ID

# Input. Lengths, kinds and numbers are checked by the services, with the
# same messages the forms show; these only fix the fields and their types.


class ResourceSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(description="One of " + ", ".join(ResourceKind), json_schema_extra={"enum": list(ResourceKind)})
    url: str = Field(description=f"An http:// or https:// address, at most {MAX_URL} characters")


class StorySet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    organisation: str = Field(description=f"At most {MAX_ORGANISATION} characters")
    goal: str = Field(description=f"At most {MAX_TEXT} characters")
    action: str = Field(description=f"What was done; at most {MAX_TEXT} characters")
    outcome_value: int | float | str = Field(
        description="The measured outcome: a number, or a string holding one (\"1,200\", \"-12.5\")")
    outcome_unit: str = Field(description=f"At most {MAX_UNIT} characters")

    @field_validator("outcome_value", mode="before")
    @classmethod
    def _number_or_text(cls, value: object) -> object:
        # Without this, true, null or a list would be answered with the first
        # member of the union that refused it ("outcome_value.int: …").
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise PydanticCustomError("number_or_text", "give the measured outcome as a number, such as 42 or 12.5")
        return value


class TrackCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(description=f"At most {MAX_TITLE} characters")
    description: str = Field(default="", description=f"At most {MAX_DESCRIPTION} characters")


class StepAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")
    thread_id: int = Field(ge=1, le=MAX_ID, description="A published thread, appended as the last step")


# Output.


class ResourcePublic(SQLModel):
    kind: str
    url: str


class StoryPublic(SQLModel):
    organisation: str
    goal: str
    action: str
    outcome_value: float
    outcome_unit: str


class ThreadLink(SQLModel):
    id: int
    title: str
    url: str


class LibraryEntry(ResourcePublic):
    updated_at: str
    thread: ThreadLink


class ResourceList(SQLModel):
    resources: list[LibraryEntry]


class StoryEntry(StoryPublic):
    updated_at: str
    thread: ThreadLink


class StoryList(SQLModel):
    stories: list[StoryEntry]


class StepPublic(SQLModel):
    number: int = Field(description="1-based, among the steps the viewer can see")
    thread_id: int
    title: str
    url: str
    done: bool = Field(description="Marked done by the viewer (false for a reader who is not logged in)")


class TrackProgressPublic(SQLModel):
    done: int
    resume: StepPublic | None = Field(description="The first step not done; null when all are")


class TrackSummary(SQLModel):
    id: int
    title: str
    description: str
    url: str
    step_count: int
    progress: TrackProgressPublic | None = Field(description="The viewer's own progress; null for a reader who is not logged in")


class TrackPublic(TrackSummary):
    steps: list[StepPublic]


class TrackList(SQLModel):
    tracks: list[TrackSummary]


class Changed(SQLModel):
    changed: bool


def _number(value: float) -> float | int:
    # 1200.0 goes out as 1200, as the form shows it back.
    return int(value) if value.is_integer() else value


def resource_public(resource: ThreadResource | None) -> dict[str, Any] | None:
    return {"kind": resource.kind, "url": resource.url} if resource is not None else None


def story_public(story: ThreadStory | None) -> dict[str, Any] | None:
    if story is None:
        return None
    return {
        "organisation": story.organisation,
        "goal": story.goal,
        "action": story.action,
        "outcome_value": _number(story.outcome_value),
        "outcome_unit": story.outcome_unit,
    }


def _thread_link(thread: Thread) -> dict[str, Any]:
    return {"id": thread.id, "title": thread.title, "url": f"/t/{thread.id}/{thread.slug}"}


def library_entry(item: LibraryItem) -> dict[str, Any]:
    return {**resource_public(item.resource), "updated_at": iso(item.resource.updated_at),  # type: ignore[dict-item]
            "thread": _thread_link(item.thread)}


def story_entry(item: StoryItem) -> dict[str, Any]:
    return {**story_public(item.story), "updated_at": iso(item.story.updated_at),  # type: ignore[dict-item]
            "thread": _thread_link(item.thread)}


def step_public(step: StepView) -> dict[str, Any]:
    return {"number": step.number, "thread_id": step.thread_id, "title": step.title, "url": step.url, "done": step.done}


def track_summary(view: TrackView, *, signed_in: bool) -> dict[str, Any]:
    resume = view.resume
    return {
        "id": view.track.id,
        "title": view.track.title,
        "description": view.track.description,
        "url": view.url,
        "step_count": view.total,
        "progress": {"done": view.done_count, "resume": step_public(resume) if resume else None} if signed_in else None,
    }


def track_public(view: TrackView, *, signed_in: bool) -> dict[str, Any]:
    return {**track_summary(view, signed_in=signed_in), "steps": [step_public(s) for s in view.steps]}
