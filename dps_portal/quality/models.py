import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dps_portal.core import clock
from dps_portal.core.models import Base, IdMixin, TimestampMixin, enum_type


class VisitType(enum.Enum):
    initial = "Initial"
    routine = "Routine"
    follow_up = "Follow-up"
    responsive = "Responsive"


class VisitState(enum.Enum):
    scheduled = "Scheduled"
    in_progress = "Being recorded"
    finalised = "Finalised"
    cancelled = "Cancelled"


class VisitOutcome(enum.Enum):
    satisfactory = "Satisfactory"
    satisfactory_with_actions = "Satisfactory with actions"
    unsatisfactory = "Unsatisfactory"

    @property
    def is_satisfactory(self) -> bool:
        return self is not VisitOutcome.unsatisfactory


class SectionRating(enum.Enum):
    good = "Good"
    requires_improvement = "Requires improvement"
    inadequate = "Inadequate"


class VisitTemplate(IdMixin, Base):
    """One published version of what a visit records: sections, their checks, and the checks
    each category adds. Data, not code; a visit keeps the sections it was started with."""

    __tablename__ = "visit_template"
    __table_args__ = (UniqueConstraint("framework_id", "version"),)

    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id"), index=True)
    version: Mapped[int]
    # See dps_portal/quality/templates.py for the shape.
    definition: Mapped[Any] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(default=clock.now)


class Visit(IdMixin, TimestampMixin, Base):
    """A quality-monitoring visit to one home: planned, recorded, finalised (then locked)."""

    __tablename__ = "quality_visit"
    __table_args__ = (
        CheckConstraint(
            "(state = 'finalised') = (finalised_at IS NOT NULL)",
            name="finalised_visits_have_a_finalisation_time",
        ),
        CheckConstraint(
            "(state <> 'finalised') OR (outcome IS NOT NULL AND visited_on IS NOT NULL)",
            name="finalised_visits_have_an_outcome",
        ),
    )

    care_home_id: Mapped[int] = mapped_column(ForeignKey("care_home.id"), index=True)
    # The home's provider, so a provider's queries start from its own organisation.
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider_organisation.id"), index=True)
    visit_type: Mapped[VisitType] = mapped_column(enum_type(VisitType))
    state: Mapped[VisitState] = mapped_column(
        enum_type(VisitState), default=VisitState.scheduled, index=True
    )
    # A provider sees an unannounced visit only once it is finalised.
    is_announced: Mapped[bool] = mapped_column(default=True)
    planned_on: Mapped[date] = mapped_column(index=True)
    monitor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    scheduled_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    template_id: Mapped[int | None] = mapped_column(ForeignKey("visit_template.id"))
    # The visit whose outcome made this follow-up necessary.
    follow_up_of_id: Mapped[int | None] = mapped_column(ForeignKey("quality_visit.id"))
    visited_on: Mapped[date | None]
    outcome: Mapped[VisitOutcome | None] = mapped_column(enum_type(VisitOutcome))
    summary: Mapped[str] = mapped_column(Text, default="")
    finalised_at: Mapped[datetime | None]
    finalised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    report_document_id: Mapped[int | None] = mapped_column(ForeignKey("stored_document.id"))
    cancelled_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    cancellation_reason: Mapped[str] = mapped_column(Text, default="")

    care_home = relationship("CareHome")
    provider = relationship("ProviderOrganisation")
    monitor = relationship("User", foreign_keys=[monitor_id])
    finalised_by = relationship("User", foreign_keys=[finalised_by_id])
    template = relationship("VisitTemplate")
    report_document = relationship("StoredDocument")
    follow_up_of = relationship("Visit", remote_side="Visit.id")
    sections: Mapped[list["VisitSection"]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="VisitSection.position"
    )
    actions: Mapped[list["VisitAction"]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="VisitAction.id"
    )
    addenda: Mapped[list["VisitAddendum"]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="VisitAddendum.added_at"
    )

    @property
    def is_locked(self) -> bool:
        return self.state in (VisitState.finalised, VisitState.cancelled)

    @property
    def is_visible_to_provider(self) -> bool:
        """Announced visits are seen from the start; unannounced ones once finalised."""
        if self.state is VisitState.cancelled:
            return self.is_announced
        return self.is_announced or self.state is VisitState.finalised


