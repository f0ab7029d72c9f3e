from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import record_event
from dps_portal.core.access import role_required, signed_in
from dps_portal.core.roles import Role
from dps_portal.core.web import refusal_shown_on
from dps_portal.documents import queries
from dps_portal.documents.forms import UploadDocumentForm
from dps_portal.documents.models import StoredDocument
from dps_portal.documents.operations import record_download, upload_organisation_document
from dps_portal.documents.responses import attachment
from dps_portal.documents.storage import DocumentUnavailable, open_document
from dps_portal.extensions import db


@role_required(Role.provider)
def list_documents():
    form = UploadDocumentForm()
    if form.validate_on_submit():
        with refusal_shown_on(form.document):
            document = upload_organisation_document(
                form.document.data, description=form.description.data, by=current_user
            )
            flash(f"{document.name} has been uploaded.", "success")
            return redirect(url_for("documents.list_documents"))
    return render_template(
        "documents/list_documents.html",
        form=form,
        documents=queries.own_documents(current_user.provider_id),
    )


@signed_in
def download_document(document_id: int):
    document = db.session.get(StoredDocument, document_id)
    # Not found and not yours answer alike, so ids cannot be probed.
    if document is None or not document.can_download(current_user):
        abort(404)
    return send_document(document)


def send_document(document: StoredDocument):
    """Send a stored document the caller has checked may be read, its read audited; a file
    missing or altered in the store is refused with a page saying so. Every download route
    (here, and a feature's own doors such as a sealed bid's attachments) sends through it."""
    try:
        stream = open_document(document)
    except DocumentUnavailable as problem:
        current_app.logger.error("Refused to send a document: %s", problem)
        record_event(AuditAction.document_unavailable, actor=current_user, subject=document)
        return render_template("documents/unavailable.html", document=document), 500
    try:
        record_download(document, by=current_user)
    except BaseException:
        stream.close()
        raise
    return attachment(stream, media_type=document.media_type, filename=document.download_filename)
