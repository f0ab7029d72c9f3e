"""Stored files (uploads and generated PDFs) and the PDF renderer."""

from flask import Blueprint

from dps_portal.documents import views

bp = Blueprint("documents", __name__, url_prefix="/documents")

bp.add_url_rule("", view_func=views.list_documents, methods=["GET", "POST"])
bp.add_url_rule("/<int:document_id>/download", view_func=views.download_document)
