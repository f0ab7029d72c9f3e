"""Scheduled jobs of the notifications package: delivering the email outbox."""

import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import func, select

from dps_portal.audit.actions import AuditAction
from dps_portal.core import clock
from dps_portal.core.states import lock, move
from dps_portal.documents.models import StoredDocument
from dps_portal.documents.storage import DocumentUnavailable, read_document
from dps_portal.extensions import db
from dps_portal.notifications.models import OutboxEmail, OutboxState
from dps_portal.notifications.operations import record_email_event
from dps_portal.notifications.smtp import (
    Attachment,
    SmtpSender,
    SmtpSettings,
    SmtpUnavailable,
    build_message,
)
from dps_portal.scheduler.registry import Job
from dps_portal.scheduler.runner import keep_progress

# The most emails one run sends; the rest wait for the next run, a minute later.
BATCH_SIZE = 100
LONGEST_WAIT = timedelta(minutes=60)
ERROR_MAX_LENGTH = 2000


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failure: 1, 2, 4, 8 ... minutes, at most 60."""
    return min(timedelta(minutes=2 ** (attempts - 1)), LONGEST_WAIT)


def deliver_outbox(now: datetime | None = None) -> dict:
    """Send the queued emails that are due, oldest first, and retry failures with backoff.

    Unlike every other job, this one keeps its progress after each email: an email the server has
    accepted is marked sent at once, so a crash later in the run never sends it again. Each
    email is claimed with SELECT ... FOR UPDATE SKIP LOCKED (PostgreSQL; SQLite ignores it
    and serialises writers anyway), so two deliverers running at once never send the same
    email. Without SMTP_HOST (the demo) nothing is sent: administrators read the outbox in
    the portal."""
    now = now or clock.now()
    counts = {"sent": 0, "retrying": 0, "failed": 0}
    sender = SmtpSender.from_app()
    if sender is None:
        counts["queued"] = db.session.scalar(
            select(func.count(OutboxEmail.id)).where(OutboxEmail.state == OutboxState.queued)
        )
        counts["smtp"] = "not configured"
        return counts
    with sender:
        for _ in range(BATCH_SIZE):
            email = _claim_next_due(now)
            if email is None:
                break
            outcome, server_unreachable = _deliver(sender, email, now)
            keep_progress()
            counts[outcome] += 1
            if server_unreachable:
                # The other due emails would fail the same way: they wait for the next run.
                break
    return counts


def _claim_next_due(now: datetime) -> OutboxEmail | None:
    return db.session.scalars(
        select(OutboxEmail)
        .where(OutboxEmail.state == OutboxState.queued, OutboxEmail.next_attempt_at <= now)
        .order_by(OutboxEmail.created_at, OutboxEmail.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()


def _deliver(sender: SmtpSender, email: OutboxEmail, now: datetime) -> tuple[str, bool]:
    """Try one email; (the outcome counted, whether the server itself could not be used)."""
    try:
        message = _message_for(email, sender.settings)
        sender.send(message)
    except DocumentUnavailable as error:
        return _record_failure(email, error, now, permanent=False), False
    except SmtpUnavailable as error:
        return _record_failure(email, error, now, permanent=False), True
    except (OSError, smtplib.SMTPException) as error:
        outcome = _record_failure(email, error, now, permanent=_is_permanent(error))
        return outcome, not _is_about_message(error)
    move(email, OutboxState.sent)
    email.attempts += 1
    record_email_event(AuditAction.email_sent, email, attempts=email.attempts)
    return "sent", False


def _message_for(email: OutboxEmail, settings: SmtpSettings) -> EmailMessage:
    attachment = None
    if email.attachment_id is not None:
        document = db.session.get(StoredDocument, email.attachment_id)
        attachment = Attachment(
            filename=document.download_filename,
            media_type=document.media_type,
            content=read_document(document),
        )
    return build_message(
        mail_from=settings.mail_from,
        to_address=email.to_address,
        subject=email.subject,
        text=email.body_text,
        html=email.body_html,
        attachment=attachment,
        # The same on every attempt, so a receiver can recognise a repeat.
        message_id=f"<outbox-{email.id}.{int(email.created_at.timestamp())}@{settings.mail_domain}>",
        sent_at=clock.now(),
    )


def _is_about_message(error: Exception) -> bool:
    """The server refused this message (a recipient, its content), not every message."""
    return isinstance(
        error, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError | smtplib.SMTPNotSupportedError
    )


def _is_permanent(error: Exception) -> bool:
    """A refusal that retrying cannot change: a 5xx reply about this message."""
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPDataError):
        return error.smtp_code >= 500
    return False


def _record_failure(email: OutboxEmail, error: Exception, now: datetime, permanent: bool) -> str:
    lock(email)
    email.attempts += 1
    if isinstance(error, SmtpUnavailable):
        email.last_error = f"Could not use the mail server: {error}"[:ERROR_MAX_LENGTH]
    else:
        email.last_error = f"{type(error).__name__}: {error}"[:ERROR_MAX_LENGTH]
    if permanent or email.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        move(email, OutboxState.failed)
        record_email_event(
            AuditAction.email_failed, email, attempts=email.attempts, error=email.last_error
        )
        current_app.logger.warning(
            "Email %s to %s failed for good: %s", email.id, email.to_address, email.last_error
        )
        return "failed"
    email.next_attempt_at = now + retry_delay(email.attempts)
    return "retrying"


JOBS = [
    Job(
        id="deliver_outbox",
        func=deliver_outbox,
        trigger="interval",
        trigger_args={"minutes": 1},
        description="Send the emails waiting in the outbox",
    ),
]
