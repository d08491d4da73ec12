from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, String
from sqlmodel import Field, SQLModel

from forum.db import UTCDateTime, utcnow
from forum.types import Role


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(sa_column=Column(String(254), nullable=False, unique=True))
    name: str = Field(sa_column=Column(String(40), nullable=False))
    # Display names are unique whatever their case: /u/Ana and /u/ana are one person.
    name_key: str = Field(sa_column=Column(String(40), nullable=False, unique=True))
    password_hash: str = Field(sa_column=Column(String(255), nullable=False))
    role: str = Field(default=Role.MEMBER, sa_column=Column(String(16), nullable=False))
    # Accounts an operator creates skip new-account pre-moderation.
    trusted: bool = Field(default=False, nullable=False)
    bio: str = Field(default="", sa_column=Column(String(2000), nullable=False, server_default=""))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # A moderator's boards (ids); empty: every board. Ignored for members and admins.
    moderated_boards: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
    # Silenced: can read, cannot post or flag. Suspended: cannot log in at all.
    silenced_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    silence_reason: str = Field(default="", sa_column=Column(String(1000), nullable=False, server_default=""))
    suspended_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    suspend_reason: str = Field(default="", sa_column=Column(String(1000), nullable=False, server_default=""))
    # Practitioner details (forum/accounts/practitioners.py). The full name is what
    # the NPPES registry is matched against; the display name stays the handle.
    full_name: str = Field(default="", sa_column=Column(String(200), nullable=False, server_default=""))
    profession: str = Field(default="", sa_column=Column(String(100), nullable=False, server_default=""))
    specialty: str = Field(default="", sa_column=Column(String(100), nullable=False, server_default=""))
    organisation: str = Field(default="", sa_column=Column(String(200), nullable=False, server_default=""))
    # Stored only once it passed the check digit. Not unique: a number typed by
    # the wrong person must not lock out the one who holds it (moderators see both).
    npi: str | None = Field(default=None, sa_column=Column(String(10), nullable=True, index=True))
    # A moderator's confirmation and the registry match hold for this NPI only:
    # changing the number clears both.
    npi_confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    npi_confirmed_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    npi_registry_matched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def is_silenced(self, now: datetime | None = None) -> bool:
        return self.silenced_until is not None and self.silenced_until > (now or utcnow())

    def is_suspended(self, now: datetime | None = None) -> bool:
        return self.suspended_until is not None and self.suspended_until > (now or utcnow())

    @property
    def is_moderator(self) -> bool:
        return self.role in {Role.MODERATOR, Role.ADMIN}


class NpiRecord(SQLModel, table=True):
    """One provider of the NPPES dissemination file (`forum npi import`)."""

    __tablename__ = "npi_record"

    npi: str = Field(sa_column=Column(String(10), primary_key=True))
    entity_type: str = Field(default="", sa_column=Column(String(1), nullable=False, server_default=""))  # 1 person, 2 organisation
    last_name: str = Field(default="", sa_column=Column(String(100), nullable=False, server_default=""))
    first_name: str = Field(default="", sa_column=Column(String(100), nullable=False, server_default=""))
    organisation_name: str = Field(default="", sa_column=Column(String(300), nullable=False, server_default=""))
    credential: str = Field(default="", sa_column=Column(String(100), nullable=False, server_default=""))
    taxonomy_code: str = Field(default="", sa_column=Column(String(10), nullable=False, server_default=""))


class UserSession(SQLModel, table=True):
    __tablename__ = "user_session"

    # sha256 of the token in the cookie: a leaked table does not log anyone in.
    id: str = Field(sa_column=Column(String(64), primary_key=True))
    user_id: int = Field(foreign_key="user_account.id", index=True, nullable=False, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    user_id: int = Field(foreign_key="user_account.id", index=True, nullable=False, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
