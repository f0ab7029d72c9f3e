from flask import Blueprint

from dps_portal.audit import views
from dps_portal.audit.actions import action_in_words

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")
bp.add_app_template_filter(action_in_words)

bp.add_url_rule("", view_func=views.list_events)
bp.add_url_rule("/<int:event_id>", view_func=views.show_event)
