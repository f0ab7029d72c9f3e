"""The contract gate's pages: eligibility across the market, and suspensions (an officer's,
or a monitor's recommendation from a visit that an officer confirms or declines)."""

from flask import Blueprint

from dps_portal.contracts import views
from dps_portal.contracts.policy import can_recommend_suspension

bp = Blueprint("contracts", __name__)
# A visit's page (quality's) asks whether to offer the recommendation.
bp.add_app_template_global(can_recommend_suspension)

SUSPENSION = "/suspensions/<int:suspension_id>"

bp.add_url_rule("/eligibility", view_func=views.list_eligibility)
bp.add_url_rule("/suspensions", view_func=views.list_suspensions)
bp.add_url_rule("/suspensions/new", view_func=views.suspend, methods=["GET", "POST"])
bp.add_url_rule(SUSPENSION, view_func=views.show_suspension)
bp.add_url_rule(
    f"{SUSPENSION}/confirm", view_func=views.confirm_suspension, methods=["GET", "POST"]
)
bp.add_url_rule(
    f"{SUSPENSION}/decline", view_func=views.decline_suspension, methods=["GET", "POST"]
)
bp.add_url_rule(f"{SUSPENSION}/lift", view_func=views.lift_suspension, methods=["GET", "POST"])
bp.add_url_rule(
    "/visits/<int:visit_id>/recommend-suspension",
    view_func=views.recommend_suspension,
    methods=["GET", "POST"],
)
