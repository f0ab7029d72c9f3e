"""The provider's quality visits and action plans, and the monitors' verification of them."""

from flask import Blueprint

from dps_portal.quality.actions import views

bp = Blueprint("actions", __name__)

ACTION = "/quality/actions/<int:action_id>"

# The provider's side.
bp.add_url_rule("/quality/visits", view_func=views.list_visits)
bp.add_url_rule("/quality/visits/<int:visit_id>", view_func=views.show_visit)
bp.add_url_rule(f"{ACTION}/respond", view_func=views.respond_to_action, methods=["GET", "POST"])

# The council's side.
bp.add_url_rule("/quality/actions", view_func=views.list_actions)
bp.add_url_rule(ACTION, view_func=views.show_action)
bp.add_url_rule(f"{ACTION}/verify", view_func=views.verify_action, methods=["GET", "POST"])
