import enum
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
    case,
    or_,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.ext.hybrid import hybrid_method, hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.functions import FunctionElement

from dps_portal.core import clock
from dps_portal.core.models import Base, IdMixin, TimestampMixin, enum_type
from dps_portal.core.states import StateEnum
from dps_portal.quality import rules as visit_rules
from dps_portal.quality.actions.rules import DUE_SOON_DAYS as ACTION_DUE_SOON_DAYS
from dps_portal.quality.returns.rules import DUE_SOON_DAYS as RETURN_DUE_SOON_DAYS

ACTION_DUE_SOON = timedelta(days=ACTION_DUE_SOON_DAYS)
RETURN_DUE_SOON = timedelta(days=RETURN_DUE_SOON_DAYS)
VISIT_DUE_SOON = timedelta(days=visit_rules.DUE_SOON_DAYS)


class add_months(FunctionElement):
    """SQL for rules.add_months: the same day `months` later, or that month's last day."""

    type = Date()
    inherit_cache = True

    def __init__(self, day, months: int) -> None:
        self.months = months
        super().__init__(day)


@compiles(add_months, "sqlite")
def _add_months_sqlite(element, compiler, **kw) -> str:
    # SQLite rolls 31 August + 6 months over into March: take the month's last day instead.
    day = compiler.process(next(iter(element.clauses)), **kw)
    months = int(element.months)
    return (
        f"min(date({day}, '+{months} months'), "
        f"date({day}, 'start of month', '+{months + 1} months', '-1 day'))"
    )


@compiles(add_months)
def _add_months(element, compiler, **kw) -> str:
    # PostgreSQL keeps the day within the month: 31 August + 6 months is 28 February.
    day = compiler.process(next(iter(element.clauses)), **kw)
    return f"CAST({day} + INTERVAL '{int(element.months)} months' AS DATE)"


class VisitType(enum.Enum):
    initial = "Initial"
    routine = "Routine"
    follow_up = "Follow-up"
    responsive = "Responsive"


class VisitState(StateEnum):
    scheduled = "Scheduled"
    in_progress = "Being recorded"
    finalised = "Finalised"
    cancelled = "Cancelled"

    __transitions__ = {
        "scheduled": ("in_progress", "cancelled"),
        "in_progress": ("finalised", "cancelled"),
    }
    __stamps__ = {"finalised": "finalised_at", "cancelled": "cancelled_at"}


