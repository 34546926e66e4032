"""Which files may be attached, decided from their content, never from their name.

Accepted: images (PNG, JPEG, GIF, WebP), PDF, text and logs (.txt .log .csv .json) and
archives (.zip .tar.gz .tgz .gz .7z). Executables, scripts, HTML, SVG and anything
unrecognised are refused. The stored content type comes from the detected kind, and the
filename is sanitised and given an extension that matches its content.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

import filetype

from app.i18n import N_, Msg

HEAD_BYTES = 64 * 1024
"""How much of the start of a file is inspected before its kind is decided."""

ACCEPTED = N_(
    "images (PNG, JPEG, GIF, WebP), PDF, text and logs (.txt, .log, .csv, .json) "
    "and archives (.zip, .tar.gz, .tgz, .gz, .7z)"
)
MAX_NAME_CHARS = 180


class Refused(Exception):
    """The file may not be attached; ``reason`` completes "it ..." for the user (a catalogue
    entry: ``N_`` or ``Msg``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Kind:
    label: str
    content_type: str
    extensions: tuple[str, ...]
    """Names must end in one of these; the first is added to a name that does not."""
    text: bool = False


PNG = Kind("PNG image", "image/png", (".png",))
JPEG = Kind("JPEG image", "image/jpeg", (".jpg", ".jpeg"))
GIF = Kind("GIF image", "image/gif", (".gif",))
WEBP = Kind("WebP image", "image/webp", (".webp",))
PDF = Kind("PDF document", "application/pdf", (".pdf",))
ZIP = Kind("ZIP archive", "application/zip", (".zip",))
GZIP = Kind("gzip archive", "application/gzip", (".gz", ".tgz"))
SEVEN_Z = Kind("7z archive", "application/x-7z-compressed", (".7z",))
TEXT = Kind("text", "text/plain", (".txt", ".log", ".csv", ".json"), text=True)

_BY_DETECTED_EXTENSION = {
    "png": PNG,
    "apng": PNG,
    "jpg": JPEG,
    "gif": GIF,
    "webp": WEBP,
    "pdf": PDF,
    "zip": ZIP,
    "gz": GZIP,
    "7z": SEVEN_Z,
}
_TEXT_TYPES = {".csv": "text/csv", ".json": "application/json"}
INLINE_TYPES = frozenset(kind.content_type for kind in (PNG, JPEG, GIF, WEBP))
"""Shown in the browser when opened; every other kind is downloaded."""

_EXECUTABLE_MAGIC = (
    b"\x7fELF",  # Linux and other Unix programs
    b"\xfe\xed\xfa\xce",  # Mach-O (macOS programs), both byte orders and widths
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # Mach-O universal binary / Java class
    b"\x00asm",  # WebAssembly
)
_FORBIDDEN_CONTROLS = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f]")
"""Control characters that do not occur in text or logs (tab, newlines, form feed and the
escape of coloured logs do)."""
_MARKUP_START = re.compile(r"\A\s*<[A-Za-z!?/]")
_DOCUMENT_MARKUP = re.compile(r"<(?:!doctype|html|svg|\?xml|head|body)\b", re.IGNORECASE)
_SNIFF_WINDOW = 1445  # the bytes a browser inspects when it guesses a type (WHATWG)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class Inspection:
    """The kind of one file, decided from its head; text files are checked to their end
    through ``feed`` and ``finish`` (a binary tail refuses them)."""

    def __init__(self, kind: Kind, encoding: str | None = None) -> None:
        self.kind = kind
        self.encoding = encoding
        self._decoder = _decoder(encoding) if encoding else None

    @property
    def content_type(self) -> str:
        if self.encoding is None:
            return self.kind.content_type
        charset = "utf-8" if self.encoding in ("utf-8", "utf-8-sig") else self.encoding
        return f"{self.kind.content_type}; charset={charset}"

    def feed(self, chunk: bytes) -> None:
        self._check(chunk, final=False)

    def finish(self) -> None:
        self._check(b"", final=True)

    def _check(self, chunk: bytes, *, final: bool) -> None:
        if self._decoder is None:
            return
        try:
            text = self._decoder.decode(chunk, final)
        except UnicodeDecodeError:
            if self.encoding != "utf-8":
                raise Refused(N_("is not readable text")) from None
            # Valid UTF-8 at the start, 8-bit text further on: an old log. Keep it as such.
            self.encoding = "windows-1252"
            self._decoder = _decoder(self.encoding)
            text = self._decoder.decode(chunk, final)
        if _FORBIDDEN_CONTROLS.search(text):
            raise Refused(N_("is not readable text (it contains binary data)"))


