import io
import zipfile

import pytest

from dps_portal.documents import sniffing
from tests.documents import samples

ACCEPTED = [
    ("pdf", samples.pdf_bytes, sniffing.PDF, "pdf"),
    ("docx", samples.docx_bytes, sniffing.DOCX, "docx"),
    ("xlsx", samples.xlsx_bytes, sniffing.XLSX, "xlsx"),
    ("odt", samples.odf_bytes, sniffing.ODT, "odt"),
    ("png", lambda: samples.image_bytes("PNG"), sniffing.PNG, "png"),
    ("jpeg", lambda: samples.image_bytes("JPEG"), sniffing.JPEG, "jpg"),
]


@pytest.mark.parametrize(
    ("make", "media_type", "extension"),
    [case[1:] for case in ACCEPTED],
    ids=[case[0] for case in ACCEPTED],
)
def test_allowed_types_are_known_by_their_bytes(make, media_type, extension):
    kind = sniffing.sniff_bytes(make())

    assert kind is not None
    assert (kind.media_type, kind.extension) == (media_type, extension)


def _zip_with_content_types_only() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            samples.CONTENT_TYPES_DOCX.format(main=samples.DOCX_MAIN),
        )
    return buffer.getvalue()


REFUSED = [
    ("empty", lambda: b""),
    ("html", lambda: samples.HTML_PAGE),
    ("svg", lambda: samples.SVG_IMAGE),
    ("plain text", lambda: b"Just some words, no format at all.\n"),
    ("windows program", samples.exe_bytes),
    ("gif", lambda: samples.image_bytes("GIF")),
    ("plain zip", samples.plain_zip_bytes),
    ("zip that only claims to be Word", _zip_with_content_types_only),
    ("macro-enabled Word", lambda: samples.docx_bytes(samples.DOCM_MAIN)),
    ("Word with a macro project", lambda: samples.docx_bytes(**{"word/vbaProject.bin": b"x"})),
    ("OpenDocument spreadsheet", lambda: samples.odf_bytes(samples.ODS_MIMETYPE)),
    ("damaged zip", lambda: b"PK\x03\x04" + b"\x00" * 200),
    ("pdf after junk", lambda: b"<html>" + samples.pdf_bytes()),
]


@pytest.mark.parametrize("make", [case[1] for case in REFUSED], ids=[case[0] for case in REFUSED])
def test_other_content_is_refused(make):
    assert sniffing.sniff_bytes(make()) is None


def test_sniffing_leaves_the_stream_at_its_start():
    stream = io.BytesIO(samples.docx_bytes())
    stream.seek(10)

    sniffing.sniff(stream)

    assert stream.tell() == 0