# A visit still to be made or being recorded.
OPEN_VISIT_STATES = (VisitState.scheduled, VisitState.in_progress)


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
    # The time of day an announced visit starts (UK time), told to the provider with the date.
    planned_time: Mapped[time | None]
    monitor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    scheduled_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    template_id: Mapped[int | None] = mapped_column(ForeignKey("visit_template.id"), index=True)
    # The visit whose outcome made this follow-up necessary.
    follow_up_of_id: Mapped[int | None] = mapped_column(ForeignKey("quality_visit.id"), index=True)
    visited_on: Mapped[date | None] = mapped_column(index=True)
    outcome: Mapped[VisitOutcome | None] = mapped_column(enum_type(VisitOutcome))
    summary: Mapped[str] = mapped_column(Text, default="")
    finalised_at: Mapped[datetime | None] = mapped_column(index=True)
    finalised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    report_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("stored_document.id"), index=True
    )
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

    @hybrid_property
    def is_open(self) -> bool:
        return self.state in OPEN_VISIT_STATES

    @is_open.inplace.expression
    @classmethod
    def _is_open_expression(cls):
        return cls.state.in_(OPEN_VISIT_STATES)

    @property
    def is_locked(self) -> bool:
        return not self.is_open

    @property
    def is_in_progress(self) -> bool:
        return self.state is VisitState.in_progress

    @property
    def is_finalised(self) -> bool:
        return self.state is VisitState.finalised

    @property
    def is_cancelled(self) -> bool:
        return self.state is VisitState.cancelled

    @hybrid_property
    def is_visible_to_provider(self) -> bool:
        """Announced visits are seen from the start; unannounced ones once finalised."""
        return self.is_announced or self.state is VisitState.finalised

    @is_visible_to_provider.inplace.expression
    @classmethod
    def _is_visible_to_provider_expression(cls):
        return or_(cls.is_announced.is_(True), cls.state == VisitState.finalised)

    @hybrid_property
    def next_visit_due_on(self) -> date | None:
        """When the visit after this finalised one is due (rules.NEXT_VISIT_MONTHS)."""
        if self.outcome is None or self.visited_on is None:
            return None
        return visit_rules.next_visit_due_on(self.visited_on, self.outcome)

    @next_visit_due_on.inplace.expression
    @classmethod
    def _next_visit_due_on_expression(cls):
        return case(
            *(
                (cls.outcome == VisitOutcome[name], add_months(cls.visited_on, months))
                for name, months in visit_rules.NEXT_VISIT_MONTHS.items()
            )
        )

    @hybrid_method
    def is_next_visit_overdue(self, today: date) -> bool:
        due_on = self.next_visit_due_on
        return due_on is not None and due_on < today

    @is_next_visit_overdue.inplace.expression
    @classmethod
    def _is_next_visit_overdue_expression(cls, today: date):
        return cls.next_visit_due_on < today

    @hybrid_method
    def is_next_visit_due_soon(self, today: date) -> bool:
        due_on = self.next_visit_due_on
        return due_on is not None and today <= due_on <= today + VISIT_DUE_SOON

    @is_next_visit_due_soon.inplace.expression
    @classmethod
    def _is_next_visit_due_soon_expression(cls, today: date):
        return and_(cls.next_visit_due_on >= today, cls.next_visit_due_on <= today + VISIT_DUE_SOON)

    def is_assigned_to(self, user) -> bool:
        """Only the monitor assigned to the visit records it (sections, actions, finalising)."""
        return user.is_quality_monitor and user.id == self.monitor_id

    def can_record(self, user) -> bool:
        return self.is_assigned_to(user) and self.is_open

    def can_change(self, user) -> bool:
        """Reschedule or cancel: contracts officers and monitors, while the visit is open."""
        return self.is_open and (user.is_contracts_officer or user.is_quality_monitor)

    def can_add_addendum(self, user) -> bool:
        return self.is_finalised and (user.is_contracts_officer or user.is_quality_monitor)


# Each home's last finalised visit (the due list ranks them per home, newest first): the
# finalised visits in that order, with the outcome the next due date is worked out from.
Index(
    "ix_quality_visit_last_finalised",
    Visit.care_home_id,
    Visit.visited_on.desc(),
    Visit.finalised_at.desc(),
    Visit.id.desc(),
    postgresql_include=["outcome"],
    postgresql_where=text("state = 'finalised'"),
    sqlite_where=text("state = 'finalised'"),
)
# The gate's "passed its initial (or follow-up) visit" and the due list ask which homes have a
# finalised visit of a type with an outcome: answered from this index alone. Not partial: the
# statements send the states as parameters, and a prepared statement's generic plan could not
# use a partial index.
Index(
    "ix_quality_visit_gate",
    Visit.state,
    Visit.visit_type,
    Visit.outcome,
    Visit.care_home_id,
)
# A provider's next visits in date order (its home page).
Index(
    "ix_quality_visit_provider_planned",
    Visit.provider_id,
    Visit.planned_on,
    Visit.planned_time,
    Visit.id,
)


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
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"), index=True)
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


class ActionState(StateEnum):
    open = "Open"
    awaiting_verification = "Waiting for verification"
    closed = "Closed"

    # The provider answers an open action (or adds to its answer while it waits); the
    # monitor closes an answered action or sends it back.
    __transitions__ = {
        "open": ("awaiting_verification",),
        "awaiting_verification": ("awaiting_verification", "closed", "open"),
    }
    __stamps__ = {"closed": "closed_at"}


