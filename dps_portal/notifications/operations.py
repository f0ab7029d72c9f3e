"""Telling people things: notifications in the portal and emails through the outbox.
Features tell people through `tell`, `tell_organisation` and `tell_role`."""

from collections.abc import Iterable

from sqlalchemy import insert, select, update

from dps_portal.accounts.queries import active_users_with_role, organisation_users
from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import record_event, record_events
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.extensions import db
from dps_portal.notifications.emails import absolute_url, is_portal_path, render_email
from dps_portal.notifications.models import Notification, OutboxEmail, OutboxState

SUBJECT_MAX_LENGTH = 300


def notify(user, title: str, body: str = "", link: str = "") -> Notification:
    """Show `user` a message in the portal. `link` is a path inside it, as url_for gives."""
    if link and not is_portal_path(link):
        raise ValueError(f"a notification links inside the portal, not to {link!r}")
    notification = Notification(
        user_id=user.id, title=title.strip()[:200], body=body.strip(), link=link
    )
    db.session.add(notification)
    db.session.flush()
    return notification


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = clock.now()


def mark_all_read(user) -> int:
    """Mark every unread notification of `user` read; the number marked."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def email_already_queued(dedupe_key: str) -> bool:
    return (
        db.session.scalar(select(OutboxEmail.id).where(OutboxEmail.dedupe_key == dedupe_key))
        is not None
    )


def queue_email(
    to_address: str,
    subject: str,
    template: str,
    *,
    attachment=None,
    dedupe_key: str | None = None,
    **context,
) -> OutboxEmail | None:
    """Render templates/emails/<template>.txt (and .html if there is one) and queue the email.

    `attachment` is a StoredDocument, read when the email is sent. With a `dedupe_key` that
    an earlier email already has, nothing is queued and the answer is None, so a job that
    runs twice does not send twice. Two transactions racing with one new key end with one
    of them failing on the key's unique constraint, and that one queues nothing."""
    to_address = to_address.strip()
    if "@" not in to_address or any(char.isspace() for char in to_address):
        raise ValueError(f"not an email address: {to_address!r}")
    if dedupe_key is not None and email_already_queued(dedupe_key):
        return None
    rendered = render_email(template, context)
    email = OutboxEmail(
        to_address=to_address,
        # A header is one line: a stray line break would end it.
        subject=" ".join(subject.split())[:SUBJECT_MAX_LENGTH],
        body_text=rendered.text,
        body_html=rendered.html,
        attachment_id=attachment.id if attachment is not None else None,
        state=OutboxState.queued,
        attempts=0,
        next_attempt_at=clock.now(),
        last_error="",
        dedupe_key=dedupe_key,
    )
    db.session.add(email)
    db.session.flush()
    record_email_event(
        AuditAction.email_queued, email, template=template, attachment_id=email.attachment_id
    )
    return email


def record_email_event(action: AuditAction, email: OutboxEmail, **after) -> None:
    """What the trail keeps of an email's progress: who it is to and its subject, and more."""
    record_event(
        action, subject=email, after={"to": email.to_address, "subject": email.subject, **after}
    )


def record_email_viewed(email: OutboxEmail, *, by) -> None:
    """An email can hold a password-reset or invitation link: who read it is audited."""
    record_event(AuditAction.email_viewed, actor=by, subject=email)


def notify_and_email(
    user,
    title: str,
    body: str,
    link: str,
    template: str = "notification",
    dedupe_key: str | None = None,
    **context,
) -> Notification | None:
    """Tell `user` in the portal and by email. The email's template gets `user`, `title`,
    `body` and `link_url` (the link made absolute) besides `context`. With a `dedupe_key`
    already used, neither is sent again and the answer is None."""
    if dedupe_key is not None and email_already_queued(dedupe_key):
        return None
    notification = notify(user, title, body, link)
    queue_email(
        user.email,
        title,
        template,
        dedupe_key=dedupe_key,
        user=user,
        title=title,
        body=body,
        link_url=absolute_url(link) if link else "",
        **context,
    )
    return notification


