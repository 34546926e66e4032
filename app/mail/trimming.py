"""Cut quoted history and signatures from a plain-text email reply.

The approach follows discourse/email_reply_trimmer: every line is classified
(empty, delimiter, mobile signature, embedded-email marker such as
"On <date>, <name> wrote:", email header, quote, text), and a handful of rules
over that sequence of classes decide where the newly written text ends.
Multi-line attribution headers are joined into one line before classifying.
"""

from __future__ import annotations

import re

from app.i18n import LANGUAGES, N_, Translator

MARKER_TEXT = N_("Please type your reply above this line")


def reply_marker(language: str = "en") -> str:
    """The line at the top of every notification, in the recipient's language."""
    return f"##- {Translator(language)._(MARKER_TEXT)} -##"


REPLY_MARKER = reply_marker()
# Any shipped language's marker ends the reply: a German client may answer an English mail.
_MARKER_RE = re.compile(
    "|".join(re.escape(Translator(language)._(MARKER_TEXT)) for language in LANGUAGES),
    re.IGNORECASE,
)

# Line classes.
EMPTY = "e"
DELIMITER = "d"
SIGNATURE = "s"
EMBEDDED = "b"
HEADER = "h"
QUOTE = "q"
TEXT = "t"

_MAX_ATTRIBUTION_CHARS = 320
_MAX_WRAPPED_LINES = 4
_MAX_TEXT_LINES_AFTER_QUOTE = 6

_EMAIL = r"[\w.+%'-]+@[\w-]+(?:\.[\w-]+)+"
_EMAIL_RE = re.compile(_EMAIL)

# "wrote" in the languages the big mail clients are localised into.
_LATIN_VERBS = (
    r"wrote|writes|said|says|schrieb|schrieben\s+sie|geschrieben|a\s+[ée]crit|nous\s+a\s+dit"
    r"|escribi[óo]|escreveu|ha\s+scritto|scrisse|schreef|(?:het\s+volgende\s+)?geschreven"
    r"|napisa[łl](?:\s*\(a\)|a)?|pisze|napsal[a]?|nap[íi]sal[a]?|skrev"
    r"|написал(?:\s*\(\u0430\)|\u0430)?|написав|написала|пишет|пише"
    r"|skriver|kirjoitti|[íi]rta|yazd[\u0131i]"
)
_VERB = rf"(?:(?<!\w)(?:{_LATIN_VERBS})(?![\w(])|写道|寫道|のメッセージ)"
_VERB_ANY_RE = re.compile(_VERB, re.IGNORECASE)
_VERB_FINAL_RE = re.compile(rf"{_VERB}\s*[:\uff1a.]?$", re.IGNORECASE)
_EMAIL_WROTE_RE = re.compile(
    rf"[<(\[]?\s*{_EMAIL}\s*[>)\]]?\s*{_VERB}\s*[:\uff1a]?$", re.IGNORECASE
)
_VIA_WROTE_RE = re.compile(
    rf"^(?:\S.*\svia\s.+|in message .+)\s{_VERB}\s*[:\uff1a]?$", re.IGNORECASE
)

