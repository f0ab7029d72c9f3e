from flask import Blueprint
from flask_login import current_user

from dps_portal.notifications import queries, views

bp = Blueprint("notifications", __name__)

bp.add_url_rule("/notifications", view_func=views.list_notifications)
bp.add_url_rule(
    "/notifications/<int:notification_id>/read", view_func=views.mark_read, methods=["POST"]
)
bp.add_url_rule("/notifications/read-all", view_func=views.mark_all_read, methods=["POST"])
bp.add_url_rule("/admin/outbox", view_func=views.list_outbox)
bp.add_url_rule("/admin/outbox/<int:email_id>", view_func=views.show_outbox_email)


@bp.app_context_processor
def _unread_notifications() -> dict:
    """`unread_notification_count()` for any page: counted only when a template calls it."""

    def unread_notification_count() -> int:
        if not current_user.is_authenticated:
            return 0
        return queries.unread_count(current_user)

    return {"unread_notification_count": unread_notification_count}
