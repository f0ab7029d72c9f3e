from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Text, and_
from sqlalchemy.ext.hybrid import hybrid_method, hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dps_portal.core import clock
from dps_portal.core.models import Base, IdMixin


class DeclarationRequest(IdMixin, Base):
    """An officer asks an admitted provider to confirm its self-declaration again. The
    provider stays admitted while it is open; past `due_on` unanswered, it is ineligible."""

    __tablename__ = "declaration_request"
    noun = "declaration"

    provider_id: Mapped[int] = mapped_column(ForeignKey("provider_organisation.id"), index=True)
    message: Mapped[str] = mapped_column(Text, default="")
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
    due_on: Mapped[date]
    confirmed_at: Mapped[datetime | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The declaration as the provider confirmed it (question key -> answer).
    answers: Mapped[Any] = mapped_column(JSON, nullable=True)

    provider = relationship("ProviderOrganisation")

    @hybrid_property
    def is_open(self) -> bool:
        """The provider has still to answer it."""
        return self.confirmed_at is None

    @is_open.inplace.expression
    @classmethod
    def _is_open_expression(cls):
        return cls.confirmed_at.is_(None)

    @hybrid_method
    def is_overdue(self, today: date) -> bool:
        """Unanswered past its due date: until the provider answers, it is not eligible for
        placements."""
        return self.confirmed_at is None and self.due_on < today

    @is_overdue.inplace.expression
    @classmethod
    def _is_overdue_expression(cls, today: date):
        return and_(cls.confirmed_at.is_(None), cls.due_on < today)

    def can_confirm(self, user) -> bool:
        return user.is_provider_user and user.provider_id == self.provider_id and self.is_open
