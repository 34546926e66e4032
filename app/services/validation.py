"""Field checks shared by services; each failure names the field."""

from __future__ import annotations

from app.errors import ValidationFailed

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
            self.fail(field, f"{label} must not be empty.")
        elif len(cleaned) > max_chars:
            self.fail(field, f"{label} must be at most {max_chars} characters.")
        return cleaned

    def body(self, field: str, value: str | None) -> str:
        cleaned = (value or "").strip()
        if not cleaned:
            self.fail(field, "Message must not be empty.")
        elif len(cleaned.encode()) > MAX_BODY_BYTES:
            self.fail(field, f"Message must be at most {MAX_BODY_BYTES // 1024} KB.")
        return cleaned

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)