# Words that open an "On <date>, <name> wrote:" line.
_OPENER_RE = re.compile(
    r"^(?:(?:on|at|in message|am|le|el|op|il(?:\s+giorno)?|em|dnia|dňa|w\s+dniu|den|dne|på)\b"
    r"|[在於])",
    re.IGNORECASE,
)
# A line starting with a date: "23 mar 2017 ...", "søn. 30. apr ...", "вт, 5 янв. ...".
_DATE_START_RE = re.compile(r"^(?:\d|[^\W\d_]{2,12}[.,]\s+\d)")
_DATEISH_RE = re.compile(
    r"(?<!\d)(?:1[89]|20)\d{2}(?!\d)"  # a year
    r"|(?<!\d)\d{1,2}[:.h]\d{2}(?!\d)"  # a time
    r"|(?<!\d)\d{1,2}[./-]\d{1,2}[./-]\d{2,4}(?!\d)"  # a numeric date
)
# Gmail without a verb: "2016-10-24 15:36 GMT+02:00 Foo <foo@bar>:", "вт, 5 янв. 2016 ..., Name
# <a@b.c>:", "2013/7/20 sam via Discourse Meta <info@discourse.org>".
_DATE_EMAIL_RE = re.compile(
    rf"(?<!\d)(?:1[89]|20)\d{{2}}(?!\d).{{1,160}}<\s*{_EMAIL}\s*>\s*[:\uff1a]$"
    rf"|^\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}\b.{{0,160}}<\s*{_EMAIL}\s*>\s*[:\uff1a]?$"
    r"|^\d{4}-\d\d-\d\d \d{1,2}:\d\d GMT[+-]\d{1,2}:?\d\d\s+[\w\s.'-]+$"
)
_POSTED_BY_RE = re.compile(r"^posted by .+ on \d{2}/\d{2}/\d{4}$", re.IGNORECASE)
_FORWARD_RE = re.compile(
    r"^-*\s*(?:begin forwarded message|d[ée]but du message (?:transf[ée]r[ée]|r[ée]exp[ée]di[ée])"
    r"|anfang der weitergeleiteten (?:nachricht|e-mail)|inicio del mensaje reenviado"
    r"|in[íi]cio da mensagem reencaminhada|(?:forwarded|original|reply) message"
    r"|message (?:transf[ée]r[ée]|d'origine|original)|urspr[üu]ngliche nachricht"
    r"|weitergeleitete nachricht|mensaje (?:original|reenviado)|mensagem (?:original|encaminhada)"
    r"|messaggio (?:originale|inoltrato)|oorspronkelijk bericht|doorgestuurd bericht"
    r"|originalmeddelande|vidarebefordrat meddelande|original meddelelse|videresendt (?:melding|"
    r"meddelelse)|opprinnelig melding|wiadomo[śs][ćc] (?:oryginalna|przekazana)"
    r"|исходное сообщение|пересылаемое сообщение|переслане повідомлення|原始邮件|原始郵件"
    r"|转发的邮件)\s*-*[\s*]*[:\uff1a]?$",
    re.IGNORECASE,
)

_ATTR_LEAD_RE = re.compile(r"^[\s>*|]+")
_ATTR_TRAIL_RE = re.compile(r"[\s*\u2013\u2014-]+$")
_QUOTE_LEAD_RE = re.compile(r"^[\s>]+")
_DASHES = "-\u2013\u2014 \t"

_DELIMITER_RE = re.compile(r"^\s*[-_=+~#*,\u1427\u2013\u2014]+\s*$")
# "> text", supercite "Bob> text", and "| text" (but not a "| a | b |" table row).
_QUOTE_RE = re.compile(r"^\s*(?:[^\W\d_]{0,10}>|\|(?!.*\|\s*$))")
_CODE_OPEN_RE = re.compile(r"^```")
_CODE_CLOSE_RE = re.compile(r"^\s{0,3}```\s*$")
_MARKDOWN_LINK_RE = re.compile(r"\[([^\]]+)\]\([^)]*\)")

_SIGNATURE_RE = re.compile(
    r"^\s*(?:"
    r"[(<\[]*\s*sent (?:from|via|with|by|using) \S.*"
    r"|\w+ from (?:my )?mobile\b.*"
    r"|from my [\w-]+(?: [\w-]+)?"
    r"|get outlook for \S.*"
    r"|envoy[ée] (?:depuis|de|avec) (?:mon|ma|yahoo|outlook|\S+ pour) .*"
    r"|von meinem .+ gesendet.*|gesendet (?:von|mit) (?:meinem|\S+ f[üu]r) .*"
    r"|diese nachricht wurde von .+ gesendet.*"
    r"|inviato da\S* .*|enviado (?:do|de|desde) (?:meu|mi|o|el) .*|enviado desde .*"
    r"|sendt fra (?:min|mi|\S+ for) .*|skickat fr[åa]n (?:min|\S+ f[öo]r) .*|fr[åa]n min .*"
    r"|verzonden (?:met|vanaf mijn) .*|verstuurd (?:met|vanaf mijn) .*"
    r"|wys[łl]ane z (?:mojego )?\S+.*|отправлено (?:\u0441|из) .*|надіслано (?:з|із) .*"
    r"|從我的\s*\S+\s*傳送|发自我的\s*\S+|\S+\s*から送信"
    r")\s*$",
    re.IGNORECASE,
)
_MAX_SIGNATURE_WORDS = 12

