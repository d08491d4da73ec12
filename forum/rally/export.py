"""A convening's transcript as Markdown: grouped by question, with authors,
counts and participants."""

from __future__ import annotations

from datetime import datetime

from forum.rally.queries import Answer, Transcript


def _utc(value: datetime) -> str:
    return value.strftime("%-d %b %Y %H:%M UTC")


def _quote(answer: Answer) -> list[str]:
    head = f"**{answer.author or 'deleted account'}** · {answer.created_at.strftime('%H:%M UTC')}"
    body = [f"> {line}" if line else ">" for line in answer.body_md.splitlines()] or [">"]
    return [head, "", *body, ""]


def _answers(n: int) -> str:
    return f"{n} answer{'s' if n != 1 else ''}"


def transcript_markdown(transcript: Transcript, base_url: str) -> str:
    view = transcript.view
    c = view.convening
    base = base_url.rstrip("/")
    end = c.ended_at if c.ended_at is not None and c.ended_at < c.ends_at else c.ends_at
    lines = [
        f"# {c.title}",
        "",
        f"A convening on [{view.thread.title}]({base}/t/{view.thread.id}), {_utc(c.starts_at)} to {_utc(end)}.",
        f"Hosts: {', '.join(view.hosts) or 'none'}.",
        "",
    ]
    if c.description:
        lines += [c.description, ""]
    names = transcript.participants
    lines += [
        f"{_answers(transcript.answer_count)} from {len(names)} participant{'s' if len(names) != 1 else ''}"
        + (f": {', '.join(names)}." if names else "."),
        "",
    ]
    for question, answers in transcript.by_question:
        lines += [f"## T{question.number}. {question.text}", "", f"_{_answers(len(answers))}_", ""]
        for answer in answers:
            lines += _quote(answer)
    if transcript.other:
        lines += ["## Other comments", "", f"_{len(transcript.other)} comment{'s' if len(transcript.other) != 1 else ''}_", ""]
        for answer in transcript.other:
            lines += _quote(answer)
    lines += [f"Archive: {base}/c/{c.id}", ""]
    return "\n".join(lines)