class VisitAction(IdMixin, TimestampMixin, Base):
    """One item of a visit's action plan: what the provider must do, by when, and whether
    the monitor has verified it done."""

    __tablename__ = "visit_action"
    noun = "action"
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
    closed_at: Mapped[datetime | None] = mapped_column(index=True)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    visit: Mapped[Visit] = relationship(back_populates="actions")
    responses: Mapped[list["ActionResponse"]] = relationship(
        back_populates="action", cascade="all, delete-orphan", order_by="ActionResponse.id"
    )

    @property
    def is_open(self) -> bool:
        return self.state is ActionState.open

    @property
    def is_closed(self) -> bool:
        return self.state is ActionState.closed

    @property
    def is_awaiting_verification(self) -> bool:
        return self.state is ActionState.awaiting_verification

    @hybrid_method
    def is_overdue(self, today: date) -> bool:
        """Past its due date without the provider's answer: an answered action waiting for
        verification is not overdue (one sent back is open, and overdue again)."""
        return self.state is ActionState.open and self.due_on < today

    @is_overdue.inplace.expression
    @classmethod
    def _is_overdue_expression(cls, today: date):
        return and_(cls.state == ActionState.open, cls.due_on < today)

    @hybrid_method
    def is_reminder_due(self, today: date) -> bool:
        """Not answered yet and due within DUE_SOON_DAYS (or overdue): the provider is reminded."""
        return self.state is ActionState.open and self.due_on <= today + ACTION_DUE_SOON

    @is_reminder_due.inplace.expression
    @classmethod
    def _is_reminder_due_expression(cls, today: date):
        return and_(cls.state == ActionState.open, cls.due_on <= today + ACTION_DUE_SOON)

    def can_respond(self, user) -> bool:
        return not self.is_closed and user.provider_id == self.provider_id

    def can_verify(self, user) -> bool:
        return self.is_awaiting_verification and user.is_quality_monitor


class ActionResponse(IdMixin, Base):
    """The provider's answer to an action: what it did, with evidence."""

    __tablename__ = "action_response"

    action_id: Mapped[int] = mapped_column(ForeignKey("visit_action.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("stored_document.id"), index=True)
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


class ReturnState(StateEnum):
    due = "Not submitted"
    submitted = "Submitted"
    reviewed = "Reviewed"

    __transitions__ = {"due": ("submitted",), "submitted": ("reviewed",)}
    __stamps__ = {"submitted": "submitted_at", "reviewed": "reviewed_at"}


class QualityReturn(IdMixin, TimestampMixin, Base):
    """A home's quarterly quality assurance return. Overdue follows from `due_on`."""

    __tablename__ = "quality_return"
    noun = "return"
    __table_args__ = (
        UniqueConstraint("care_home_id", "period_start"),
        CheckConstraint(
            "(state = 'due') = (submitted_at IS NULL)",
            name="submitted_returns_have_a_submission_time",
        ),
        # The council's queue: each list is one state in one order, and its counts (the
        # overdue among them) read (state, due_on) alone; every query of these columns
        # filters by state (issue 9).
        Index("ix_quality_return_state_due_on", "state", "due_on"),
        Index("ix_quality_return_state_submitted_at", "state", "submitted_at"),
        Index("ix_quality_return_state_reviewed_at", "state", "reviewed_at"),
    )

    provider_id: Mapped[int] = mapped_column(ForeignKey("provider_organisation.id"), index=True)
    care_home_id: Mapped[int] = mapped_column(ForeignKey("care_home.id"), index=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("return_form.id"), index=True)
    period_start: Mapped[date] = mapped_column(index=True)
    period_end: Mapped[date]
    due_on: Mapped[date]
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

    @property
    def is_due(self) -> bool:
        """Not submitted yet: the provider can still change it."""
        return self.state is ReturnState.due

    @property
    def is_submitted(self) -> bool:
        return self.state is ReturnState.submitted

    @hybrid_method
    def is_overdue(self, today: date) -> bool:
        return self.state is ReturnState.due and self.due_on < today

    @is_overdue.inplace.expression
    @classmethod
    def _is_overdue_expression(cls, today: date):
        return and_(cls.state == ReturnState.due, cls.due_on < today)

    @hybrid_method
    def is_due_soon(self, today: date) -> bool:
        return self.state is ReturnState.due and today <= self.due_on <= today + RETURN_DUE_SOON

    @is_due_soon.inplace.expression
    @classmethod
    def _is_due_soon_expression(cls, today: date):
        return and_(
            cls.state == ReturnState.due,
            cls.due_on >= today,
            cls.due_on <= today + RETURN_DUE_SOON,
        )

    def can_review(self, user) -> bool:
        return self.is_submitted and user.is_quality_monitor
