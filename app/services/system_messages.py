"""Messages the system writes (auto-close, merge, what the mail intake kept for staff): stored as
a template key with its values (``messages.template``, JSON) and shown in the reader's language.

``body`` keeps an English text too: what search indexes, highlights and what a reader whose
language cannot be rendered falls back to. It is the text for the most restricted reader: the
merge notice on a merged ticket names the ticket it went into only to readers the policy lets
see that ticket, so its stored body (and therefore search) never holds that number. Rows
written before templates existed (or not recognised by migration 0024) have no template and
show their stored body as it is.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.auth import policy
from app.auth.actor import Actor
from app.i18n import LANGUAGES, Translator
from app.models import Message, Ticket

AUTO_CLOSED = "auto_closed"
MERGED_INTO = "merged_into"
MERGED_FROM = "merged_from"
UNPROVEN_CC = "unproven_cc"

_ENGLISH = Translator(LANGUAGES[0])


@dataclass(frozen=True)
class SystemText:
    """A system message as stored: its template's key and the values filling it in."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)

    def dumps(self) -> str:
        return json.dumps({"key": self.key, **self.values}, sort_keys=True)

    @property
    def target_id(self) -> int | None:
        """The ticket whose number the text names only to readers who may see it."""
        if self.key != MERGED_INTO:
            return None
        value = self.values.get("ticket")
        return value if isinstance(value, int) else None


def auto_closed(days: int) -> SystemText:
    return SystemText(AUTO_CLOSED, {"days": days})


def merged_into(target: Ticket) -> SystemText:
    return SystemText(MERGED_INTO, {"ticket": target.id, "number": target.number})


def merged_from(source: Ticket) -> SystemText:
    return SystemText(MERGED_FROM, {"number": source.number, "subject": source.subject})


def unproven_cc(sender: str, addresses: Sequence[str]) -> SystemText:
    return SystemText(UNPROVEN_CC, {"sender": sender, "addresses": ", ".join(addresses)})


def parsed(raw: str | None) -> SystemText | None:
    """The stored template, or None (none stored, or one this code does not know: the stored
    body is shown then)."""
    if not raw:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("key") not in _TEXTS:
        return None
    key = data.pop("key")
    return SystemText(key, data)


def text(t: Translator, system: SystemText, *, sees_target: bool = False) -> str:
    """``system`` in ``t``'s language; the merge notice names its target only if
    ``sees_target``. Values missing from a damaged row leave the English stored body."""
    try:
        return _TEXTS[system.key](t, system.values, sees_target)
    except (KeyError, TypeError, ValueError, IndexError):
        return ""


def stored_body(system: SystemText) -> str:
    """The English text kept in ``body`` (searched): as the most restricted reader reads it."""
    return text(_ENGLISH, system, sees_target=False)


def _auto_closed(t: Translator, values: dict[str, Any], _: bool) -> str:
    return t.ngettext(
        "This ticket was closed automatically after {n} day without a reply. "
        "If you still need help, reply to reopen it.",
        "This ticket was closed automatically after {n} days without a reply. "
        "If you still need help, reply to reopen it.",
        int(values["days"]),
    )


def _merged_into(t: Translator, values: dict[str, Any], sees_target: bool) -> str:
    if sees_target:
        return t._("This ticket was merged into #{number}.", number=int(values["number"]))
    return t._("This ticket was merged into another ticket.")


def _merged_from(t: Translator, values: dict[str, Any], _: bool) -> str:
    return t._(
        "Ticket #{number} ({subject}) was merged into this ticket.",
        number=int(values["number"]),
        subject=str(values["subject"]),
    )


def _unproven_cc(t: Translator, values: dict[str, Any], _: bool) -> str:
    return t._(
        "The mail that opened this ticket had a Cc, which was not added: nothing proves that "
        "{sender} sent it, and a forged sender could copy strangers on the client's replies. "
        "Add them under CC if the client wants them: {addresses}.",
        sender=str(values["sender"]),
        addresses=str(values["addresses"]),
    )


_TEXTS: dict[str, Callable[[Translator, dict[str, Any], bool], str]] = {
    AUTO_CLOSED: _auto_closed,
    MERGED_INTO: _merged_into,
    MERGED_FROM: _merged_from,
    UNPROVEN_CC: _unproven_cc,
}


async def seen_targets(actor: Actor | None, systems: Iterable[SystemText | None]) -> set[int]:
    """The merge targets among ``systems`` that ``actor`` may see (one query, none if there
    are no merge notices)."""
    wanted = {s.target_id for s in systems if s is not None and s.target_id is not None}
    if not wanted or actor is None:
        return set()
    found = await Ticket.filter(policy.ticket_scope(actor), id__in=sorted(wanted)).values_list(
        "id", flat=True
    )
    return {int(i) for i in found}  # type: ignore[call-overload]


async def bodies(
    *, actor: Actor | None, translator: Callable[[], Translator], messages: Iterable[Message]
) -> dict[int, str]:
    """The bodies of the system messages among ``messages`` as ``actor`` reads them (by id);
    messages without a template are not in it. ``translator`` is asked only if there is one
    (so a page without system messages reads nothing of the reader's language)."""
    systems: dict[int, SystemText] = {}
    for message in messages:
        system = parsed(message.template) if message.template else None
        if system is not None:
            systems[message.id] = system
    if not systems:
        return {}
    t = translator()
    seen = await seen_targets(actor, systems.values())
    found = {
        i: text(t, s, sees_target=s.target_id is not None and s.target_id in seen)
        for i, s in systems.items()
    }
    return {i: body for i, body in found.items() if body}
