"""Parsing client-sent IDs into database keys, with a typed error naming the field."""

from __future__ import annotations

from app.errors import ValidationFailed


def parse_id(value: object, field: str) -> int:
    try:
        parsed = int(str(value))
    except ValueError:
        raise ValidationFailed.single(field, "That is not a valid id.") from None
    if parsed < 1:
        raise ValidationFailed.single(field, "That is not a valid id.")
    return parsed


def optional_id(value: object, field: str) -> int | None:
    return None if value is None else parse_id(value, field)
