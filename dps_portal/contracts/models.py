from datetime import date, datetime, timedelta

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
    or_,
)
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dps_portal.contracts.terms.rules import ACCEPT_BY_WARNING_DAYS
from dps_portal.core import clock
from dps_portal.core.models import Base, IdMixin, TimestampMixin, enum_type
from dps_portal.core.states import StateEnum


class TermsVersion(IdMixin, Base):
    """A version of the council's terms and conditions. It is current from `effective_on`;
    providers that accepted an earlier version must accept it by `accept_by`."""

    __tablename__ = "terms_version"
    __table_args__ = (
        UniqueConstraint("framework_id", "version"),
        CheckConstraint("accept_by >= effective_on", name="accept_by_follows_effective_date"),
    )

    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id"), index=True)
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    # What changed, in plain words, shown to providers before they accept.
    summary: Mapped[str] = mapped_column(Text, default="")
    # The terms themselves (the full text goes into the Provider Agreement).
    body: Mapped[str] = mapped_column(Text)
    effective_on: Mapped[date]
    accept_by: Mapped[date]
    published_at: Mapped[datetime] = mapped_column(default=clock.now)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    @property
    def label(self) -> str:
        return f"terms and conditions v{self.version}"

    @hybrid_method
    def is_in_effect(self, today: date) -> bool:
        """In effect from its effective date (the newest version in effect is the current one)."""
        return self.effective_on <= today

    @is_in_effect.inplace.expression
    @classmethod
    def _is_in_effect_expression(cls, today: date):
        return cls.effective_on <= today

    @hybrid_method
    def is_accept_by_passed(self, today: date) -> bool:
        """After its accept-by date, an earlier acceptance no longer lets a provider through."""
        return self.accept_by < today

    @is_accept_by_passed.inplace.expression
    @classmethod
    def _is_accept_by_passed_expression(cls, today: date):
        return cls.accept_by < today

    @hybrid_method
    def is_accept_by_near(self, today: date) -> bool:
        """Within ACCEPT_BY_WARNING_DAYS of its accept-by date, and not past it."""
        return today <= self.accept_by <= today + timedelta(days=ACCEPT_BY_WARNING_DAYS)

    @is_accept_by_near.inplace.expression
    @classmethod
    def _is_accept_by_near_expression(cls, today: date):
        return cls.accept_by.between(today, today + timedelta(days=ACCEPT_BY_WARNING_DAYS))


class TermsAcceptance(IdMixin, Base):
    """A provider's signed acceptance of one terms version: who, when, from where, and the
    Provider Agreement PDF produced at that moment."""

    __tablename__ = "terms_acceptance"
    __table_args__ = (UniqueConstraint("terms_version_id", "provider_id"),)

    terms_version_id: Mapped[int] = mapped_column(ForeignKey("terms_version.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider_organisation.id"), index=True)
    accepted_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    signatory_name: Mapped[str] = mapped_column(String(200))
    signatory_role: Mapped[str] = mapped_column(String(200), default="")
    accepted_at: Mapped[datetime] = mapped_column(default=clock.now)
    ip_address: Mapped[str] = mapped_column(String(64), default="")
    agreement_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("stored_document.id"), index=True
    )

    terms_version: Mapped[TermsVersion] = relationship()
    provider = relationship("ProviderOrganisation")
    accepted_by = relationship("User")
    agreement_document = relationship("StoredDocument")


class SuspensionState(StateEnum):
    recommended = "Recommended"
    active = "Suspended"
    declined = "Recommendation declined"
    lifted = "Lifted"

    __transitions__ = {"recommended": ("active", "declined"), "active": ("lifted",)}
    __stamps__ = {"active": "started_at", "declined": "declined_at", "lifted": "lifted_at"}


class Suspension(IdMixin, TimestampMixin, Base):
    """A home (or, with no home, a whole provider) barred from new placements. A monitor may
    recommend one from a visit; an officer confirms it. Existing placements continue."""

    __tablename__ = "suspension"
    noun = "suspension"
    __table_args__ = (
        CheckConstraint(
            "(state IN ('active', 'lifted')) = (started_at IS NOT NULL)",
            name="suspensions_in_force_have_a_start",
        ),
        CheckConstraint(
            "(state = 'lifted') = (lifted_at IS NOT NULL)",
            name="lifted_suspensions_have_a_lifting_time",
        ),
        # The suspensions list sorts on it.
        Index("ix_suspension_created_at", "created_at"),
    )

    provider_id: Mapped[int] = mapped_column(ForeignKey("provider_organisation.id"), index=True)
    care_home_id: Mapped[int | None] = mapped_column(ForeignKey("care_home.id"), index=True)
    state: Mapped[SuspensionState] = mapped_column(enum_type(SuspensionState), index=True)
    reason: Mapped[str] = mapped_column(Text)
    # Optional: the suspension ends by itself after this day.
    ends_on: Mapped[date | None]
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("quality_visit.id"), index=True)
    recommended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recommended_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    declined_at: Mapped[datetime | None]
    declined_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    lifted_at: Mapped[datetime | None]
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    lift_reason: Mapped[str] = mapped_column(Text, default="")

    provider = relationship("ProviderOrganisation")
    care_home = relationship("CareHome")
    visit = relationship("Visit")
    recommended_by = relationship("User", foreign_keys=[recommended_by_id])
    started_by = relationship("User", foreign_keys=[started_by_id])

    @hybrid_method
    def is_in_force(self, today: date) -> bool:
        """In force once confirmed, until lifted or past its end date."""
        return self.state is SuspensionState.active and (
            self.ends_on is None or today <= self.ends_on
        )

    @is_in_force.inplace.expression
    @classmethod
    def _is_in_force_expression(cls, today: date):
        return and_(
            cls.state == SuspensionState.active, or_(cls.ends_on.is_(None), cls.ends_on >= today)
        )

    @property
    def is_recommended(self) -> bool:
        return self.state is SuspensionState.recommended

    @property
    def applies_to(self) -> str:
        return self.care_home.name if self.care_home else "the whole provider"

    def can_decide(self, user) -> bool:
        """Confirming or declining a monitor's recommendation is an officer's, once."""
        return user.is_contracts_officer and self.is_recommended

    def can_lift(self, user, today: date | None = None) -> bool:
        """An officer lifts a suspension while it is in force."""
        return user.is_contracts_officer and self.is_in_force(today or clock.today_uk())
