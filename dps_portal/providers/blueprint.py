"""Provider organisations and their care homes (CQC locations)."""

from flask import Blueprint

from dps_portal.providers import views

bp = Blueprint("providers", __name__)

# A provider's own organisation, colleagues and homes.
bp.add_url_rule("/organisation", view_func=views.show_organisation)
bp.add_url_rule("/organisation/edit", view_func=views.edit_organisation, methods=["GET", "POST"])
bp.add_url_rule(
    "/organisation/colleagues/invite", view_func=views.invite_colleague, methods=["GET", "POST"]
)
bp.add_url_rule("/homes", view_func=views.list_homes)
bp.add_url_rule("/homes/add", view_func=views.add_home, methods=["GET", "POST"])
bp.add_url_rule("/homes/<int:home_id>", view_func=views.show_home)
bp.add_url_rule("/homes/<int:home_id>/edit", view_func=views.edit_home, methods=["GET", "POST"])

# The council's view of every provider.
bp.add_url_rule("/providers", view_func=views.list_providers)
bp.add_url_rule("/providers/<int:provider_id>", view_func=views.show_provider)
