from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from dps_portal.core import clock
from dps_portal.core.models import Base, IdMixin, enum_type
from dps_portal.core.states import StateEnum


class Notification(IdMixin, Base):
    """A message shown to one user in the portal."""

    __tablename__ = "notification"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
    read_at: Mapped[datetime | None]

    # Every page's header counts the user's unread ones: read from this index alone.
    __table_args__ = (
        Index(
            "ix_notification_user_id_unread",
            "user_id",
            postgresql_where=text("read_at IS NULL"),
            sqlite_where=text("read_at IS NULL"),
        ),
    )


class OutboxState(StateEnum):
    queued = "Queued"
    sent = "Sent"
    failed = "Failed"

    # A failed attempt that will be retried leaves the email queued.
    __transitions__ = {"queued": ("sent", "failed")}
    __stamps__ = {"sent": "sent_at"}


class OutboxEmail(IdMixin, Base):
    """An email waiting to be sent, sent, or given up on after its last retry."""

    __tablename__ = "outbox_email"

    to_address: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    # A stored document sent as an attachment (a decision notice, say).
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("stored_document.id"), index=True)
    state: Mapped[OutboxState] = mapped_column(enum_type(OutboxState), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
    sent_at: Mapped[datetime | None]
    # Stops the same email being queued twice by a job that runs twice.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)

    @property
    def is_queued(self) -> bool:
        return self.state is OutboxState.queued

    @property
    def is_sent(self) -> bool:
        return self.state is OutboxState.sent

    @property
    def is_failed(self) -> bool:
        return self.state is OutboxState.failed

    @property
    def is_retrying(self) -> bool:
        """Queued again after a failed attempt."""
        return self.is_queued and self.attempts > 0
