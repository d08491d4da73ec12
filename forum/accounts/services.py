"""Account writes: one function per verb, keyword-only, on an explicit session."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from forum.accounts.models import ApiToken, User, UserSession
from forum.accounts.passwords import (
    check_password_strength,
    hash_password,
    needs_rehash,
    verify_nobody,
    verify_password,
)
from forum.db import utcnow
from forum.errors import Conflict, InvalidInput
from forum.moderation.audit import record_event
from forum.text import strip_controls
from forum.types import Role

SESSION_LIFETIME = timedelta(days=30)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_NAME = re.compile(r"^[\w.\-]{2,40}$", re.UNICODE)


def normalise_email(email: str) -> str:
    cleaned = strip_controls(email).strip().lower()
    if len(cleaned) > 254 or not _EMAIL.match(cleaned):
        raise InvalidInput("Enter an email address like name@hospital.org.", field="email")
    return cleaned


def is_valid_name(name: str) -> bool:
    return _NAME.fullmatch(name) is not None


def normalise_name(name: str) -> str:
    cleaned = strip_controls(name).strip()
    if not _NAME.match(cleaned):
        raise InvalidInput(
            "Names are 2 to 40 letters, digits, dots, dashes or underscores, without spaces.",
            field="name",
        )
    return cleaned


def token_digest(token: str) -> str:
    """What is stored of a secret token: a leaked table logs no one in."""
    return hashlib.sha256(token.encode()).hexdigest()


def register(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    role: Role = Role.MEMBER,
    trusted: bool = False,
) -> User:
    email = normalise_email(email)
    name = normalise_name(name)
    check_password_strength(password, email=email, name=name)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict("An account with that email already exists; log in instead.", field="email")
    if session.scalar(select(User.id).where(User.name_key == name.lower())) is not None:
        raise Conflict("That name is taken; choose another.", field="name")
    user = User(
        email=email,
        name=name,
        name_key=name.lower(),
        password_hash=hash_password(password),
        role=role,
        trusted=trusted,
    )
    session.add(user)
    try:
        # Two sign-ups racing for one email: the unique index decides, and the
        # loser gets the same message as if it had lost the check above.
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict("An account with that email or name already exists.", field="email") from None
    record_event(session, actor_id=user.id, action="account.registered", target_type="user", target_id=user.id, data={"role": str(role)})
    return user


def authenticate(session: Session, *, email: str, password: str) -> User | None:
    """The user if the email and password match; None otherwise (in the same time)."""
    try:
        email = normalise_email(email)
    except InvalidInput:
        verify_nobody(password)
        return None
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        verify_nobody(password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def suspension_message(user: User) -> str:
    until = user.suspended_until.strftime("%Y-%m-%d %H:%M UTC") if user.suspended_until else "further notice"
    reason = f" Reason: {user.suspend_reason}" if user.suspend_reason else ""
    return f"This account is suspended until {until}.{reason}"


def silence_message(user: User) -> str:
    until = user.silenced_until.strftime("%Y-%m-%d %H:%M UTC") if user.silenced_until else "further notice"
    reason = f" Reason: {user.silence_reason}" if user.silence_reason else ""
    return f"You cannot post until {until}: a moderator has silenced this account.{reason}"


def set_password(session: Session, *, user: User, password: str) -> None:
    check_password_strength(password, email=user.email, name=user.name)
    user.password_hash = hash_password(password)
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))


def start_session(session: Session, *, user: User, lifetime: timedelta = SESSION_LIFETIME, prefix: str = "") -> str:
    """A new login session; returns the token that goes into the cookie (or, with a
    prefix, that an embedded frame sends as its bearer token)."""
    token = prefix + secrets.token_urlsafe(32)
    now = utcnow()
    session.add(UserSession(id=token_digest(token), user_id=user.id, created_at=now, expires_at=now + lifetime))
    return token


def end_session(session: Session, *, token: str) -> bool:
    result = session.execute(delete(UserSession).where(UserSession.id == token_digest(token)))
    return bool(result.rowcount)


def user_for_session(session: Session, token: str) -> User | None:
    row = session.execute(
        select(User, UserSession.expires_at)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.id == token_digest(token))
    ).first()
    if row is None or row[1] <= utcnow():
        return None
    return row[0]


def create_api_token(session: Session, *, user: User) -> str:
    token = "fm_" + secrets.token_urlsafe(32)
    session.add(ApiToken(token_hash=token_digest(token), user_id=user.id))
    record_event(session, actor_id=user.id, action="token.created", target_type="user", target_id=user.id)
    return token


def user_for_api_token(session: Session, token: str) -> User | None:
    return session.scalar(
        select(User).join(ApiToken, ApiToken.user_id == User.id).where(ApiToken.token_hash == token_digest(token))
    )
