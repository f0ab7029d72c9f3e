from flask import Blueprint

from dps_portal.admin import views

bp = Blueprint("admin", __name__, url_prefix="/admin")

bp.add_url_rule("/users", view_func=views.list_users)
bp.add_url_rule("/users/invite", view_func=views.invite_user, methods=["GET", "POST"])
bp.add_url_rule("/users/<int:user_id>", view_func=views.show_user)
bp.add_url_rule("/users/<int:user_id>/active", view_func=views.set_user_active, methods=["POST"])
bp.add_url_rule(
    "/users/<int:user_id>/resend-invitation",
    view_func=views.resend_invitation,
    methods=["POST"],
)
