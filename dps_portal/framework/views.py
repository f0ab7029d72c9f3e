from io import BytesIO

from flask import abort

from dps_portal.core import clock
from dps_portal.core.access import role_required
from dps_portal.core.roles import Role
from dps_portal.documents.models import safe_filename
from dps_portal.documents.pdf import render_pdf
from dps_portal.documents.responses import attachment
from dps_portal.documents.sniffing import PDF
from dps_portal.framework.models import current_framework
from dps_portal.framework.summary import framework_summary


@role_required(Role.contracts_officer, Role.quality_monitor, Role.administrator)
def download_summary():
    framework = current_framework()
    if framework is None:
        abort(404)
    pdf = render_pdf(
        "documents/framework_summary.html",
        summary=framework_summary(framework),
        produced_at=clock.now(),
    )
    return attachment(
        BytesIO(pdf),
        media_type=PDF,
        filename=safe_filename(f"Framework summary {framework.reference}", "pdf"),
    )
