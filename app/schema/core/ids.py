"""Parsing client-sent IDs into database keys, with a typed error naming the field."""

from __future__ import annotations

from app.errors import ValidationFailed

MAX_ID = 2**31 - 1
"""The largest key both databases store: keys are INTEGER columns, 32 bits on PostgreSQL."""


def parse_id(value: object, field: str) -> int:
    text = str(value)
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_ID:
        raise ValidationFailed.single(field, "That is not a valid id.")
    return int(text)


def optional_id(value: object, field: str) -> int | None:
    return None if value is None else parse_id(value, field)
