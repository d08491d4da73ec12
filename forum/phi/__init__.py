"""The health-care guard: patient identifiers in a post, found offline."""

from __future__ import annotations

from forum.phi.guard import Finding, Kind, check

__all__ = ["Finding", "Kind", "check"]
