"""The web UI's catalogues are complete: every key the source passes to ``t("…")``,
``tk("…")`` or ``tn("…", "…", n)`` is in locales/en.json and has a German text in
locales/de.json with the same ``{placeholders}``, and neither catalogue holds a key nothing uses (``node
web/scripts/catalogue.mjs`` brings them in line with the source)."""

from __future__ import annotations

import json
import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "web" / "src"
LOCALES = WEB / "locales"
STRING = r"""("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
CALL = re.compile(r"\btk?\(\s*" + STRING)
PLURAL = re.compile(r"\btn\(\s*" + STRING + r"\s*,\s*" + STRING)
UNWRAPPED_T = re.compile(r"\bt[kn]?\(\s*`")


def _sources() -> list[Path]:
    return [
        p
        for p in WEB.rglob("*")
        if p.suffix in {".ts", ".tsx"} and not {"gql", "locales"} & set(p.parts)
    ]


def _keys() -> set[str]:
    keys: set[str] = set()
    for path in _sources():
        text = path.read_text()
        literals = CALL.findall(text) + [s for pair in PLURAL.findall(text) for s in pair]
        for literal in literals:
            if literal.startswith("'"):
                literal = '"' + literal[1:-1].replace('"', '\\"') + '"'
            keys.add(json.loads(literal))
    return keys


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


def test_keys_are_literal_strings() -> None:
    """A template literal as a key could not be checked (nor translated)."""
    for path in _sources():
        assert not UNWRAPPED_T.search(path.read_text()), path


def test_every_catalogue_matches_the_source() -> None:
    used = _keys()
    assert len(used) > 50
    for path in sorted(LOCALES.glob("*.json")):
        catalogue = json.loads(path.read_text())
        missing = sorted(used - catalogue.keys())
        unused = sorted(catalogue.keys() - used)
        assert not missing, f"{path.name} lacks {missing}"
        assert not unused, f"{path.name} has keys nothing uses: {unused}"
        empty = sorted(k for k, v in catalogue.items() if not v.strip())
        assert not empty, f"{path.name} has no text for {empty}"
        for key, text in catalogue.items():
            assert _placeholders(text) == _placeholders(key), (path.name, key, text)


def test_german_ships() -> None:
    assert {p.stem for p in LOCALES.glob("*.json")} >= {"en", "de"}