def tell(
    users: Iterable,
    title: str,
    body: str = "",
    link: str = "",
    *,
    template: str = "notification",
    dedupe: str | None = None,
    **context,
) -> int:
    """Tell each of `users` in the portal and by email (see notify_and_email). With `dedupe`,
    a user's email carries the key "<dedupe>:<user id>", so a job that runs twice tells no one
    twice. Answers how many were told this time."""
    told = 0
    for user in users:
        key = f"{dedupe}:{user.id}" if dedupe is not None else None
        if notify_and_email(user, title, body, link, template, dedupe_key=key, **context):
            told += 1
    return told


def tell_organisation(provider, title: str, body: str = "", link: str = "", **options) -> int:
    """Tell every active user of a provider organisation (`provider` or its id)."""
    provider_id = provider if isinstance(provider, int) else provider.id
    return tell(organisation_users(provider_id), title, body, link, **options)


def tell_role(role: Role, title: str, body: str = "", link: str = "", **options) -> int:
    """Tell every active user of a council role (contracts officers, monitors, administrators)."""
    return tell(active_users_with_role(role), title, body, link, **options)


def tell_organisations(
    provider_ids: Iterable[int],
    title: str,
    body: str = "",
    link: str = "",
    *,
    dedupe: str,
    template: str = "notification",
    **context,
) -> int:
    """Tell every active user of each of many provider organisations (every invitee of a
    tender), as `tell` would, in a fixed number of statements however many there are: the
    users, the keys already used, the notifications, the emails and their audit events are
    each read or written at once. A user's email carries the key "<dedupe>:<user id>", so
    nobody is told twice. Answers how many were told this time."""
    from dps_portal.accounts.models import User

    if link and not is_portal_path(link):
        raise ValueError(f"a notification links inside the portal, not to {link!r}")
    provider_ids = set(provider_ids)
    if not provider_ids:
        return 0
    users = list(
        db.session.scalars(
            select(User)
            .where(User.provider_id.in_(provider_ids), User.role == Role.provider, User.is_active)
            .order_by(User.id)
        )
    )
    keys = {user.id: f"{dedupe}:{user.id}" for user in users}
    if keys:
        used = set(
            db.session.scalars(
                select(OutboxEmail.dedupe_key).where(OutboxEmail.dedupe_key.in_(keys.values()))
            )
        )
        users = [user for user in users if keys[user.id] not in used]
    if not users:
        return 0
    title, body = title.strip(), body.strip()
    subject = " ".join(title.split())[:SUBJECT_MAX_LENGTH]
    link_url = absolute_url(link) if link else ""
    now = clock.now()
    db.session.execute(
        insert(Notification.__table__),
        [
            {
                "user_id": user.id,
                "title": title[:200],
                "body": body,
                "link": link,
                "created_at": now,
            }
            for user in users
        ],
    )
    emails = []
    for user in users:
        rendered = render_email(
            template, {"user": user, "title": title, "body": body, "link_url": link_url, **context}
        )
        emails.append(
            {
                "to_address": user.email.strip(),
                "subject": subject,
                "body_text": rendered.text,
                "body_html": rendered.html,
                "attachment_id": None,
                "state": OutboxState.queued,
                "attempts": 0,
                "next_attempt_at": now,
                "last_error": "",
                "created_at": now,
                "dedupe_key": keys[user.id],
            }
        )
    db.session.execute(insert(OutboxEmail.__table__), emails)
    queued = db.session.execute(
        select(OutboxEmail.id, OutboxEmail.to_address, OutboxEmail.subject)
        .where(OutboxEmail.dedupe_key.in_([email["dedupe_key"] for email in emails]))
        .order_by(OutboxEmail.id)
    ).all()
    record_events(
        AuditAction.email_queued,
        [
            (
                ("outbox_email", row.id),
                None,
                {
                    "to": row.to_address,
                    "subject": row.subject,
                    "template": template,
                    "attachment_id": None,
                },
            )
            for row in queued
        ],
    )
    return len(users)
