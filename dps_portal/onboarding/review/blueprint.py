"""The contracts officers' side of onboarding: the queue, the review and the decision."""

from flask import Blueprint

from dps_portal.onboarding.review import views

bp = Blueprint("review", __name__)

APPLICATION = "/review/applications/<int:application_id>"
GET_POST = ["GET", "POST"]

bp.add_url_rule("/review/applications", view_func=views.list_applications)
bp.add_url_rule(APPLICATION, view_func=views.show_application)
bp.add_url_rule(
    f"{APPLICATION}/sections/<section_key>", view_func=views.review_section, methods=GET_POST
)
bp.add_url_rule(
    f"{APPLICATION}/clarification", view_func=views.request_clarification, methods=GET_POST
)
bp.add_url_rule(f"{APPLICATION}/extend", view_func=views.extend_deadline, methods=GET_POST)
bp.add_url_rule(
    f"{APPLICATION}/self-cleaning", view_func=views.record_self_cleaning, methods=GET_POST
)
bp.add_url_rule(f"{APPLICATION}/decision", view_func=views.decide, methods=GET_POST)
bp.add_url_rule(
    f"{APPLICATION}/decision/confirm", view_func=views.confirm_decision, methods=["POST"]
)
