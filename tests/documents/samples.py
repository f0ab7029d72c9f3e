"""Real small files of each kind, made here so the tests need no fixtures on disk."""

import io
import zipfile

from PIL import Image
from weasyprint import HTML

from dps_portal.core.roles import Role
from dps_portal.documents.storage import store_document
from tests.factories import make_user

CONTENT_TYPES_DOCX = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
  <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
  <Default Extension="xml" ContentType="application/xml"/>
  <Override PartName="/word/document.xml" ContentType="{main}"/>
</Types>"""
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"

PACKAGE_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
  <Relationship Id="rId1" Target="{target}"
    Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>
</Relationships>"""

WORD_DOCUMENT = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
  <w:body><w:p><w:r><w:t>Employer's liability certificate</w:t></w:r></w:p></w:body>
</w:document>"""

WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
          xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
  <sheets><sheet name="Rates" sheetId="1" r:id="rId1"/></sheets>
</workbook>"""

WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
  <Relationship Id="rId1" Target="worksheets/sheet1.xml"
    Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>
</Relationships>"""

WORKSHEET = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
  <sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Weekly fee</t></is></c></row></sheetData>
</worksheet>"""

ODF_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest manifest:version="1.2"
    xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">
  <manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>
  <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"""

ODF_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
  <office:body><office:text><text:p>Statement of purpose</text:p></office:text></office:body>
</office:document-content>"""

ODT_MIMETYPE = "application/vnd.oasis.opendocument.text"
ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"


def _zip(members: dict[str, str | bytes], stored_first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first is not None:
            archive.writestr(stored_first, members.pop(stored_first), zipfile.ZIP_STORED)
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def pdf_bytes(text: str = "Insurance certificate") -> bytes:
    return HTML(string=f"<p>{text}</p>").write_pdf()


def docx_bytes(main_content_type: str = DOCX_MAIN, **extra: bytes) -> bytes:
    return _zip(
        {
            "[Content_Types].xml": CONTENT_TYPES_DOCX.format(main=main_content_type),
            "_rels/.rels": PACKAGE_RELS.format(target="word/document.xml"),
            "word/document.xml": WORD_DOCUMENT,
            **extra,
        }
    )


def xlsx_bytes() -> bytes:
    content_types = CONTENT_TYPES_DOCX.replace("/word/document.xml", "/xl/workbook.xml").format(
        main=XLSX_MAIN
    )
    return _zip(
        {
            "[Content_Types].xml": content_types,
            "_rels/.rels": PACKAGE_RELS.format(target="xl/workbook.xml"),
            "xl/workbook.xml": WORKBOOK,
            "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
            "xl/worksheets/sheet1.xml": WORKSHEET,
        }
    )


def odf_bytes(mimetype: str = ODT_MIMETYPE) -> bytes:
    return _zip(
        {
            "mimetype": mimetype,
            "META-INF/manifest.xml": ODF_MANIFEST.format(mimetype=mimetype),
            "content.xml": ODF_CONTENT,
        },
        stored_first="mimetype",
    )


def image_bytes(image_format: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 94, 165)).save(buffer, image_format)
    return buffer.getvalue()


def plain_zip_bytes() -> bytes:
    return _zip({"notes.txt": "not a document"})


def exe_bytes() -> bytes:
    # A DOS header pointing at a PE header, which is how every Windows program starts.
    header = bytearray(128)
    header[0:2] = b"MZ"
    header[0x3C] = 0x40
    header[0x40:0x44] = b"PE\x00\x00"
    return bytes(header) + b"\x00" * 256


HTML_PAGE = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
SVG_IMAGE = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)


def store_sample(provider=None, *, data: bytes | None = None, by=None, **fields):
    """A stored document for `provider` (uploaded by one of its users unless `by` is given)."""
    if by is None and provider is not None:
        by = make_user(Role.provider, provider=provider)
    return store_document(
        data if data is not None else pdf_bytes(),
        original_filename=fields.pop("original_filename", "Insurance certificate.pdf"),
        kind=fields.pop("kind", "organisation_document"),
        provider_id=provider.id if provider is not None else None,
        uploaded_by=by,
        **fields,
    )
