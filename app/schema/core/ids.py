"""Parsing client-sent IDs into database keys, with a typed error naming the field."""

from __future__ import annotations

from app.errors import ValidationFailed

MAX_ID = 2**31 - 1
"""The largest key both databases store: keys are INTEGER columns, 32 bits on PostgreSQL."""


def parse_id(value: object, field: str) -> int:
    key = lookup_id(value)
    if key is None:
        raise ValidationFailed.single(field, "That is not a valid id.")
    return key


def optional_id(value: object, field: str) -> int | None:
    return None if value is None else parse_id(value, field)


def lookup_id(value: object) -> int | None:
    """The key of a row to look up, or None for a malformed id: a lookup that answers null for
    a missing row answers a malformed id ("abc", "0") exactly so, and names no field."""
    text = str(value)
    if not (text.isascii() and text.isdigit() and len(text.lstrip("0")) <= len(str(MAX_ID))):
        return None
    if not 1 <= int(text) <= MAX_ID:
        return None
    return int(text)
