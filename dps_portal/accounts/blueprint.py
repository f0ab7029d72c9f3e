from flask import Blueprint

from dps_portal.accounts import views

bp = Blueprint("accounts", __name__, url_prefix="/account")

bp.add_url_rule("/sign-in", view_func=views.sign_in, methods=["GET", "POST"])
bp.add_url_rule("/sign-out", view_func=views.sign_out, methods=["POST"])
bp.add_url_rule("/signed-out", view_func=views.signed_out)
bp.add_url_rule("/forgotten-password", view_func=views.forgotten_password, methods=["GET", "POST"])
bp.add_url_rule("/reset-password/<token>", view_func=views.reset_password, methods=["GET", "POST"])
bp.add_url_rule("/register", view_func=views.register, methods=["GET", "POST"])
bp.add_url_rule("/check-your-email", view_func=views.check_your_email)
bp.add_url_rule("/confirm-email/<token>", view_func=views.confirm_email)
bp.add_url_rule("/invitation/<token>", view_func=views.accept_invitation, methods=["GET", "POST"])
