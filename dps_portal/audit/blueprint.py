from flask import Blueprint

from dps_portal.audit import views

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")

bp.add_url_rule("", view_func=views.list_events)
bp.add_url_rule("/<int:event_id>", view_func=views.show_event)
