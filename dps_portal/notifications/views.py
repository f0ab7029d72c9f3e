from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from dps_portal.core.access import role_required, signed_in
from dps_portal.core.roles import Role
from dps_portal.documents.models import StoredDocument
from dps_portal.extensions import db
from dps_portal.notifications import operations, queries
from dps_portal.notifications.models import OutboxEmail, OutboxState


@signed_in
def list_notifications():
    page = db.paginate(queries.notifications_for(current_user), per_page=queries.PAGE_SIZE)
    return render_template(
        "notifications/list.html", page=page, unread=queries.unread_count(current_user)
    )


@signed_in
def mark_read(notification_id: int):
    notification = queries.own_notification(current_user, notification_id)
    if notification is None:
        abort(404)
    operations.mark_read(notification)
    return redirect(url_for("notifications.list_notifications"))


@signed_in
def mark_all_read():
    marked = operations.mark_all_read(current_user)
    if marked:
        flash("All your notifications are marked as read.", "success")
    return redirect(url_for("notifications.list_notifications"))


@role_required(Role.administrator)
def list_outbox():
    state = OutboxState.__members__.get(request.args.get("state", ""))
    counts = queries.outbox_counts()
    return render_template(
        "notifications/outbox.html",
        page=queries.outbox_page(state, counts),
        state=state,
        states=list(OutboxState),
        counts=counts,
    )


@role_required(Role.administrator)
def show_outbox_email(email_id: int):
    email = db.session.get(OutboxEmail, email_id)
    if email is None:
        abort(404)
    operations.record_email_viewed(email, by=current_user)
    attachment = (
        db.session.get(StoredDocument, email.attachment_id) if email.attachment_id else None
    )
    # Without a mail server (the demo) the outbox is how people get their links; with one,
    # the text stays hidden, because it may hold someone's single-use password link.
    show_body = not current_app.config.get("SMTP_HOST")
    return render_template(
        "notifications/outbox_email.html", email=email, attachment=attachment, show_body=show_body
    )
