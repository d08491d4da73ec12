"""API shapes for comments."""

from __future__ import annotations

from typing import Any

from sqlmodel import Field, SQLModel

from forum.comments.queries import CommentView
from forum.templating import iso
from forum.types import MAX_ID


class CommentCreate(SQLModel):
    body: str
    parent_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    # During a live convening: answer this released question (1-based) instead of the current one.
    question: int | None = Field(default=None, ge=1, le=20)


class CommentPublic(SQLModel):
    id: int
    thread_id: int
    parent_id: int | None
    author: str | None
    body_html: str
    created_at: str
    edited_at: str | None
    status: str
    question: int | None = Field(default=None, description="The convening question it answers; present only when set")


class CommentList(SQLModel):
    comments: list[CommentPublic]


def comment_public(comment: CommentView) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": comment.id,
        "thread_id": comment.thread_id,
        "parent_id": comment.parent_id,
        "author": comment.author_name,
        "body_html": comment.body_html,
        "created_at": iso(comment.created_at),
        "edited_at": iso(comment.edited_at) or None,
        "status": comment.status,
    }
    if comment.question is not None:
        data["question"] = comment.question
    return data
