"""The rate card: providers' and homes' pre-agreed rates with their history, an officer's
change of a rate, uplifts with their preview, and the CSV exports."""

from flask import Blueprint

from dps_portal.rates import views

bp = Blueprint("rates", __name__)

# Rate cards: a provider's (its own for a provider user) and a home's.
bp.add_url_rule("/rate-card", view_func=views.show_own_rates)
bp.add_url_rule("/rates/providers/<int:provider_id>", view_func=views.show_provider_rates)
bp.add_url_rule(
    "/rates/providers/<int:provider_id>/rate-card.csv", view_func=views.download_provider_rates
)
bp.add_url_rule("/rates/current.csv", view_func=views.download_current_rates)
bp.add_url_rule("/rates/homes/<int:home_id>", view_func=views.show_home_rates)
bp.add_url_rule(
    "/rates/homes/<int:home_id>/change", view_func=views.change_rate, methods=["GET", "POST"]
)

# Uplifts: planned after a preview, cancelled before their date, applied by the job.
bp.add_url_rule("/rates", view_func=views.list_uplifts)
bp.add_url_rule("/rates/uplifts/new", view_func=views.plan_uplift, methods=["GET", "POST"])
bp.add_url_rule("/rates/uplifts/preview", view_func=views.preview_uplift, methods=["GET", "POST"])
bp.add_url_rule("/rates/uplifts/<int:uplift_id>", view_func=views.show_uplift)
bp.add_url_rule(
    "/rates/uplifts/<int:uplift_id>/cancel", view_func=views.cancel_uplift, methods=["GET", "POST"]
)
