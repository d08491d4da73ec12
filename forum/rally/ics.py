"""Convenings as iCalendar (RFC 5545), for calendar apps to import and follow."""

from __future__ import annotations

from urllib.parse import urlsplit

from icalendar import Calendar, Event

from forum.rally.queries import ConveningView

PRODID = "-//forum//Rally convenings//EN"


def _event(view: ConveningView, base_url: str) -> Event:
    c = view.convening
    host = urlsplit(base_url).hostname or "forum"
    event = Event()
    # Stable for the convening's life: a calendar replaces the event it already
    # has when SEQUENCE (bumped by every change) grows.
    event.add("uid", f"convening-{c.id}@{host}")
    event.add("dtstamp", c.updated_at)
    event.add("last-modified", c.updated_at)
    event.add("sequence", c.sequence)
    event.add("dtstart", c.starts_at)
    ended_early = c.ended_at is not None and c.starts_at < c.ended_at < c.ends_at
    event.add("dtend", c.ended_at if ended_early else c.ends_at)
    event.add("summary", c.title)
    agenda = "\n".join(f"T{q.number}. {q.text}" for q in view.questions)
    hosts = ", ".join(view.hosts)
    parts = [c.description, f"Hosts: {hosts}" if hosts else "", f"Agenda:\n{agenda}", f"Thread: {view.thread.title}"]
    event.add("description", "\n\n".join(p for p in parts if p))
    event.add("url", f"{base_url.rstrip('/')}/c/{c.id}")
    if c.ended_at is not None and c.ended_at <= c.starts_at:
        event.add("status", "CANCELLED")
    else:
        event.add("status", "CONFIRMED")
    return event


def calendar_of(views: list[ConveningView], base_url: str, *, name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    for view in views:
        calendar.add_component(_event(view, base_url))
    return calendar.to_ical()
