"""Reads for the notifications and outbox pages."""

from flask import has_request_context, request
from sqlalchemy import func, select
from sqlalchemy.orm import defer

from dps_portal.extensions import db
from dps_portal.notifications.models import Notification, OutboxEmail, OutboxState

PAGE_SIZE = 50


def notifications_for(user):
    """A user's own notifications, newest first (a SELECT to paginate)."""
    return (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def own_notification(user, notification_id: int) -> Notification | None:
    """The user's notification with this id; None for anyone else's."""
    return db.session.scalars(
        select(Notification).where(
            Notification.id == notification_id, Notification.user_id == user.id
        )
    ).first()


def unread_count_of(user_id):
    """SQL: how many notifications of the user `user_id` (a column or a value) are unread.
    count(*): with an index of the unread by user, PostgreSQL answers from the index alone."""
    return (
        select(func.count())
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .scalar_subquery()
    )


_UNREAD_KEY = "dps_portal.unread_notifications"


def keep_unread_count(user, count: int) -> None:
    """Keep for the request the unread count read with its user (the session's loader reads
    it in the same statement): every page's header shows it."""
    request.environ[_UNREAD_KEY] = (user.id, count)


def unread_count(user) -> int:
    """The user's unread notifications: as read with the user at the start of the request,
    else counted now."""
    if has_request_context():
        kept = request.environ.get(_UNREAD_KEY)
        if kept is not None and kept[0] == user.id:
            return kept[1]
    return db.session.scalar(select(unread_count_of(user.id)))


def outbox(state: OutboxState | None = None):
    """The outbox, newest first, optionally in one state (a SELECT to paginate)."""
    query = select(OutboxEmail).order_by(OutboxEmail.created_at.desc(), OutboxEmail.id.desc())
    if state is not None:
        query = query.where(OutboxEmail.state == state)
    return query


def outbox_page(state: OutboxState | None, counts: dict[OutboxState, int]):
    """One page (`?page=`) of the outbox, without the emails' text (the list does not show
    it); its total comes from `counts` (outbox_counts), not from counting again."""
    page = db.paginate(
        outbox(state).options(
            defer(OutboxEmail.body_text, raiseload=True),
            defer(OutboxEmail.body_html, raiseload=True),
        ),
        per_page=PAGE_SIZE,
        count=False,
    )
    page.total = counts[state] if state is not None else sum(counts.values())
    return page


def outbox_counts() -> dict[OutboxState, int]:
    """{state: emails in it}. count(*), not count(id): PostgreSQL answers it from the state
    index alone (an index-only scan) instead of reading every email."""
    rows = db.session.execute(
        select(OutboxEmail.state, func.count()).group_by(OutboxEmail.state)
    ).all()
    counts = dict.fromkeys(OutboxState, 0)
    counts.update({state: count for state, count in rows})
    return counts
