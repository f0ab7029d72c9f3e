from io import BytesIO

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_login import current_user

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import record_event
from dps_portal.core import clock
from dps_portal.core.access import role_required, signed_in
from dps_portal.core.roles import Role
from dps_portal.documents import queries
from dps_portal.documents.forms import UploadDocumentForm
from dps_portal.documents.models import StoredDocument, safe_filename
from dps_portal.documents.operations import record_download, upload_organisation_document
from dps_portal.documents.pdf import render_pdf
from dps_portal.documents.sniffing import PDF
from dps_portal.documents.storage import DocumentRefused, DocumentUnavailable, open_document
from dps_portal.extensions import db
from dps_portal.framework.models import current_framework


@role_required(Role.provider)
def list_documents():
    form = UploadDocumentForm()
    if form.validate_on_submit():
        try:
            document = upload_organisation_document(
                form.document.data, description=form.description.data, by=current_user
            )
        except DocumentRefused as refusal:
            form.document.errors = [str(refusal)]
        else:
            db.session.commit()
            flash(f"{document.name} has been uploaded.", "success")
            return redirect(url_for("documents.list_documents"))
    return render_template(
        "documents/list_documents.html", form=form, documents=queries.own_documents()
    )


@signed_in
def download_document(document_id: int):
    document = db.session.get(StoredDocument, document_id)
    # Not found and not yours answer alike, so ids cannot be probed.
    if document is None or not document.can_download(current_user):
        abort(404)
    try:
        stream = open_document(document)
    except DocumentUnavailable as problem:
        current_app.logger.error("Refused to send a document: %s", problem)
        record_event(AuditAction.document_unavailable, actor=current_user, subject=document)
        db.session.commit()
        return render_template("documents/unavailable.html", document=document), 500
    try:
        record_download(document, by=current_user)
        db.session.commit()
    except BaseException:
        stream.close()
        raise
    return _attachment(stream, media_type=document.media_type, filename=document.download_filename)


@role_required(Role.contracts_officer, Role.quality_monitor, Role.administrator)
def framework_summary():
    framework = current_framework()
    if framework is None:
        abort(404)
    pdf = render_pdf(
        "documents/framework_summary.html",
        summary=queries.framework_summary(framework),
        produced_at=clock.now(),
    )
    return _attachment(
        BytesIO(pdf),
        media_type=PDF,
        filename=safe_filename(f"Framework summary {framework.reference}", "pdf"),
    )


def _attachment(stream, *, media_type: str, filename: str):
    response = send_file(
        stream,
        mimetype=media_type,
        as_attachment=True,
        download_name=filename,
        conditional=False,
        etag=False,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response
