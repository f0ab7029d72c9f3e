"""Joining the DPS: the application (request to participate), its review and the decision."""

from flask import Blueprint

from dps_portal.onboarding import views

bp = Blueprint("onboarding", __name__)

APPLICATION = "/applications/<int:application_id>"
GET_POST = ["GET", "POST"]

bp.add_url_rule("/applications", view_func=views.list_applications)
bp.add_url_rule("/applications/start", view_func=views.start_application, methods=["POST"])
bp.add_url_rule(APPLICATION, view_func=views.show_application)
bp.add_url_rule(f"{APPLICATION}/categories", view_func=views.edit_categories, methods=GET_POST)
bp.add_url_rule(
    f"{APPLICATION}/sections/<section_key>/<scope>", view_func=views.edit_section, methods=GET_POST
)
bp.add_url_rule(f"{APPLICATION}/rates", view_func=views.edit_rates, methods=GET_POST)
bp.add_url_rule(f"{APPLICATION}/check", view_func=views.check_answers)
bp.add_url_rule(f"{APPLICATION}/submit", view_func=views.submit_application, methods=["POST"])
bp.add_url_rule(f"{APPLICATION}/submitted", view_func=views.application_submitted)
bp.add_url_rule(f"{APPLICATION}/withdraw", view_func=views.withdraw_application, methods=GET_POST)
bp.add_url_rule(
    f"{APPLICATION}/clarifications/<int:clarification_id>",
    view_func=views.respond_to_clarification,
    methods=["POST"],
)
