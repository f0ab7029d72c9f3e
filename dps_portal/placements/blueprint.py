"""The placements register: a provider's own placements and confirming a start; the officers'
register and its CSV; a placement's page, ending or cancelling it, and recording reviews."""

from flask import Blueprint

from dps_portal.placements import views

bp = Blueprint("placements", __name__)

PLACEMENT = "/placements/<int:placement_id>"

bp.add_url_rule("/placements", view_func=views.list_placements)
bp.add_url_rule("/placements/register", view_func=views.list_register)
bp.add_url_rule("/placements/register.csv", view_func=views.export_register)
bp.add_url_rule(PLACEMENT, view_func=views.show_placement)
bp.add_url_rule(
    f"{PLACEMENT}/confirm-start", view_func=views.confirm_start, methods=["GET", "POST"]
)
bp.add_url_rule(f"{PLACEMENT}/end", view_func=views.end_placement, methods=["GET", "POST"])
bp.add_url_rule(f"{PLACEMENT}/cancel", view_func=views.cancel_placement, methods=["GET", "POST"])
bp.add_url_rule(f"{PLACEMENT}/review", view_func=views.record_review, methods=["GET", "POST"])
