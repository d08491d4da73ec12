"""Demo content, so a newcomer's first look is a living forum. Idempotent:
it is written in one transaction, and skipped when it is already there."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from sqlmodel import Session

from forum.accounts.models import User
from forum.accounts.services import register
from forum.boards.models import Thread
from forum.boards.services import create_thread
from forum.comments.services import create_comment
from forum.db import Database, utcnow
from forum.pillars.curation import set_resource, set_story
from forum.pillars.tracks import add_step, create_track
from forum.rally.services import schedule_convening
from forum.types import Role

DEMO_DOMAIN = "demo.forum.invalid"

PEOPLE = [
    ("ana.okafor", Role.MODERATOR),
    ("dr.lindqvist", Role.MEMBER),
    ("rn_patel", Role.MEMBER),
    ("m.haddad", Role.MEMBER),
    ("comms-jo", Role.MEMBER),
]


@dataclass(frozen=True)
class DemoThread:
    board: str
    author: str
    title: str
    body: str
    # (author, text, index of the comment replied to, or None)
    comments: tuple[tuple[str, str, int | None], ...]


THREADS = [
    DemoThread(
        "rally",
        "ana.okafor",
        "Welcome: what should this forum convene first?",
        "This forum exists so that practitioners have one trusted place to talk about what is "
        "happening in health-care social media. Boards follow the five S.H.A.R.E. pillars: "
        "**Showcase**, **Harness**, **Arm**, **Rally** and **Educate**.\n\n"
        "Tell us which conversation you would like to see convened first, and who should be in it.\n\n"
        "*A reminder that applies everywhere here: never post anything that could identify a patient.*",
        (
            ("dr.lindqvist", "Patient-education videos. Every department makes its own and nobody compares notes.", None),
            ("rn_patel", "Seconded, and nurses should be in that conversation from the start; we answer most of the questions those videos raise.", 0),
            ("comms-jo", "From the communications side: how to handle a negative review without confirming that someone was ever a patient.", None),
            ("ana.okafor", "Both noted. I'll open a thread on each in Educate and Arm this week.", 2),
        ),
    ),
    DemoThread(
        "showcase",
        "m.haddad",
        "Our vaccination-reminder campaign: what the numbers said after six months",
        "We ran reminders on two channels for six months. What we measured:\n\n"
        "- appointment-page visits from social posts: up 31%\n"
        "- no-show rate for the clinics in the campaign: down from 14% to 11%\n"
        "- staff time: about four hours a week\n\n"
        "The surprise was that short clinician-recorded clips outperformed designed graphics three to one. "
        "Happy to share the posting calendar.",
        (
            ("dr.lindqvist", "Did you control for the season? Six months that include autumn will show a rise anyway.", None),
            ("m.haddad", "Fair point. We compared against the same months of the previous year for clinics outside the campaign; the gap held at roughly two points.", 0),
            ("rn_patel", "Four hours a week is less than I expected. Who recorded the clips, and how did you get them approved?", None),
        ),
    ),
    DemoThread(
        "arm",
        "comms-jo",
        "A starter social-media policy for a small practice",
        "Most small practices I talk to have no written policy, so staff either post nothing or post without "
        "guidance. A one-page policy that covers:\n\n"
        "1. who may speak for the practice, and where;\n"
        "2. what never goes online (anything that could identify a patient, even without a name);\n"
        "3. how to answer reviews: thank, do not confirm care, move the conversation offline;\n"
        "4. what to do when something goes wrong.\n\n"
        "What would you add before sharing it as a template?",
        (
            ("ana.okafor", "A line on personal accounts: staff posting about work on their own profiles is where most trouble starts.", None),
            ("dr.lindqvist", "And a named person to ask before posting, with a same-day answer. A policy nobody can ask about gets ignored.", None),
        ),
    ),
    DemoThread(
        "arm",
        "dr.lindqvist",
        "Guide: professionalism in the use of social media (AMA Code of Medical Ethics)",
        "The American Medical Association's ethics opinion on social media is two pages long and still the "
        "clearest statement of what a physician owes patients online: privacy settings are not enough, keep "
        "personal and professional content apart, and act when a colleague posts something unprofessional.\n\n"
        "Linked here as a guide for anyone writing their practice's own policy.",
        (
            ("rn_patel", "Most of it applies word for word to nurses; our board's guidance says much the same.", None),
        ),
    ),
    DemoThread(
        "educate",
        "dr.lindqvist",
        "Reading list: evidence on clinicians using social media",
        "Starting a short list for newcomers. Please reply with one source each and a sentence on why it matters; "
        "I'll fold the best into an ordered track.",
        (
            ("rn_patel", "Professional-conduct guidance from your own licensing body, first. It is shorter than people think.", None),
            ("m.haddad", "Anything that measures outcomes rather than reach; follower counts tell you little about care.", None),
        ),
    ),
    DemoThread(
        "harness",
        "rn_patel",
        "Large systems: how can you lift the small clinics around you?",
        "Big academic centres have audiences that a rural clinic will never build. What has worked for sharing that "
        "reach: co-authored posts, guest sessions, shared campaigns?",
        (
            ("ana.okafor", "Shared campaigns with a common hashtag and local faces worked for us; the big account amplifies, the clinic speaks.", None),
        ),
    ),
]


def _pillar_tools(session: Session, users: dict[str, User], threads: dict[str, Thread]) -> None:
    """Give each pillar's tool something to show: a convening, a story card, a resource, a track."""
    host = users["ana.okafor"]
    welcome, campaign, policy, guide, reading = (threads[t.title] for t in THREADS[:5])
    # A week from today, 17:00 UTC, for an hour.
    starts = datetime.combine(utcnow().date() + timedelta(days=7), time(17, 0), tzinfo=UTC)
    schedule_convening(
        session, actor=host, thread_id=welcome.id, title="First convening: what should this forum take on?",  # type: ignore[arg-type]
        starts_at=starts, ends_at=starts + timedelta(hours=1), now=utcnow(), hosts=["dr.lindqvist"],
        description="An hour, three questions, answers posted on the welcome thread.",
        questions=[
            "Which conversation in your field has no good home today?",
            "Who should be in it that usually is not?",
            "What would make you trust a forum like this one?",
        ],
    )
    set_story(
        session, actor=host, thread_id=campaign.id, organisation="A network of community clinics",  # type: ignore[arg-type]
        goal="Fewer missed vaccination appointments",
        action="Reminder posts on two channels for six months, led by short clips that clinicians recorded",
        outcome_value="-3", outcome_unit="percentage points of no-shows",
    )
    set_resource(session, actor=host, thread_id=guide.id, kind="guide",  # type: ignore[arg-type]
                 url="https://code-medical-ethics.ama-assn.org/ethics-opinions/professionalism-use-social-media")
    track = create_track(session, actor=host, title="Starting out on social media as a clinician",
                         description="Read in order: the evidence, the ethics, then your practice's own policy.")
    for thread in (reading, guide, policy):
        add_step(session, actor=host, track_id=track.id, thread_id=thread.id)  # type: ignore[arg-type]


def demo_loaded(session: Session) -> bool:
    return session.scalar(select(User.id).where(User.email == f"{PEOPLE[0][0]}@{DEMO_DOMAIN}")) is not None


def load_demo(db: Database) -> bool:
    """Load the demo content; False when it was already there."""
    with db.write() as session:
        if demo_loaded(session):
            return False
        users: dict[str, User] = {}
        for name, role in PEOPLE:
            # Demo people cannot log in: their passwords are random and unrecorded.
            users[name] = register(
                session,
                email=f"{name}@{DEMO_DOMAIN}",
                name=name,
                password=secrets.token_urlsafe(24),
                role=role,
                trusted=True,
            )
        threads: dict[str, Thread] = {}
        for item in THREADS:
            thread = threads[item.title] = create_thread(session, author=users[item.author], board_slug=item.board, title=item.title, body=item.body)
            made: list[int] = []
            for author, text, reply_to in item.comments:
                parent = made[reply_to] if reply_to is not None else None
                comment = create_comment(session, author=users[author], thread_id=thread.id, body=text, parent_id=parent)  # type: ignore[arg-type]
                made.append(comment.id)  # type: ignore[arg-type]
        _pillar_tools(session, users, threads)
    return True
