"""Rendering comments with the one `_comment` partial the page, live pushes and
the embed all share, and assembling the nested tree without recursion."""

from __future__ import annotations

from jinja2 import Environment, Template
from markupsafe import Markup

from forum.comments.queries import CommentView
from forum.types import Status

PARTIAL = "comments/_comment.html"


def render_comment(env: Environment, comment: CommentView, children_html: Markup | str = "", *, moderator_view: bool = False) -> Markup:
    return _render(env.get_template(PARTIAL), comment, Markup(children_html), moderator_view)


def _render(template: Template, comment: CommentView, children: Markup, moderator_view: bool) -> Markup:
    return Markup(template.render(comment=comment, children_html=children, moderator_view=moderator_view))


def render_tree(env: Environment, comments: list[CommentView], *, moderator_view: bool = False) -> Markup:
    """The nested list of comments, replies under their parents.

    A comment that readers cannot see (removed, or hidden for non-moderators)
    is kept as a placeholder only when it has visible replies, so the
    conversation below it still reads in place. Built bottom-up with an
    explicit order so deep reply chains cannot exhaust the stack.
    """
    template = env.get_template(PARTIAL)
    by_id = {c.id: c for c in comments}
    children: dict[int | None, list[int]] = {}
    for c in comments:
        parent = c.parent_id if c.parent_id in by_id else None
        children.setdefault(parent, []).append(c.id)

    rendered: dict[int, Markup] = {}
    # Comments are in id order and a reply always has a larger id than its
    # parent, so walking backwards renders every child before its parent.
    for c in reversed(comments):
        kids = [rendered[k] for k in children.get(c.id, []) if k in rendered]
        if c.status != Status.PUBLISHED and not kids and not (moderator_view and c.status != Status.REMOVED):
            continue
        rendered[c.id] = _render(template, c, Markup("").join(kids), moderator_view)
    return Markup("").join(rendered[k] for k in children.get(None, []) if k in rendered)

