"""The server's catalogue is complete: every string app/ marks for translation (``t._``, ``N_``,
``ngettext``, ``Msg``), every message a typed error is raised with (``NotFound("…")``,
``ValidationFailed.single(field, "…")``, ``checks.fail(field, "…")``, …) and every field label
(``label="…"``) has a German translation with the same placeholders, and the German catalogue
holds nothing that the code no longer says."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app.i18n import LANGUAGES, LOCALE_DIR, Translator

APP = Path(__file__).resolve().parents[2] / "app"
KEYWORDS = {
    "_": None,
    "N_": None,
    "ngettext": (1, 2),
    "Msg": None,
    # the domain errors of app/errors.py, their message first; field errors, the message second
    "NotFound": None,
    "PermissionDenied": None,
    "NotAuthenticated": None,
    "Conflict": None,
    "RateLimited": None,
    "Unavailable": None,
    "single": (2,),
    "fail": (2,),
}
LABEL = re.compile(r'\blabel="([^"]+)"')


def _marked() -> set[str | tuple[str, ...]]:
    found: set[str | tuple[str, ...]] = set()
    for _, _, message, _, _ in extract_from_dir(
        str(APP), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    for path in APP.rglob("*.py"):
        found.update(LABEL.findall(path.read_text()))
    return found


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w*)\}", text))


def test_every_shipped_language_but_english_has_a_catalogue() -> None:
    for language in LANGUAGES[1:]:
        assert (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").exists(), language


def test_the_catalogues_match_the_code() -> None:
    marked = _marked()
    assert len(marked) > 40  # the extraction sees the mail code
    for language in LANGUAGES[1:]:
        with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            catalog = read_po(handle, locale=language)
        entries = {(m.id if isinstance(m.id, str) else tuple(m.id)): m for m in catalog if m.id}
        missing = marked - entries.keys()
        unused = entries.keys() - marked
        assert not missing, f"{language}: no translation for {sorted(map(str, missing))}"
        assert not unused, f"{language}: not in the code any more: {sorted(map(str, unused))}"
        for key, message in entries.items():
            assert not message.fuzzy, (language, key)
            ids = [key] if isinstance(key, str) else list(key)
            strings = [message.string] if isinstance(message.string, str) else message.string
            assert all(strings), (language, key)
            for text in strings:
                assert _placeholders(text) == _placeholders(ids[0]), (language, key, text)


def test_a_translator_uses_the_catalogue_and_falls_back_to_english() -> None:
    german = Translator("de")
    assert german._("Hello {name},", name="Bea") == "Hallo Bea,"
    assert german.ngettext("{n} day", "{n} days", 2) == "2 Tagen"
    assert Translator("en")._("Hello {name},", name="Bea") == "Hello Bea,"
    assert Translator("xx")._("Hello {name},", name="Bea") == "Hello Bea,"  # unknown: English
    assert german._("Not in the catalogue") == "Not in the catalogue"


def test_no_message_is_an_f_string() -> None:
    """An f-string cannot be looked up in a catalogue: messages people read are ``Msg``
    templates with their values, so a German reader gets them in German."""
    import ast

    found = []
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            spec = KEYWORDS.get(name, False)
            if spec is False or name in {"_", "ngettext"}:
                continue
            position = (spec or (1,))[0] - 1
            if len(node.args) > position and isinstance(node.args[position], ast.JoinedStr):
                found.append(f"{path.relative_to(APP)}:{node.lineno}")
    assert not found, found
