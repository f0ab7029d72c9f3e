"""The framework's own pages: its summary as a PDF (kept at the address staff know), an
officer's request to prepare it now, and the administrators' pages for its settings and lists."""

from flask import Blueprint

from dps_portal.framework import operations, views
from dps_portal.framework.models import council_contact

bp = Blueprint("framework", __name__)

bp.add_url_rule("/documents/framework-summary.pdf", view_func=views.download_summary)
bp.add_url_rule(
    "/documents/framework-summary/prepare", view_func=views.prepare_summary, methods=["POST"]
)
bp.teardown_request(operations.wait_for_the_run_in_tests)

# Administration: the framework's settings and lists, kept by administrators.
ADMIN = "/admin/framework"
GET_POST, POST = ["GET", "POST"], ["POST"]
bp.add_url_rule(ADMIN, view_func=views.show_settings)
bp.add_url_rule(f"{ADMIN}/contact-details", view_func=views.edit_contact_details, methods=GET_POST)
bp.add_url_rule(f"{ADMIN}/times", view_func=views.edit_times, methods=GET_POST)
bp.add_url_rule(f"{ADMIN}/thresholds", view_func=views.edit_thresholds, methods=GET_POST)
bp.add_url_rule(f"{ADMIN}/categories", view_func=views.list_categories)
bp.add_url_rule(f"{ADMIN}/categories/add", view_func=views.add_category, methods=GET_POST)
bp.add_url_rule(
    f"{ADMIN}/categories/<int:category_id>", view_func=views.edit_category, methods=GET_POST
)
bp.add_url_rule(
    f"{ADMIN}/categories/<int:category_id>/move", view_func=views.move_category, methods=POST
)
bp.add_url_rule(
    f"{ADMIN}/categories/<int:category_id>/remove",
    view_func=views.remove_category,
    methods=GET_POST,
)
bp.add_url_rule(f"{ADMIN}/districts", view_func=views.list_districts)
bp.add_url_rule(f"{ADMIN}/districts/add", view_func=views.add_district, methods=GET_POST)
bp.add_url_rule(
    f"{ADMIN}/districts/<int:district_id>", view_func=views.edit_district, methods=GET_POST
)
bp.add_url_rule(
    f"{ADMIN}/districts/<int:district_id>/move", view_func=views.move_district, methods=POST
)
bp.add_url_rule(
    f"{ADMIN}/districts/<int:district_id>/remove", view_func=views.remove_district, methods=GET_POST
)
bp.add_url_rule(f"{ADMIN}/care-settings", view_func=views.list_care_settings)
bp.add_url_rule(f"{ADMIN}/care-settings/add", view_func=views.add_care_setting, methods=GET_POST)
bp.add_url_rule(
    f"{ADMIN}/care-settings/<int:setting_id>", view_func=views.edit_care_setting, methods=GET_POST
)
bp.add_url_rule(
    f"{ADMIN}/care-settings/<int:setting_id>/move", view_func=views.move_care_setting, methods=POST
)
bp.add_url_rule(
    f"{ADMIN}/care-settings/<int:setting_id>/remove",
    view_func=views.remove_care_setting,
    methods=GET_POST,
)


@bp.app_context_processor
def _council_contact() -> dict:
    """`council_contact()` for any page: read only when a template calls it."""
    return {"council_contact": council_contact}
