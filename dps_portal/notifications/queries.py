"""Reads for the notifications and outbox pages."""

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


def unread_count(user) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    )


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
