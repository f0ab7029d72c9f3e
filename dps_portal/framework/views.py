from io import BytesIO

from flask import abort, current_app
from flask_login import current_user

from dps_portal.core.access import role_required
from dps_portal.core.roles import Role
from dps_portal.documents.responses import attachment
from dps_portal.documents.sniffing import PDF
from dps_portal.documents.storage import DocumentUnavailable, read_document
from dps_portal.framework.models import current_framework
from dps_portal.framework.summary import keep_summary, latest_summary, summary_filename


@role_required(Role.contracts_officer, Role.quality_monitor, Role.administrator)
def download_summary():
    """The newest summary the job kept; drawn here only when none is kept yet (or the kept
    file cannot be read back as stored)."""
    framework = current_framework()
    if framework is None:
        abort(404)
    document = latest_summary(framework)
    try:
        data = read_document(document) if document else None
    except DocumentUnavailable as problem:
        current_app.logger.error("Drawing the framework summary again: %s", problem)
        data = None
    if data is None:
        document = keep_summary(framework, by=current_user, only_if_changed=False)
        data = read_document(document)
    # Read whole (a few hundred kilobytes), so no file stays open after the response.
    return attachment(BytesIO(data), media_type=PDF, filename=summary_filename(framework))
