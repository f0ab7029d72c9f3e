"""The council's side of quality-monitoring visits: the due list, scheduling, recording,
finalising with the report, and addenda."""

from flask import Blueprint

from dps_portal.quality import naming, views

bp = Blueprint("quality", __name__)
bp.context_processor(lambda: {"saved_drafts": views.saved_drafts})
# How a visit is named and when it is, for every page, email and document that shows one.
bp.add_app_template_global(naming.visit_reference, "visit_reference")
bp.add_app_template_global(naming.planned_for, "visit_planned_for")

VISIT = "/visits/<int:visit_id>"

bp.add_url_rule("/visits", view_func=views.list_visits)
bp.add_url_rule("/visits/due", view_func=views.list_visits_due)
bp.add_url_rule("/visits/schedule", view_func=views.schedule_visit, methods=["GET", "POST"])
bp.add_url_rule(VISIT, view_func=views.show_visit)
bp.add_url_rule(f"{VISIT}/reschedule", view_func=views.reschedule_visit, methods=["GET", "POST"])
bp.add_url_rule(f"{VISIT}/cancel", view_func=views.cancel_visit, methods=["GET", "POST"])
bp.add_url_rule(
    f"{VISIT}/sections/<section_key>", view_func=views.edit_section, methods=["GET", "POST"]
)
bp.add_url_rule(f"{VISIT}/actions/new", view_func=views.add_action, methods=["GET", "POST"])
bp.add_url_rule(
    f"{VISIT}/actions/<int:planned_action_id>/remove",
    view_func=views.remove_action,
    methods=["POST"],
)
bp.add_url_rule(f"{VISIT}/finalise", view_func=views.finalise_visit, methods=["GET", "POST"])
bp.add_url_rule(f"{VISIT}/addenda/new", view_func=views.add_addendum, methods=["GET", "POST"])
