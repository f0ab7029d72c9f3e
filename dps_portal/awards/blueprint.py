"""Direct awards at pre-agreed rates: officers' search, snapshot and offers; providers'
answers; the fairness register."""

from flask import Blueprint

from dps_portal.awards import views

bp = Blueprint("awards", __name__)

bp.add_url_rule("/direct-awards", view_func=views.list_awards)
bp.add_url_rule("/direct-awards/new", view_func=views.new_award, methods=["GET", "POST"])
bp.add_url_rule("/direct-awards/register", view_func=views.show_register)
bp.add_url_rule("/direct-awards/register.csv", view_func=views.export_register)
bp.add_url_rule("/direct-awards/register/providers", view_func=views.show_provider_fairness)
bp.add_url_rule("/direct-awards/<int:award_id>", view_func=views.show_award)
bp.add_url_rule(
    "/direct-awards/<int:award_id>/listings/<int:listing_id>/offer",
    view_func=views.make_offer,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/direct-awards/<int:award_id>/offers/<int:offer_id>/telephone",
    view_func=views.record_telephone,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/direct-awards/<int:award_id>/close", view_func=views.close_award, methods=["GET", "POST"]
)
bp.add_url_rule("/offers", view_func=views.list_offers)
bp.add_url_rule("/offers/<int:offer_id>", view_func=views.show_offer)
bp.add_url_rule("/offers/<int:offer_id>/accept", view_func=views.accept_offer, methods=["POST"])
bp.add_url_rule(
    "/offers/<int:offer_id>/decline", view_func=views.decline_offer, methods=["GET", "POST"]
)
