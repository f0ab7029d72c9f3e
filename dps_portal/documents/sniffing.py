"""What a file is, decided from its bytes: never from its name or the browser's word."""

import zipfile
import zlib
from dataclasses import dataclass
from io import BytesIO
from typing import BinaryIO

import filetype

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"


@dataclass(frozen=True)
class DocumentType:
    media_type: str
    extension: str
    label: str


ALLOWED_TYPES = {
    kind.media_type: kind
    for kind in (
        DocumentType(PDF, "pdf", "PDF"),
        DocumentType(DOCX, "docx", "Word document"),
        DocumentType(XLSX, "xlsx", "Excel spreadsheet"),
        DocumentType(ODT, "odt", "OpenDocument text"),
        DocumentType(PNG, "png", "PNG image"),
        DocumentType(JPEG, "jpg", "JPEG image"),
    )
}

# Types whose signature is a fixed prefix, which `filetype` reads well.
_SIGNATURE_TYPES = {PDF, PNG, JPEG}
_HEADER_BYTES = 8192
_ZIP_SIGNATURE = b"PK\x03\x04"

# OOXML: the main part and the content type [Content_Types].xml must give it.
_OOXML_MAIN_PARTS = {
    DOCX: (
        "word/document.xml",
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ),
    XLSX: (
        "xl/workbook.xml",
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    ),
}
# Members read whole are small in any real document; a larger one is not trusted.
_MAX_MEMBER_BYTES = 2 * 1024 * 1024


def sniff(stream: BinaryIO) -> DocumentType | None:
    """The allowed type the content is, or None. Leaves the stream at its start."""
    stream.seek(0)
    header = stream.read(_HEADER_BYTES)
    stream.seek(0)
    try:
        if header.startswith(_ZIP_SIGNATURE):
            return _sniff_zip(stream)
        guess = filetype.guess(header)
        if guess is not None and guess.mime in _SIGNATURE_TYPES:
            return ALLOWED_TYPES[guess.mime]
        return None
    finally:
        stream.seek(0)


def sniff_bytes(data: bytes) -> DocumentType | None:
    return sniff(BytesIO(data))


def type_for(media_type: str) -> DocumentType | None:
    return ALLOWED_TYPES.get(media_type)


def _sniff_zip(stream: BinaryIO) -> DocumentType | None:
    """A ZIP is allowed only as a Word, Excel or OpenDocument text file, and only without macros."""
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                return None
            if "[Content_Types].xml" in names:
                content_types = _read_member(archive, "[Content_Types].xml")
                for media_type, (main_part, main_content_type) in _OOXML_MAIN_PARTS.items():
                    if main_part in names and main_content_type in (content_types or b""):
                        return ALLOWED_TYPES[media_type]
                return None
            if "mimetype" in names and "content.xml" in names:
                declared = _read_member(archive, "mimetype")
                if declared is not None and declared.strip() == ODT.encode():
                    return ALLOWED_TYPES[ODT]
            return None
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        EOFError,
        ValueError,
        NotImplementedError,
        RuntimeError,
        OSError,
    ):
        # Damaged, encrypted or compressed in a way we do not read: not a document we accept.
        return None


def _read_member(archive: zipfile.ZipFile, name: str) -> bytes | None:
    info = archive.getinfo(name)
    if info.file_size > _MAX_MEMBER_BYTES:
        return None
    with archive.open(info) as member:
        return member.read(_MAX_MEMBER_BYTES + 1)[:_MAX_MEMBER_BYTES]
