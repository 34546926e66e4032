"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106)."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD = 8
MAX_PASSWORD = 1024

hasher = PasswordHasher()
"""The one argon2id hasher. Everything goes through this name, so a test can wrap it to count
verifications (the unknown-account path must do the same work as a known one)."""

_DUMMY_HASH = hasher.hash("not a real password")
"""Verified against when there is no such account (or it has no password), with the same
parameters as a real hash, so the time of an answer says nothing about whether it exists."""


def hash_password(password: str) -> str:
    return hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Always one argon2 verification: against ``password_hash``, or the dummy hash when it is
    ``None`` (which never matches)."""
    try:
        return hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


async def check_password(password_hash: str | None, password: str) -> bool:
    """``verify_password`` off the event loop (argon2 takes tens of milliseconds by design and
    releases the GIL), so a burst of sign-ins does not stall every other request."""
    return await asyncio.to_thread(verify_password, password_hash, password)


async def hash_password_async(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < MIN_PASSWORD:
        return f"Passwords need at least {MIN_PASSWORD} characters."
    if len(password) > MAX_PASSWORD:
        return f"Passwords may have at most {MAX_PASSWORD} characters."
    return None
