"""Domain errors raised by services; the GraphQL layer maps them to typed error results."""

from __future__ import annotations


class DomainError(Exception):
    code = "ERROR"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    code = "NOT_FOUND"


class PermissionDenied(DomainError):
    code = "PERMISSION_DENIED"


class NotAuthenticated(PermissionDenied):
    code = "NOT_AUTHENTICATED"


class Conflict(DomainError):
    code = "CONFLICT"


class RateLimited(DomainError):
    code = "RATE_LIMITED"


class Unavailable(DomainError):
    """A dependency (Redis) is away; the caller may retry later."""

    code = "UNAVAILABLE"


class ValidationFailed(DomainError):
    """One or more fields are wrong; ``errors`` maps field name to message."""

    code = "VALIDATION_ERROR"

    def __init__(self, errors: dict[str, str]) -> None:
        first_field, first_message = next(iter(errors.items()))
        super().__init__(first_message, field=first_field)
        self.errors = errors

    @classmethod
    def single(cls, field: str, message: str) -> ValidationFailed:
        return cls({field: message})


def bad_cursor() -> ValidationFailed:
    """A pagination cursor that is not one of this list's (garbled, or of another list)."""
    return ValidationFailed.single(
        "after", "That cursor is not valid for this list; start from the first page."
    )