_HEADER_DATE_LABELS = (
    r"sent|date|sendt|gesendet|datum|envoy[ée]|enviad[oa](?: em)?|fecha|data|inviato|verzonden"
    r"|skickat|dato|wys[łl]ano|отправлено|дата|надіслано|lähetetty|发送时间|日期|le"
)
_HEADER_TEXT_LABELS = (
    r"from|to|cc|bcc|reply-to|subject|fra|til|emne|kopi|de|exp[ée]diteur|[àa]|destinataire"
    r"|r[ée]pondre [àa]|objet|von|an|betreff|kopie|para|assunto|asunto|da|risposta|oggetto|van"
    r"|aan|beantwoorden - aan|onderwerp|från|till|ämne|kopia|od|do|temat|dw|от|кому|тема|копия"
    r"|від|lähettäjä|vastaanottaja|aihe|发件人|收件人|抄送|主题|寄件者|收件者|主旨"
)
_HEADER_RE = re.compile(
    rf"^[ \t*]*(?:(?:{_HEADER_DATE_LABELS})[ \t*\u00a0]*[:\uff1a].*\d"
    rf"|(?:{_HEADER_TEXT_LABELS})[ \t*\u00a0]*[:\uff1a].*\w)",
    re.IGNORECASE,
)

_PGP_HEAD_RE = re.compile(r"\A-----BEGIN PGP SIGNED MESSAGE-----\n(?:Hash: [\w-]+\n)?\s*")
_PGP_SIG_RE = re.compile(
    r"^-----BEGIN PGP SIGNATURE-----$.*?^-----END PGP SIGNATURE-----$", re.MULTILINE | re.DOTALL
)


def is_header_line(line: str) -> bool:
    """Whether a line is a mail header as clients quote it ("From: …", "Gesendet: …")."""
    return bool(_HEADER_RE.match(line.replace("**", "")))


def normalize_newlines(text: str) -> str:
    """Turn CRLF and lone CR line endings into LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _starts_like_header(s: str) -> bool:
    return bool(_OPENER_RE.match(s) or _DATE_START_RE.match(s))


def is_attribution(line: str) -> bool:
    """Whether a line introduces quoted or forwarded mail ("On <date>, <name> wrote:")."""
    s = _ATTR_LEAD_RE.sub("", line)
    if _FORWARD_RE.match(s):
        return True
    s = _ATTR_TRAIL_RE.sub("", s.lstrip(_DASHES))
    if not 6 <= len(s) <= _MAX_ATTRIBUTION_CHARS:
        return False
    if _POSTED_BY_RE.match(s) or _DATE_EMAIL_RE.search(s):
        return True
    dated = bool(_DATEISH_RE.search(s))
    anchored = _starts_like_header(s) or bool(_EMAIL_RE.search(s))
    if _VERB_FINAL_RE.search(s):
        if _EMAIL_WROTE_RE.search(s) or _VIA_WROTE_RE.match(s):
            return True
        return dated and anchored
    # Verb in the middle: "Am 18.09.2013 um 16:24 schrieb Name <a@b.c>:".
    return s[-1] in ":\uff1a" and dated and anchored and bool(_VERB_ANY_RE.search(s))


def _may_start_attribution(line: str) -> bool:
    s = _ATTR_LEAD_RE.sub("", line).strip(_DASHES)
    if not 4 <= len(s) <= 200:
        return False
    if _EMAIL_RE.search(s) or s.endswith("<"):
        return True
    return _starts_like_header(s) and bool(_DATEISH_RE.search(s))


def _quote_depth(line: str) -> int:
    lead = _QUOTE_LEAD_RE.match(line)
    return lead.group().count(">") if lead else 0


def _strip_quote_depth(line: str, depth: int) -> str:
    """The line without its first ``depth`` quote marks: a wrapped "<a@b.c\n>:" keeps its ">"."""
    s = line.lstrip()
    for _ in range(depth):
        s = s[1:].lstrip() if s.startswith(">") else s
    return s.strip()


def _is_fragment(line: str) -> bool:
    """An attribution's tail with no name or address of its own ("10:15写道")."""
    rest = _VERB_ANY_RE.sub("", line)
    return not _EMAIL_RE.search(rest) and not re.search(r"[^\W\d_]{2,}", rest)


