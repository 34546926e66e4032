"""Small real files of every kind, each with random content so tests never share a blob."""

from __future__ import annotations

import gzip
import io
import os
import struct
import tarfile
import zipfile
import zlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Sample:
    filename: str
    data: bytes
    declared_type: str = "application/octet-stream"
    """What the client claims; the server decides from the content."""


def salt() -> bytes:
    return os.urandom(8).hex().encode()


def png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"tEXt", b"Comment\x00" + salt())
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def jpeg() -> bytes:
    comment = salt()
    return (
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        + b"\xff\xfe"
        + struct.pack(">H", len(comment) + 2)
        + comment
        + b"\xff\xd9"
    )


def gif() -> bytes:
    comment = salt()
    return (
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff"
        + b"\x21\xfe"
        + bytes([len(comment)])
        + comment
        + b"\x00"
        + b"\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00\x3b"
    )


def webp() -> bytes:
    body = b"WEBPVP8L" + struct.pack("<I", 16) + b"\x2f\x00\x00\x00" + salt()[:12]
    return b"RIFF" + struct.pack("<I", len(body)) + body


def pdf() -> bytes:
    return (
        b"%PDF-1.4\n% " + salt() + b"\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
    )


def zip_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", b"inside " + salt())
    return buffer.getvalue()


def tar_gz() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        data = b"log " + salt()
        info = tarfile.TarInfo("app.log")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def gz() -> bytes:
    return gzip.compress(b"a compressed log " + salt())


def seven_z() -> bytes:
    return b"7z\xbc\xaf\x27\x1c\x00\x04" + salt() + bytes(24)


def text(line: str = "The printer says PC LOAD LETTER") -> bytes:
    return f"{line}\n".encode() + salt() + "\nCafé ünïcode ✓\n".encode()


def elf() -> bytes:
    return b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00" + salt() + bytes(40)


def windows_exe() -> bytes:
    header = bytearray(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(48))
    header[0x3C:0x40] = struct.pack("<I", 64)
    return bytes(header) + b"PE\x00\x00" + salt() + bytes(20)


def html() -> bytes:
    return b"<!DOCTYPE html><html><body><script>steal()</script>" + salt() + b"</body></html>"


def svg() -> bytes:
    return (
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="steal()">'
        + salt()
        + b"</svg>"
    )


def sized(size: int) -> bytes:
    """Exactly ``size`` bytes, detected as a gzip archive (no decompression is attempted)."""
    head = b"\x1f\x8b\x08\x00" + salt()
    filler = os.urandom(min(size, 1024 * 1024))
    body = (filler * (size // len(filler) + 1))[: size - len(head)]
    return head + body


ACCEPTED = {
    # name: (sample builder, filename sent, content type stored)
    "png": (png, "screenshot.png", "image/png"),
    "jpeg": (jpeg, "photo.jpeg", "image/jpeg"),
    "gif": (gif, "anim.gif", "image/gif"),
    "webp": (webp, "pic.webp", "image/webp"),
    "pdf": (pdf, "invoice.pdf", "application/pdf"),
    "txt": (text, "notes.txt", "text/plain; charset=utf-8"),
    "log": (text, "server.log", "text/plain; charset=utf-8"),
    "csv": (lambda: text("a,b,c"), "export.csv", "text/csv; charset=utf-8"),
    "json": (
        lambda: b'{"salt": "' + salt() + b'"}',
        "data.json",
        "application/json; charset=utf-8",
    ),
    "zip": (zip_archive, "bundle.zip", "application/zip"),
    "tar.gz": (tar_gz, "logs.tar.gz", "application/gzip"),
    "tgz": (tar_gz, "logs.tgz", "application/gzip"),
    "gz": (gz, "trace.gz", "application/gzip"),
    "7z": (seven_z, "backup.7z", "application/x-7z-compressed"),
}
