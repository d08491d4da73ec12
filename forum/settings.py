"""Settings, read once from the environment (and `.env`), then passed down."""

from __future__ import annotations

import secrets
from enum import StrEnum
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme", "secret", "placeholder", "dev", "xxx"})


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class SettingsError(ValueError):
    """A setting is missing or unusable; the message says which and why."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FORUM_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = "sqlite:///./forum.db"
    broadcast_url: str = "memory://"
    secret_key: str = ""
    base_url: str = "http://127.0.0.1:8000"
    embed_origins: str = ""
    env: Environment = Environment.DEVELOPMENT
    fetch_allow_private: bool = False
    rate_limits: bool = True
    # How often `forum serve` polls the feeds added with `forum feeds add`, in
    # seconds; 0 turns the poller off.
    feed_poll_seconds: int = Field(default=900, ge=0)
    instance_dir: Path = Path("instance")
    # Per-request body limit; anything larger is refused before it is read.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # How much rendered thread content (comment trees, anonymous pages, comments
    # JSON) each process keeps, in MiB; 0 turns the cache off.
    page_cache_mb: int = Field(default=64, ge=0)
    # How long a cached thread is trusted without asking the database, in seconds,
    # when no write notice arrives (writes through this process or the hub
    # invalidate at once; this bounds staleness from writers that tell no one).
    page_cache_seconds: float = Field(default=1.0, ge=0, le=3600)
    # Pre-moderation: how many of a new account's first posts wait for a
    # moderator (accounts an operator makes are trusted and skip it).
    new_account_held_posts: int = Field(default=1, ge=0, le=100)
    # Flags from this many distinct members hide a comment or thread until a
    # moderator reviews it.
    flag_threshold: int = Field(default=3, ge=1, le=100)

    @field_validator("rate_limits", mode="before")
    @classmethod
    def _on_off(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() in {"on", "off"}:
            return value.strip().lower() == "on"
        return value

    @property
    def embed_origin_list(self) -> list[str]:
        return [o.strip().rstrip("/") for o in self.embed_origins.split(",") if o.strip()]

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    def resolved_secret_key(self) -> str:
        """The signing key: configured, or generated into the instance folder in development."""
        key = self.secret_key.strip()
        if key.lower() not in PLACEHOLDER_SECRETS and len(key) >= 16:
            return key
        if self.is_production:
            raise SettingsError(
                "FORUM_SECRET_KEY is unset or a placeholder; production needs a random value "
                "of at least 16 characters (for example: python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))')"
            )
        path = self.instance_dir / "secret_key"
        if path.exists():
            stored = path.read_text().strip()
            if stored:
                return stored
        path.parent.mkdir(parents=True, exist_ok=True)
        generated = secrets.token_urlsafe(48)
        path.write_text(generated + "\n")
        path.chmod(0o600)
        return generated


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
