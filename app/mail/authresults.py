"""Whether our own receiving mail server vouches for the From address of a message.

Anyone can write an ``Authentication-Results`` header (RFC 8601), so only the one added by the
server named in ``MAIL_AUTHSERV_ID`` counts, and only the topmost header with that id: a server
prepends its header above the message it received, so a header the sender wrote always stands
below the real one. RFC 8601 §5 also asks that server to delete headers that carry its id on the
way in; taking only the topmost one still holds where it does not. A header with another id is
never read, and a malformed one with our id proves nothing (it is not skipped for one below it).

The From address is proven when that header says ``dmarc=pass`` for the From domain
(``header.from``), or ``dkim=pass`` with a signing domain (``header.d``, else the domain of
``header.i``) that is exactly the From domain, and no ``dmarc=fail``. A message with more than
one From address proves nothing. Parsing is the ``authres`` package's (RFC 8601 grammar).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import authres

_COMMENT = re.compile(r"\([^()]*\)")


@dataclass(frozen=True)
class Verdict:
    proven: bool
    why: str  # for admins: what the trusted header said, or why none counted


def _domain(value: str) -> str:
    """A domain compared the way DNS compares it: case-insensitive, ASCII (IDNA) form."""
    name = value.strip().strip('"').rstrip(".").lower()
    try:
        return name.encode("idna").decode("ascii")
    except UnicodeError:
        return name


def _authserv_id(value: str) -> str:
    """The authserv-id of a header value, found leniently (before a strict parse)."""
    head = value.split(";", 1)[0]
    while _COMMENT.search(head):  # nested comments, innermost first
        head = _COMMENT.sub(" ", head)
    words = head.split()
    return _domain(words[0]) if words else ""


def _props(result: authres.AuthenticationResult) -> dict[str, str]:
    return {f"{p.type}.{p.name}".lower(): str(p.value) for p in result.properties}


def _signing_domain(props: dict[str, str]) -> str | None:
    if "header.d" in props:
        return _domain(props["header.d"])
    if "header.i" in props:
        return _domain(props["header.i"].rpartition("@")[2])
    return None


def verdict(
    headers: Sequence[str], *, authserv_id: str | None, from_addresses: Sequence[str]
) -> Verdict:
    """``headers``: the values of the message's top-level Authentication-Results headers,
    topmost first. ``from_addresses``: every address in its From header(s)."""
    if not authserv_id:
        return Verdict(False, "MAIL_AUTHSERV_ID is not set")
    trusted = _domain(authserv_id)
    value = next((v for v in headers if _authserv_id(v) == trusted), None)
    if value is None:
        return Verdict(False, f"no Authentication-Results from {authserv_id}")
    if len(from_addresses) != 1:
        return Verdict(False, "the message does not have exactly one From address")
    from_domain = _domain(from_addresses[0].rpartition("@")[2])
    if not from_domain:
        return Verdict(False, "the From address has no domain")
    try:
        parsed = authres.AuthenticationResultsHeader.parse_value(value)
    except Exception:  # authres raises its own SyntaxError, and more on junk
        return Verdict(False, f"malformed Authentication-Results from {authserv_id}")
    results = [(r.method.lower(), str(r.result).lower(), _props(r)) for r in parsed.results]
    said = "; ".join(f"{method}={result}" for method, result, _ in results) or "none"
    if any(method == "dmarc" and result == "fail" for method, result, _ in results):
        return Verdict(False, f"{authserv_id} says {said}")
    for method, result, props in results:
        if result != "pass":
            continue
        if method == "dmarc" and _domain(props.get("header.from", "")) == from_domain:
            return Verdict(True, f"{authserv_id}: dmarc=pass for {from_domain}")
        if method == "dkim" and _signing_domain(props) == from_domain:
            return Verdict(True, f"{authserv_id}: dkim=pass for {from_domain}")
    return Verdict(False, f"{authserv_id} says {said}, which does not vouch for {from_domain}")
