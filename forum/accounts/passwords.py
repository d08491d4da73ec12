"""Password hashing (argon2id) and the strength rule shown to people registering."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from forum.errors import InvalidInput

MIN_LENGTH = 10
MAX_LENGTH = 1024

# argon2-cffi's defaults: RFC 9106's low-memory profile (argon2id, 3 passes over 64 MiB).
DEFAULT_HASHER = PasswordHasher()
_hasher = DEFAULT_HASHER

# The handful every breach list starts with; length does the rest.
_COMMON = frozenset(
    {
        "password", "password1", "password12", "password123", "passw0rd", "1234567890",
        "12345678910", "qwertyuiop", "iloveyou12", "letmein123", "welcome123", "admin12345",
        "abc1234567", "changeme123", "qwerty1234", "1q2w3e4r5t", "0987654321", "football12",
        "baseball12", "monkey1234", "dragon1234", "sunshine12", "princess12", "trustno1234",
    }
)


def check_password_strength(password: str, *, email: str = "", name: str = "") -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidInput(
            f"That password is too short: use at least {MIN_LENGTH} characters "
            "(a few unrelated words make a strong one).",
            field="password",
        )
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"Passwords are limited to {MAX_LENGTH} characters.", field="password")
    lowered = password.lower()
    if lowered in _COMMON or len(set(password)) < 4:
        raise InvalidInput(
            "That password is one of the first an attacker would try; choose another.",
            field="password",
        )
    local = email.split("@", 1)[0].lower()
    if (local and len(local) >= 4 and local in lowered) or (name and name.lower() == lowered):
        raise InvalidInput(
            "The password must not contain your email address or name.", field="password"
        )


def use_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Hash with other parameters from now on; returns the hasher used until now.

    The test suite uses cheaper parameters: it hashes thousands of passwords.
    A hash made with other parameters still verifies, and is redone with the
    current ones at the next login (`needs_rehash`)."""
    global _hasher
    previous, _hasher = _hasher, hasher
    return previous


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# A hash of no one's password, made (once) with the current parameters.
_dummy: tuple[PasswordHasher, str] | None = None


def verify_nobody(password: str) -> None:
    """Spend the time a real check takes, for an email with no account, so a
    failed login takes as long whether or not the account exists."""
    global _dummy
    if _dummy is None or _dummy[0] is not _hasher:
        _dummy = (_hasher, _hasher.hash("not-a-real-password-but-a-timing-equaliser"))
    verify_password(_dummy[1], password)