class VisitSection(IdMixin, Base):
    """One section of a visit's record: its checks as they were when the visit started, and
    the monitor's rating and findings."""

    __tablename__ = "visit_section"
    __table_args__ = (UniqueConstraint("visit_id", "key"),)

    visit_id: Mapped[int] = mapped_column(ForeignKey("quality_visit.id"), index=True)
    key: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    # The prompts the monitor works through (list of strings).
    checks: Mapped[Any] = mapped_column(JSON)
    # A category check (specialist training for an admitted category, say).
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    rating: Mapped[SectionRating | None] = mapped_column(enum_type(SectionRating))
    findings: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime | None]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    visit: Mapped[Visit] = relationship(back_populates="sections")
    category = relationship("Category")


class VisitAddendum(IdMixin, Base):
    """A correction or addition to a finalised visit record: the record itself stays as it was."""

    __tablename__ = "visit_addendum"

    visit_id: Mapped[int] = mapped_column(ForeignKey("quality_visit.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    added_at: Mapped[datetime] = mapped_column(default=clock.now)

    visit: Mapped[Visit] = relationship(back_populates="addenda")
    added_by = relationship("User")


class ActionPriority(enum.Enum):
    high = "High"
    medium = "Medium"
    low = "Low"


class ActionState(enum.Enum):
    open = "Open"
    awaiting_verification = "Waiting for verification"
    closed = "Closed"


class VisitAction(IdMixin, TimestampMixin, Base):
    """One item of a visit's action plan: what the provider must do, by when, and whether
    the monitor has verified it done."""

    __tablename__ = "visit_action"
    __table_args__ = (
        CheckConstraint(
            "(state = 'closed') = (closed_at IS NOT NULL)",
            name="closed_actions_have_a_closing_time",
        ),
    )

    visit_id: Mapped[int] = mapped_column(ForeignKey("quality_visit.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider_organisation.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    priority: Mapped[ActionPriority] = mapped_column(enum_type(ActionPriority))
    due_on: Mapped[date] = mapped_column(index=True)
    state: Mapped[ActionState] = mapped_column(
        enum_type(ActionState), default=ActionState.open, index=True
    )
    verification_note: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    visit: Mapped[Visit] = relationship(back_populates="actions")
    responses: Mapped[list["ActionResponse"]] = relationship(
        back_populates="action", cascade="all, delete-orphan", order_by="ActionResponse.id"
    )

    def is_overdue(self, today: date) -> bool:
        return self.state is not ActionState.closed and self.due_on < today


class ActionResponse(IdMixin, Base):
    """The provider's answer to an action: what it did, with evidence."""

    __tablename__ = "action_response"

    action_id: Mapped[int] = mapped_column(ForeignKey("visit_action.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("stored_document.id"))
    responded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    responded_at: Mapped[datetime] = mapped_column(default=clock.now)

    action: Mapped[VisitAction] = relationship(back_populates="responses")
    document = relationship("StoredDocument")
    responded_by = relationship("User")


class ReturnForm(IdMixin, Base):
    """One published version of the quarterly quality return's questions (data, not code)."""

    __tablename__ = "return_form"
    __table_args__ = (UniqueConstraint("framework_id", "version"),)

    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id"), index=True)
    version: Mapped[int]
    # See dps_portal/quality/returns.py for the shape.
    definition: Mapped[Any] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(default=clock.now)


class ReturnState(enum.Enum):
    due = "Not submitted"
    submitted = "Submitted"
    reviewed = "Reviewed"


class QualityReturn(IdMixin, TimestampMixin, Base):
    """A home's quarterly quality assurance return. Overdue follows from `due_on`."""

    __tablename__ = "quality_return"
    __table_args__ = (
        UniqueConstraint("care_home_id", "period_start"),
        CheckConstraint(
            "(state = 'due') = (submitted_at IS NULL)",
            name="submitted_returns_have_a_submission_time",
        ),
    )

    provider_id: Mapped[int] = mapped_column(ForeignKey("provider_organisation.id"), index=True)
    care_home_id: Mapped[int] = mapped_column(ForeignKey("care_home.id"), index=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("return_form.id"))
    period_start: Mapped[date]
    period_end: Mapped[date]
    due_on: Mapped[date] = mapped_column(index=True)
    state: Mapped[ReturnState] = mapped_column(
        enum_type(ReturnState), default=ReturnState.due, index=True
    )
    # Question key -> answer; saved as a draft before submission.
    answers: Mapped[Any] = mapped_column(JSON, nullable=True)
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    review_note: Mapped[str] = mapped_column(Text, default="")

    care_home = relationship("CareHome")
    provider = relationship("ProviderOrganisation")
    form = relationship("ReturnForm")

    def is_overdue(self, today: date) -> bool:
        return self.state is ReturnState.due and self.due_on < today
