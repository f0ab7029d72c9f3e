"""Documents kept and read: each is audited in the caller's transaction."""

from werkzeug.datastructures import FileStorage

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import record_event
from dps_portal.documents.models import StoredDocument
from dps_portal.documents.storage import store_document, summary

ORGANISATION_DOCUMENT = "organisation_document"


def upload_organisation_document(upload: FileStorage, *, description: str, by) -> StoredDocument:
    """A provider user keeps a document for its own organisation."""
    return store_document(
        upload.stream,
        original_filename=upload.filename or "document",
        kind=ORGANISATION_DOCUMENT,
        provider_id=by.provider_id,
        uploaded_by=by,
        description=description,
    )


def record_download(document: StoredDocument, *, by) -> None:
    """Reading a document is a sensitive read: the trail says who took a copy."""
    record_event(
        AuditAction.document_downloaded, actor=by, subject=document, after=summary(document)
    )
