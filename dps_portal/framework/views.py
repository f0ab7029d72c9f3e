from io import BytesIO

from flask import abort, current_app, flash, g, redirect, render_template, url_for
from flask_wtf import FlaskForm

from dps_portal.core.access import role_required
from dps_portal.core.roles import Role
from dps_portal.core.web import refusal_redirects_to
from dps_portal.documents.responses import attachment
from dps_portal.documents.sniffing import PDF
from dps_portal.documents.storage import DocumentUnavailable, read_document
from dps_portal.framework import operations
from dps_portal.framework.models import Framework, current_framework
from dps_portal.framework.summary import (
    SummaryStatus,
    job_running_since,
    summary_filename,
    summary_status,
)


def _framework_or_404() -> Framework:
    framework = current_framework()
    if framework is None:
        abort(404)
    return framework


@role_required(Role.contracts_officer, Role.quality_monitor, Role.administrator)
def download_summary():
    """The newest summary the job kept. None is drawn here (at a county's size that takes
    longer than a request may): until the job has kept one, the page says when it will be."""
    framework = _framework_or_404()
    status = summary_status(framework)
    if status.is_ready:
        try:
            data = read_document(status.document)
        except DocumentUnavailable as problem:
            # The job draws it again on its next run (keep_summary reads the kept file).
            current_app.logger.error("The kept framework summary cannot be read: %s", problem)
            status = SummaryStatus(None, preparing_since=job_running_since())
    if not status.is_ready:
        return render_template(
            "framework/summary_being_prepared.html", framework=framework, status=status
        )
    # Read whole (a few hundred kilobytes), so no file stays open after the response.
    return attachment(BytesIO(data), media_type=PDF, filename=summary_filename(framework))


@role_required(Role.contracts_officer)
def prepare_summary():
    """An officer asks for the summary now: the job runs in the background."""
    _framework_or_404()
    if not FlaskForm().validate_on_submit():
        abort(400)
    with refusal_redirects_to(url_for("framework.download_summary")):
        g.framework_summary_run = operations.prepare_summary_now(current_app._get_current_object())
    flash(
        "The framework summary is being prepared. It will be ready in a few minutes: "
        "download it from this page then.",
        "success",
    )
    return redirect(url_for("framework.download_summary"))