def _wrapped_attribution(lines: list[str], i: int) -> tuple[int, str] | None:
    """If lines[i] opens an attribution wrapped onto the next lines, return (last index, joined)."""
    line = lines[i]
    if is_attribution(line) or not _may_start_attribution(line):
        return None
    parts = [line.rstrip()]
    depth = _quote_depth(line)
    for j in range(i + 1, min(i + 1 + _MAX_WRAPPED_LINES, len(lines))):
        nxt = _strip_quote_depth(lines[j], depth)
        if len(nxt) > 100 or (_OPENER_RE.match(nxt) and _DATEISH_RE.search(nxt)):
            return None
        opened = " ".join(parts)
        continues = opened.count("<") > opened.count(">") or nxt[:1] in ("<", "(", "[")
        if is_attribution(nxt) and not continues and not _is_fragment(nxt):
            return None  # a complete attribution of its own, not the end of this one
        if not nxt:
            continue
        parts.append(nxt)
        candidate = " ".join(parts)
        if len(candidate) > _MAX_ATTRIBUTION_CHARS:
            return None
        if is_attribution(candidate):
            return j, candidate
    return None


def join_wrapped_attributions(lines: list[str]) -> list[str]:
    """Merge attributions that a client wrapped over several lines into one line each."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        wrapped = _wrapped_attribution(lines, i)
        if wrapped is None:
            out.append(lines[i])
            i += 1
        else:
            last, joined = wrapped
            out.append(joined)
            i = last + 1
    return out


def _is_signature(line: str) -> bool:
    """Mobile-client and webmail taglines ("Sent from my iPhone", "Get Outlook for iOS")."""
    stripped = _MARKDOWN_LINK_RE.sub(r"\1", line).strip()
    if len(stripped.split()) > _MAX_SIGNATURE_WORDS or stripped.endswith(("?", "!")):
        return False
    return bool(_SIGNATURE_RE.match(stripped))


def _classify(line: str) -> str:
    if not line.strip():
        return EMPTY
    if _DELIMITER_RE.match(line):
        return DELIMITER
    if _is_signature(line):
        return SIGNATURE
    if is_attribution(line):
        return EMBEDDED
    if _HEADER_RE.match(line):
        return HEADER
    if _QUOTE_RE.match(line):
        return QUOTE
    return TEXT


def _classify_all(lines: list[str]) -> list[str]:
    """Classify each line; everything inside a closed ``` fence counts as text."""
    kinds = [_classify(line) for line in lines]
    i = 0
    while i < len(lines):
        if _CODE_OPEN_RE.match(lines[i]):
            close = next(
                (j for j in range(i + 1, len(lines)) if _CODE_CLOSE_RE.match(lines[j])), None
            )
            if close is not None:
                kinds[i : close + 1] = [TEXT] * (close + 1 - i)
                i = close
        i += 1
    return kinds


def _cut_after_attribution(kinds: list[str]) -> int | None:
    """Index just past the text that precedes the attribution of the quoted history.

    Two shapes: text, blank lines, an attribution with no quote after it (the quoted
    mail is pasted unindented), or an attribution followed only by quotes, headers and
    blank lines plus a few trailing text lines (a footer after the quote).
    """
    last_q = max((i for i, k in enumerate(kinds) if k == QUOTE), default=-1)
    for i, kind in enumerate(kinds):
        if kind != TEXT:
            continue
        j = i + 1
        while j < len(kinds) and kinds[j] == EMPTY:
            j += 1
        if j < len(kinds) and kinds[j] == EMBEDDED and j > last_q:
            return i + 1
    marked = (QUOTE, EMBEDDED, HEADER)
    last_marked = max((i for i, k in enumerate(kinds) if k in marked), default=-1)
    if last_marked < 0 or kinds[last_marked + 1 :].count(TEXT) > _MAX_TEXT_LINES_AFTER_QUOTE:
        return None
    last_t = max((i for i in range(last_marked) if kinds[i] == TEXT), default=-1)
    if last_t < 0:
        return None
    j = last_t + 1
    while kinds[j] == EMPTY:
        j += 1
    return last_t + 1 if kinds[j] == EMBEDDED else None


def _drop(lines: list[str], kinds: list[str], drop: set[int]) -> tuple[list[str], list[str]]:
    keep = [i for i in range(len(lines)) if i not in drop]
    return [lines[i] for i in keep], [kinds[i] for i in keep]


def _trim_lines(lines: list[str]) -> list[str]:
    kinds = _classify_all(lines)

    # Everything after a delimiter ("-- ", "____", "-----") is a signature or old mail,
    # unless nothing was written before it.
    while DELIMITER in kinds:
        i = kinds.index(DELIMITER)
        if any(k in (TEXT, QUOTE, EMBEDDED, HEADER) for k in kinds[:i]):
            lines, kinds = lines[:i], kinds[:i]
        else:
            lines, kinds = _drop(lines, kinds, {i})

    lines, kinds = _drop(lines, kinds, {i for i, k in enumerate(kinds) if k == SIGNATURE})
    while kinds and kinds[0] == EMPTY:
        lines, kinds = lines[1:], kinds[1:]

    # Bottom-posting: an attribution, the quote, then the reply at the very end.
    pattern = "".join(kinds)
    if re.fullmatch(r"b[^t]+t[te]*", pattern):
        first_text = pattern.index(TEXT)
        lines, kinds = lines[first_text:], kinds[first_text:]

    cut = _cut_after_attribution(kinds)
    if cut is not None:
        lines, kinds = lines[:cut], kinds[:cut]

    # A quote (or attribution) ending the mail after some text is history, not an answer.
    end = len(kinds)
    while end > 0 and kinds[end - 1] in (QUOTE, EMBEDDED, EMPTY):
        end -= 1
    if end < len(kinds) and TEXT in kinds[:end]:
        lines, kinds = lines[:end], kinds[:end]

    lines, kinds = _drop(lines, kinds, {i for i, k in enumerate(kinds) if k == EMBEDDED})
    return _trim_header_blocks(lines, kinds)


def _absorb_wrapped_header_values(kinds: list[str]) -> None:
    """In a paragraph that starts and ends with header lines, the lines between are
    wrapped header values ("To: a@b.c;\n c@d.e"): mark them as headers too."""
    start = 0
    while start < len(kinds):
        if kinds[start] == EMPTY:
            start += 1
            continue
        end = start
        while end < len(kinds) and kinds[end] != EMPTY:
            end += 1
        block = kinds[start:end]
        if block[0] == HEADER and block[-1] == HEADER and block.count(HEADER) >= 2:
            kinds[start:end] = [HEADER if k == TEXT else k for k in block]
        start = end


def _trim_header_blocks(lines: list[str], kinds: list[str]) -> list[str]:
    """Cut at an Outlook-style From:/Sent:/To:/Subject: block; drop other header runs."""
    _absorb_wrapped_header_values(kinds)
    pattern = "".join(kinds)
    m = re.search(r"t[eq]*h{3,}", pattern)
    if m:
        lines, kinds = lines[: m.start() + 1], kinds[: m.start() + 1]
        pattern = "".join(kinds)
    # A lone "To: ..." line is more likely prose than a header; runs of two or more are not.
    drop = {i for m in re.finditer(r"h{2,}", pattern) for i in range(m.start(), m.end())}
    lines, kinds = _drop(lines, kinds, drop)
    end = len(kinds)
    while end > 0 and kinds[end - 1] in (QUOTE, EMPTY):
        end -= 1
    if TEXT in kinds[:end]:
        lines = lines[:end]
    return lines


def _preprocess(text: str) -> str:
    text = _PGP_HEAD_RE.sub("", text)
    return _PGP_SIG_RE.sub("", text)


def _cut_marker(text: str) -> str:
    """Text above the line holding our marker (matched loosely: HTML conversion and
    quoting may escape or decorate the ##- -## ends)."""
    match = _MARKER_RE.search(text)
    if match is None:
        return text
    return text[: text.rfind("\n", 0, match.start()) + 1]


def _trim(text: str) -> str:
    lines = join_wrapped_attributions(_preprocess(text).strip("\n").split("\n"))
    return "\n".join(line.rstrip() for line in _trim_lines(lines)).strip()


def trim_reply(text: str) -> str:
    """Return only what the sender newly wrote in a plain-text reply.

    Cuts at our own reply marker, at attributions ("On ... wrote:") and quoted history,
    at Outlook header blocks and forwarded-message separators, and drops signatures and
    trailing quotes, while keeping quotes the sender answered inline. Never returns an
    empty string for a non-blank input: it falls back to the text above the marker (unless
    that is only quoted lines: then the answer is looked for below the marker), then to the
    whole text. Whether a reply says nothing new at all is is_quote_only's question.
    """
    text = normalize_newlines(text)
    above_marker = _cut_marker(text)
    trimmed = _trim(above_marker)
    if trimmed:
        return trimmed
    if above_marker.strip() and not is_quote_only(above_marker):
        return above_marker.strip()
    # Nothing written above the marker (or only an attribution and the quoted marker line):
    # the answer, if any, is below it (bottom-posting).
    lines = text.split("\n")
    without_marker = "\n".join(line for line in lines if not _MARKER_RE.search(line))
    return _trim(without_marker) or without_marker.strip() or text.strip()


_MAX_SIGNATURE_LINES = 6


def _history_starts(kinds: list[str], i: int) -> bool:
    """Whether kinds[i] opens a quoted header block (three header lines, or two right
    after a separator or a forward line), or is an attribution that ends the mail or opens
    a header block. An attribution followed by plain text may be a bottom-posted answer."""
    if kinds[i] == HEADER:
        run = len(kinds[i:]) - len("".join(kinds[i:]).lstrip(HEADER))
        after_separator = i > 0 and kinds[i - 1] in (DELIMITER, EMBEDDED)
        return run >= 3 or (run >= 2 and after_separator)
    if kinds[i] == EMBEDDED:
        following = next((k for k in kinds[i + 1 :] if k != EMPTY), EMPTY)
        return following in (HEADER, EMPTY)
    return False


def is_quote_only(text: str, *, quoted: bool = False) -> bool:
    """Whether a reply holds nothing the sender wrote: only quoted history, attributions,
    our marker and a signature ("-- " and what follows it, "Sent from my iPhone").

    ``quoted`` says history was already removed elsewhere (an HTML quote); otherwise at
    least one quote, attribution or quoted header block must be present. Stricter than
    trim_reply's fallback: any line that might be the sender's words makes this False.
    """
    text = _preprocess(normalize_newlines(text))
    lines = join_wrapped_attributions(text.strip("\n").split("\n"))
    kinds = _classify_all(lines)
    _absorb_wrapped_header_values(kinds)
    signature_lines = -1  # -1: not in a signature; else text lines seen since "-- "
    for i, kind in enumerate(kinds):
        if _MARKER_RE.search(lines[i]) or kind in (EMPTY, SIGNATURE):
            continue
        if _history_starts(kinds, i):
            return True  # everything from here on is the quoted mail
        if kind in (QUOTE, EMBEDDED):
            quoted, signature_lines = True, -1
        elif kind == DELIMITER:
            signature_lines = 0
        elif signature_lines >= 0 and signature_lines < _MAX_SIGNATURE_LINES:
            signature_lines += 1
        else:
            return False
    return quoted
