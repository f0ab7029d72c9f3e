"""Terms and conditions: the officers publish versions; each provider's authorised signatory
accepts them and gets the signed Provider Agreement."""

from flask import Blueprint

from dps_portal.contracts.terms import views

bp = Blueprint("terms", __name__)

bp.add_url_rule("/terms", view_func=views.list_terms)
bp.add_url_rule("/terms/new", view_func=views.publish_terms, methods=["GET", "POST"])
bp.add_url_rule("/terms/<int:terms_version_id>", view_func=views.show_version)
bp.add_url_rule("/contract", view_func=views.show_terms)
bp.add_url_rule(
    "/contract/<int:terms_version_id>/accept",
    view_func=views.accept_terms,
    methods=["GET", "POST"],
)
