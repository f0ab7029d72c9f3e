"""Vacancies: a provider's beds free per home, and the council's board of them."""

from flask import Blueprint

from dps_portal.vacancies import views

bp = Blueprint("vacancies", __name__)

bp.add_url_rule(
    "/homes/<int:home_id>/vacancies", view_func=views.edit_vacancies, methods=["GET", "POST"]
)
bp.add_url_rule(
    "/homes/<int:home_id>/vacancies/confirm", view_func=views.confirm_vacancies, methods=["POST"]
)
bp.add_url_rule("/vacancies", view_func=views.show_board)
