from flask import Blueprint

from dps_portal.accounts import views

bp = Blueprint("accounts", __name__, url_prefix="/account")

bp.add_url_rule("/sign-in", view_func=views.sign_in, methods=["GET", "POST"])
bp.add_url_rule("/sign-out", view_func=views.sign_out, methods=["POST"])
bp.add_url_rule("/register", view_func=views.register, methods=["GET", "POST"])
