"""Lenient header access for messages parsed with email.policy.default.

The default policy parses structured headers on access and can raise on malformed
input; these helpers never raise and always return clean str values.
"""

from __future__ import annotations

import re
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses

_WHITESPACE = re.compile(r"\s+")
_MSG_ID = re.compile(r"<([^<>\s\x00-\x1f\x7f]+)>")
# Control characters (but tab, LF, CR) and lone surrogates: no text field may hold them, and
# PostgreSQL refuses NUL in text outright.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def strip_controls(value: str) -> str:
    """The text without control characters other than tab, LF and CR, nor lone surrogates."""
    return _CONTROL.sub("", value)


def one_line(value: str) -> str:
    """A header value on one line: control characters and runs of white space become one
    space."""
    return _WHITESPACE.sub(" ", _CONTROL.sub(" ", value)).strip()


_ADDR_SPEC = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")


def clean_str(value: str) -> str:
    """Repair undecodable bytes smuggled in as surrogates (raw 8-bit headers)."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        raw = value.encode("utf-8", "surrogateescape")
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("cp1252", "replace")


def _decode_raw(value: str) -> str:
    """Decode RFC 2047 encoded words by hand, for headers the policy choked on."""
    try:
        return str(make_header(decode_header(value)))
    except (LookupError, ValueError, UnicodeError, TypeError):
        return value


def header_values(msg: Message, name: str) -> list[str]:
    """Every decoded value of a header, whitespace unfolded; [] when absent."""
    try:
        values = msg.get_all(name) or []
        decoded = [str(v) for v in values]
    except Exception:  # the default policy raised while parsing a malformed header
        wanted = name.lower()
        decoded = [_decode_raw(str(v)) for n, v in msg.raw_items() if n.lower() == wanted]
    return [one_line(clean_str(v)) for v in decoded]


def header_value(msg: Message, name: str) -> str | None:
    """The first decoded value of a header, or None when it is absent."""
    values = header_values(msg, name)
    return values[0] if values else None


def _structured_addresses(msg: Message, name: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for header in msg.get_all(name) or []:
        parsed = getattr(header, "addresses", None)
        if parsed is None:  # not an address header under this policy (Delivered-To)
            pairs.extend(getaddresses([str(header)]))
        else:
            pairs.extend((a.display_name, a.addr_spec) for a in parsed)
    return pairs


def _scavenged_addresses(value: str) -> list[tuple[str, str]]:
    """Addresses found by pattern in a header too broken to parse."""
    display = value.split("<", 1)[0].strip().strip('"').strip() if "<" in value else ""
    return [(display, match.group(0)) for match in _ADDR_SPEC.finditer(value)]


def addresses(msg: Message, name: str) -> list[tuple[str, str]]:
    """(display name, lowercased addr-spec) pairs from an address header; junk skipped."""
    try:
        pairs = _structured_addresses(msg, name)
    except Exception:  # the default policy raised on a malformed header
        pairs = []
    result = [
        (one_line(clean_str(display)), clean_str(addr).strip().lower())
        for display, addr in pairs
        if _ADDR_SPEC.fullmatch(clean_str(addr).strip())
    ]
    if not result:
        for value in header_values(msg, name):
            result.extend((d, a.lower()) for d, a in _scavenged_addresses(value))
    return result


def message_ids(value: str | None) -> list[str]:
    """Message-IDs in a Message-ID / In-Reply-To / References value, without <>."""
    if not value:
        return []
    found = _MSG_ID.findall(value)
    if found:
        return list(dict.fromkeys(found))
    bare = strip_controls(value).strip()
    return [bare] if bare and " " not in bare and "@" in bare else []
