"""Field checks shared by services; each failure names the field."""

from __future__ import annotations

from app.errors import ValidationFailed
from app.i18n import LANGUAGES, Msg, is_language, is_time_zone

MAX_SUBJECT = 255
MAX_BODY_BYTES = 100 * 1024


class Checks:
    """Collects field errors so one response names every wrong field."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def fail(self, field: str, message: str) -> None:
        self.errors.setdefault(field, message)

    def text(self, field: str, value: str | None, *, max_chars: int, label: str) -> str:
        cleaned = (value or "").strip()
        if not cleaned:
            self.fail(field, Msg("{label} must not be empty.", label=Msg(label)))
        elif len(cleaned) > max_chars:
            self.fail(
                field, Msg("{label} must be at most {n} characters.", label=Msg(label), n=max_chars)
            )
        return cleaned

    def body(self, field: str, value: str | None) -> str:
        cleaned = (value or "").strip()
        if not cleaned:
            self.fail(field, "Message must not be empty.")
        elif len(cleaned.encode()) > MAX_BODY_BYTES:
            self.fail(field, Msg("Message must be at most {n} KB.", n=MAX_BODY_BYTES // 1024))
        return cleaned

    def language(self, field: str, value: str) -> str:
        cleaned = value.strip().lower()
        if not is_language(cleaned):
            self.fail(
                field, Msg("Choose one of the languages {names}.", names=", ".join(LANGUAGES))
            )
        return cleaned

    def time_zone(self, field: str, value: str) -> str | None:
        """An IANA zone name; empty returns to the installation's default (None)."""
        cleaned = value.strip()
        if not cleaned:
            return None
        if len(cleaned) > 64 or not is_time_zone(cleaned):
            self.fail(field, "Choose a time zone by its IANA name, like Europe/Berlin or UTC.")
        return cleaned

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)
