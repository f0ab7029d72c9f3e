"""PDFs drawn by WeasyPrint from Jinja templates in templates/documents/.

The print stylesheet and the font configuration are prepared once per process and reused:
parsing the stylesheet and loading the fonts costs more than drawing a short document."""

import threading
from dataclasses import dataclass
from functools import cache

from flask import render_template
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from dps_portal import ROOT
from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import record_event
from dps_portal.core.navigation import council_name
from dps_portal.documents.models import StoredDocument
from dps_portal.documents.storage import summary, write_document

DOCUMENT_TEMPLATES = ROOT / "templates" / "documents"
PRINT_STYLESHEET = DOCUMENT_TEMPLATES / "print.css"

# WeasyPrint's fonts are shared Pango state: one document is drawn at a time per process.
_drawing = threading.Lock()


@dataclass(frozen=True)
class PrintSetup:
    font_config: FontConfiguration
    stylesheet: CSS


@cache
def print_setup() -> PrintSetup:
    """The process's one font configuration and parsed print stylesheet."""
    font_config = FontConfiguration()
    stylesheet = CSS(filename=str(PRINT_STYLESHEET), font_config=font_config)
    return PrintSetup(font_config=font_config, stylesheet=stylesheet)


def render_pdf(template_name: str, **context) -> bytes:
    """The template drawn as an A4 PDF with the council's header and page numbers."""
    context.setdefault("buyer_name", council_name())
    html = render_template(template_name, **context)
    setup = print_setup()
    # The templates need nothing from outside: only inline data: URLs are fetched, so
    # text that reaches a template can never make the renderer read a file or the network.
    fetcher = URLFetcher(allowed_protocols={"data"})
    with _drawing:
        return HTML(
            string=html, base_url=DOCUMENT_TEMPLATES.as_uri() + "/", url_fetcher=fetcher
        ).write_pdf(
            stylesheets=[setup.stylesheet],
            font_config=setup.font_config,
            pdf_tags=True,
        )


def store_pdf(
    template_name: str,
    *,
    filename: str,
    kind: str,
    provider_id: int | None = None,
    by=None,
    description: str = "",
    **context,
) -> StoredDocument:
    """Render a document and keep it in the store with its SHA-256; audited as rendered."""
    document = write_document(
        render_pdf(template_name, **context),
        original_filename=filename,
        kind=kind,
        provider_id=provider_id,
        by=by,
        description=description,
    )
    record_event(
        AuditAction.document_rendered,
        actor=by,
        subject=document,
        after={**summary(document), "template": template_name},
    )
    return document