def inspect(head: bytes) -> Inspection:
    """Decide the kind from the first bytes of a file; raise ``Refused`` saying why not."""
    if not head:
        raise Refused(N_("is empty"))
    if head.startswith(_EXECUTABLE_MAGIC) or _is_windows_program(head):
        raise Refused(N_("is an executable program"))
    # A text file may start with letters that some binary format also uses (MZ, BM, ...).
    guessed = None if head.startswith(b"MZ") else filetype.guess(head)
    if guessed is not None and guessed.extension in _BY_DETECTED_EXTENSION:
        return Inspection(_BY_DETECTED_EXTENSION[guessed.extension])
    try:
        return _inspect_text(head)
    except _NotText:
        pass
    if guessed is not None:
        raise Refused(
            Msg(
                "is a .{extension} file; accepted are {accepted}",
                extension=guessed.extension,
                accepted=Msg(ACCEPTED),
            )
        )
    raise Refused(
        Msg(
            "is not a kind of file that is accepted; accepted are {accepted}",
            accepted=Msg(ACCEPTED),
        )
    )


class _NotText(Exception):
    pass


def _inspect_text(head: bytes) -> Inspection:
    encoding = "utf-8"
    for bom, name in _BOMS:
        if head.startswith(bom):
            encoding = "utf-8-sig" if name == "utf-8" else name
            break
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(head)
    except UnicodeDecodeError:
        encoding = "windows-1252"
        text = head.decode("latin-1")
    if _FORBIDDEN_CONTROLS.search(text):
        raise _NotText
    if text.lstrip().startswith("#!"):
        raise Refused(N_("is a script (it starts with #!)"))
    window = text[:_SNIFF_WINDOW]
    if _MARKUP_START.match(window) or _DOCUMENT_MARKUP.search(window):
        svg = "<svg" in window.lower()
        raise Refused(N_("is an SVG image") if svg else N_("is a web page (HTML or XML markup)"))
    inspection = Inspection(TEXT, encoding)
    inspection.feed(head)
    return inspection


def _decoder(encoding: str) -> codecs.IncrementalDecoder:
    # Windows-1252 leaves five bytes undefined; Latin-1 decodes every byte, for checking.
    return codecs.getincrementaldecoder("latin-1" if encoding == "windows-1252" else encoding)()


def _is_windows_program(head: bytes) -> bool:
    """MZ and a binary header: Windows and DOS programs and libraries (a text file may well
    start with the letters MZ)."""
    return head.startswith(b"MZ") and any(byte < 0x09 for byte in head[2:64])


def name_and_type(inspection: Inspection, filename: str) -> tuple[str, str]:
    """(filename, content type): the name gains the kind's extension when its own does not
    match the content; text takes its precise type (CSV, JSON) from the extension."""
    kind = inspection.kind
    if not filename.lower().endswith(kind.extensions):
        filename = _fit(filename, kind.extensions[0])
    content_type = inspection.content_type
    if kind.text:
        suffix = next(ext for ext in kind.extensions if filename.lower().endswith(ext))
        specific = _TEXT_TYPES.get(suffix)
        if specific:
            content_type = content_type.replace(kind.content_type, specific, 1)
    return filename, content_type


_UNSAFE_CHARS = re.compile(r'[<>:"|?*\\/]')
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\.|$)", re.IGNORECASE)


def sanitise_filename(raw: str | None) -> str:
    """A name safe to store, show and put in a header: no path, no control or invisible
    characters (such as right-to-left overrides), no leading dots, bounded length."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(_visible(ch) for ch in name)
    name = _UNSAFE_CHARS.sub("_", name)
    name = " ".join(name.split()).strip(" .")
    if _WINDOWS_RESERVED.match(name):
        name = f"_{name}"
    if not name:
        return "attachment"
    return _fit(name, "")


def _visible(ch: str) -> str:
    category = unicodedata.category(ch)
    if category.startswith("Z"):
        return " "
    return "" if category.startswith("C") else ch


def _fit(name: str, suffix: str) -> str:
    """``name + suffix`` within the length bound, cutting the stem rather than the extension."""
    if len(name) + len(suffix) <= MAX_NAME_CHARS:
        return name + suffix
    stem, dot, extension = name.rpartition(".")
    if dot and 0 < len(extension) <= 10:
        keep = MAX_NAME_CHARS - len(suffix) - len(extension) - 1
        return f"{stem[:keep].rstrip(' .')}.{extension}{suffix}"
    return name[: MAX_NAME_CHARS - len(suffix)].rstrip(" .") + suffix
