"""The framework's own pages: its summary as a PDF (kept at the address staff know), and an
officer's request to prepare it now."""

from flask import Blueprint

from dps_portal.framework import operations, views
from dps_portal.framework.models import council_contact

bp = Blueprint("framework", __name__)

bp.add_url_rule("/documents/framework-summary.pdf", view_func=views.download_summary)
bp.add_url_rule(
    "/documents/framework-summary/prepare", view_func=views.prepare_summary, methods=["POST"]
)
bp.teardown_request(operations.wait_for_the_run_in_tests)


@bp.app_context_processor
def _council_contact() -> dict:
    """`council_contact()` for any page: read only when a template calls it."""
    return {"council_contact": council_contact}
