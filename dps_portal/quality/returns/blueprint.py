"""Quarterly quality returns: the provider's answers, the monitors' review."""

from flask import Blueprint

from dps_portal.quality.returns import views

bp = Blueprint("returns", __name__)

# The provider's own returns.
bp.add_url_rule("/returns", view_func=views.list_returns)
bp.add_url_rule("/returns/<int:return_id>", view_func=views.edit_return, methods=["GET", "POST"])

# The council's review.
bp.add_url_rule("/returns/review", view_func=views.review_returns)
bp.add_url_rule("/returns/review/<int:return_id>", view_func=views.show_return)
bp.add_url_rule(
    "/returns/review/<int:return_id>",
    view_func=views.review_return,
    methods=["POST"],
    endpoint="review_return",
)
