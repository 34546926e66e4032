"""Languages: the shipped ones, choosing one, and the server's message catalogue (notification
mail, and what the API says: typed errors' messages, notices, report labels).

English text is the message id (gettext style), so English needs no catalogue; every other
language has ``locale/LANG/LC_MESSAGES/messages.po``, read with Babel when first used (no
compile step). Mail code marks a string with ``t._("Hello {name},", name=...)`` (``t`` the
recipient's ``Translator``) or, for text chosen before the recipient is known, with ``N_``;
the API's messages are ``Msg`` (a template with its values), translated by ``translate`` where
the answer is made;
``tests/mail/test_mail_catalogue.py`` checks that every marked string has a German
translation with the same placeholders and that the catalogue holds nothing unused.
"""

from __future__ import annotations

import gettext
from datetime import datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES: tuple[str, ...] = ("en", "de")
"""The shipped languages, English (the source text) first."""

LANGUAGE_NAMES = {"en": "English", "de": "Deutsch"}

LOCALE_DIR = Path(__file__).parent / "locale"


def N_(message: str) -> str:
    """Marks ``message`` for the catalogue where it is written; translated where it is sent."""
    return message


class Msg(str):
    """A message for people that is translated where it is shown: the English text (it *is*
    that string, so code that logs or compares it is unchanged) that remembers its catalogue
    id (``template``) and the values filling it in. A value that is itself a ``Msg`` (a field's
    label) is translated too; any other value (a name, a number) is shown as it is.
    ``Msg("Ticket #{number} was not found.", number=7)``."""

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, /, **values: Any) -> Msg:
        text = super().__new__(cls, template.format(**values) if values else template)
        text.template = template
        text.values = values
        return text

    @classmethod
    def joined(cls, separator: str, parts: list[str]) -> Msg:
        """``parts`` joined by ``separator``, each part translated where the whole is."""
        names = [f"p{i}" for i in range(len(parts))]
        template = separator.join("{" + name + "}" for name in names)
        return cls(template, **dict(zip(names, parts, strict=True)))


def translate(t: Translator, text: str) -> str:
    """``text`` in ``t``'s language: a ``Msg`` by its template and values; a plain string by
    itself as the catalogue id (a literal marked where it is written); text not in the catalogue
    (what people wrote, names) stays as it is."""
    if isinstance(text, Msg):
        values = {k: translate(t, v) if isinstance(v, Msg) else v for k, v in text.values.items()}
        return t._(text.template, **values) if values else t._(text.template)
    return t._(text) if text else text


def is_language(value: str | None) -> bool:
    return value in LANGUAGES


def from_accept_language(header: str | None, default: str) -> str:
    """The first shipped language of an ``Accept-Language`` header by weight, else ``default``."""
    best: tuple[float, int, str] | None = None
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        language = tag.strip().lower().split("-")[0]
        if language in LANGUAGES and quality > 0:
            candidate = (-quality, position, language)
            if best is None or candidate < best:
                best = candidate
    return best[2] if best else default


_HOST_SPECIFIC = frozenset({"localtime", "Factory", "posixrules"})


def is_time_zone(name: str | None) -> bool:
    """An IANA zone name every machine knows (``Europe/Berlin``, ``UTC``)."""
    if not name or name in _HOST_SPECIFIC or name.startswith(("posix/", "right/")):
        return False
    if name not in available_timezones():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@lru_cache(maxsize=len(LANGUAGES))
def _catalogue(language: str) -> gettext.NullTranslations:
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == LANGUAGES[0] or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = BytesIO()
    write_mo(buffer, catalog)  # fuzzy entries are left out, as msgfmt does
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


class Translator:
    """One recipient's language and time zone."""

    def __init__(self, language: str, time_zone: str = "UTC") -> None:
        self.language = language if is_language(language) else LANGUAGES[0]
        self.zone = ZoneInfo(time_zone if is_time_zone(time_zone) else "UTC")
        self._catalogue = _catalogue(self.language)

    def _(self, message: str, /, **values: Any) -> str:
        text = self._catalogue.gettext(message)
        return text.format(**values) if values else text

    def ngettext(self, singular: str, plural: str, n: int, /, **values: Any) -> str:
        text = self._catalogue.ngettext(singular, plural, n)
        return text.format(n=n, **values)

    def when(self, moment: datetime) -> str:
        """A date and time in the recipient's zone and language, with the zone's name."""
        local = moment.astimezone(self.zone)
        text = format_datetime(local, "medium", tzinfo=self.zone, locale=self.language)
        return f"{text} ({self.zone.key})"


def translator(
    language: str | None,
    time_zone: str | None = None,
    *,
    default_language: str = "en",
    default_time_zone: str = "UTC",
) -> Translator:
    """A user's translator: their stored choices, else the installation's defaults."""
    return Translator(language or default_language, time_zone or default_time_zone)
