import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dps_portal.core import clock
from dps_portal.core.models import Base, IdMixin, TimestampMixin, enum_type
from dps_portal.core.states import StateEnum


class QuestionSet(IdMixin, Base):
    """One published version of the selection questionnaire. Never edited once published:
    a change is a new version, and each application keeps the version it was made with."""

    __tablename__ = "question_set"
    __table_args__ = (UniqueConstraint("framework_id", "version"),)

    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id"), index=True)
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    # Sections and their questions: see dps_portal/onboarding/questions.py for the shape.
    definition: Mapped[Any] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(default=clock.now)


class ApplicationState(StateEnum):
    draft = "Draft"
    submitted = "Submitted"
    clarification_requested = "Clarification requested"
    decided = "Decided"
    withdrawn = "Withdrawn"

    __transitions__ = {
        "draft": ("submitted", "withdrawn"),
        "submitted": ("clarification_requested", "decided", "withdrawn"),
        "clarification_requested": ("submitted", "decided", "withdrawn"),
    }
    __stamps__ = {"decided": "decided_at", "withdrawn": "withdrawn_at"}

    @property
    def is_open(self) -> bool:
        """An organisation may have one application in these states at a time."""
        return self in OPEN_STATES

    @property
    def is_editable(self) -> bool:
        """The provider can still change it (all of it in draft; the reopened sections while
        a clarification is open)."""
        return self in EDITABLE_STATES

    @property
    def is_awaiting_decision(self) -> bool:
        return self in AWAITING_DECISION


OPEN_STATES = frozenset(
    {ApplicationState.draft, ApplicationState.submitted, ApplicationState.clarification_requested}
)
EDITABLE_STATES = frozenset({ApplicationState.draft, ApplicationState.clarification_requested})
AWAITING_DECISION = frozenset(
    {ApplicationState.submitted, ApplicationState.clarification_requested}
)


def _state_in(states: frozenset[ApplicationState]) -> hybrid_property:
    """Whether the application's state is one of `states`: in Python, and in SQL to filter."""
    return hybrid_property(
        lambda application: application.state in states,
        expr=lambda cls: cls.state.in_(states),
    )


class Application(IdMixin, TimestampMixin, Base):
    """A provider's request to participate in the DPS, in one or more categories."""

    __tablename__ = "application"
    __table_args__ = (
        CheckConstraint(
            "(state = 'draft') OR (submitted_at IS NOT NULL) OR (state = 'withdrawn')",
            name="submitted_applications_have_a_submission_time",
        ),
        CheckConstraint(
            "(extended_due_on IS NULL) = (extension_reason IS NULL)",
            name="an_extension_has_a_reason",
        ),
    )

    reference: Mapped[str] = mapped_column(String(30), unique=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider_organisation.id"), index=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id"), index=True)
    question_set_id: Mapped[int] = mapped_column(ForeignKey("question_set.id"), index=True)
    state: Mapped[ApplicationState] = mapped_column(enum_type(ApplicationState), index=True)
    # Applying again after a rejection starts from the previous application's answers.
    previous_application_id: Mapped[int | None] = mapped_column(
        ForeignKey("application.id"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The UK date the council received it, and the decision due 10 working days later.
    received_on: Mapped[date | None] = mapped_column(index=True)
    due_on: Mapped[date | None] = mapped_column(index=True)
    extended_due_on: Mapped[date | None] = mapped_column(index=True)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    extended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    extended_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None] = mapped_column(index=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(index=True)
    withdrawal_reason: Mapped[str] = mapped_column(Text, default="")
    # A "yes" to a mandatory exclusion ground blocks admission unless an officer records
    # the provider's self-cleaning evidence here.
    self_cleaning_note: Mapped[str] = mapped_column(Text, default="")
    self_cleaning_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    self_cleaning_recorded_at: Mapped[datetime | None]
    decision_notice_id: Mapped[int | None] = mapped_column(
        ForeignKey("stored_document.id"), index=True
    )
    # Why the officer admitted although a section failed its review (the override); the
    # provider reads it in the decision notice. Empty when nothing was admitted over a failure.
    override_reason: Mapped[str] = mapped_column(Text, default="")

    provider = relationship("ProviderOrganisation")
    framework = relationship("Framework")
    question_set: Mapped[QuestionSet] = relationship()
    categories: Mapped[list["ApplicationCategory"]] = relationship(
        back_populates="application",
        cascade="all, delete-orphan",
        order_by="ApplicationCategory.id",
    )
    answers: Mapped[list["Answer"]] = relationship(
        back_populates="application", cascade="all, delete-orphan"
    )
    section_reviews: Mapped[list["SectionReview"]] = relationship(
        back_populates="application", cascade="all, delete-orphan"
    )
    clarifications: Mapped[list["ClarificationRequest"]] = relationship(
        back_populates="application",
        cascade="all, delete-orphan",
        order_by="ClarificationRequest.requested_at",
    )
    decision_notice = relationship("StoredDocument", foreign_keys=[decision_notice_id])
    previous_application = relationship("Application", remote_side="Application.id")

    @hybrid_property
    def decision_due_on(self) -> date | None:
        """The date the decision is due by: the extended date when there is one."""
        return self.extended_due_on or self.due_on

    @decision_due_on.inplace.expression
    @classmethod
    def _decision_due_on_expression(cls):
        return func.coalesce(cls.extended_due_on, cls.due_on)

    is_open = _state_in(OPEN_STATES)
    is_awaiting_decision = _state_in(AWAITING_DECISION)

    @property
    def is_draft(self) -> bool:
        return self.state is ApplicationState.draft

    @property
    def is_decided(self) -> bool:
        return self.state is ApplicationState.decided

    @property
    def is_withdrawn(self) -> bool:
        return self.state is ApplicationState.withdrawn

    @property
    def is_received(self) -> bool:
        """The council has received it; drafts are the provider's own business."""
        return self.received_on is not None

    @property
    def is_deleted_draft(self) -> bool:
        """Withdrawn before the council received it: the provider deleted its draft."""
        return self.is_withdrawn and not self.is_received

    @property
    def has_admitted_category(self) -> bool:
        return any(chosen.is_admitted for chosen in self.categories)

    @property
    def open_clarification(self) -> "ClarificationRequest | None":
        """The clarification the provider has still to answer, if any."""
        if self.state is not ApplicationState.clarification_requested:
            return None
        pending = [request for request in self.clarifications if request.is_open]
        return pending[-1] if pending else None

    @property
    def reopened_parts(self) -> set[str]:
        """The parts (section keys, "categories", "rates") an open clarification reopened."""
        clarification = self.open_clarification
        return set(clarification.section_keys or ()) if clarification is not None else set()

    def is_part_changeable(self, part_key: str) -> bool:
        """Anything in draft; only the reopened parts while a clarification is open."""
        return self.is_draft or part_key in self.reopened_parts

    # Who may do what: the provider's own users on its side, contracts officers on theirs.

    def is_own(self, user) -> bool:
        return user.is_provider_user and user.provider_id == self.provider_id

    def can_change(self, user, part_key: str) -> bool:
        return self.is_own(user) and self.is_part_changeable(part_key)

    def can_submit(self, user) -> bool:
        return self.is_own(user) and self.is_draft

    def can_withdraw(self, user) -> bool:
        return self.is_own(user) and self.state.is_open

    def can_respond(self, user) -> bool:
        return self.is_own(user) and self.open_clarification is not None

    def can_apply_again_from(self, user) -> bool:
        """A decided application with a rejected category: its provider may start again
        from it."""
        return (
            self.is_own(user)
            and self.is_decided
            and any(chosen.is_rejected for chosen in self.categories)
        )

    def can_review(self, user) -> bool:
        return user.is_contracts_officer and self.is_received

    def can_decide(self, user) -> bool:
        return self.can_review(user) and self.state.is_awaiting_decision

    can_record_self_cleaning = can_decide

    def can_ask_for_clarification(self, user) -> bool:
        return self.can_review(user) and self.state is ApplicationState.submitted

    def can_extend(self, user) -> bool:
        return self.can_decide(user) and self.extended_due_on is None


class CategoryDecision(enum.Enum):
    pending = "Not decided"
    admitted = "Admitted"
    rejected = "Rejected"


class ApplicationCategory(IdMixin, Base):
    """A category applied for, the homes put forward for it, and the decision on it."""

    __tablename__ = "application_category"
    __table_args__ = (
        UniqueConstraint("application_id", "category_id"),
        CheckConstraint(
            "(decision = 'pending') = (decided_at IS NULL)",
            name="decided_categories_have_a_decision_time",
        ),
    )

    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    decision: Mapped[CategoryDecision] = mapped_column(
        enum_type(CategoryDecision), default=CategoryDecision.pending
    )
    reasons: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]

    application: Mapped[Application] = relationship(back_populates="categories")
    category = relationship("Category")
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def is_decided(self) -> bool:
        return self.decision is not CategoryDecision.pending

    @property
    def is_admitted(self) -> bool:
        return self.decision is CategoryDecision.admitted

    @property
    def is_rejected(self) -> bool:
        return self.decision is CategoryDecision.rejected

    homes: Mapped[list["ApplicationHome"]] = relationship(
        back_populates="application_category",
        cascade="all, delete-orphan",
        order_by="ApplicationHome.id",
    )


class ApplicationHome(IdMixin, Base):
    """A home put forward for a category, with the weekly rate the provider proposes."""

    __tablename__ = "application_home"
    __table_args__ = (UniqueConstraint("application_category_id", "care_home_id"),)

    application_category_id: Mapped[int] = mapped_column(
        ForeignKey("application_category.id"), index=True
    )
    care_home_id: Mapped[int] = mapped_column(ForeignKey("care_home.id"), index=True)
    proposed_weekly_rate: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))

    application_category: Mapped[ApplicationCategory] = relationship(back_populates="homes")
    care_home = relationship("CareHome")


class Answer(IdMixin, Base):
    """One answer to one question. `scope` says what it is about: the organisation ("org"),
    a home ("home:<id>") or a category ("category:<id>"). The question's text is copied in
    when the application is submitted, so later versions of the questions change nothing."""

    __tablename__ = "application_answer"
    __table_args__ = (UniqueConstraint("application_id", "question_key", "scope"),)

    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    section_key: Mapped[str] = mapped_column(String(60))
    question_key: Mapped[str] = mapped_column(String(60))
    scope: Mapped[str] = mapped_column(String(40), default="org")
    # Text, "yes"/"no", an ISO date, a decimal string, or for insurance
    # {"amount": "5000000.00", "expires_on": "2027-03-31"}.
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("stored_document.id"), index=True)
    question_text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)

    application: Mapped[Application] = relationship(back_populates="answers")
    document = relationship("StoredDocument")


class ReviewOutcome(enum.Enum):
    passed = "Pass"
    failed = "Fail"


class SectionReview(IdMixin, Base):
    """An officer's pass or fail, with a comment, on one section of an application."""

    __tablename__ = "section_review"
    __table_args__ = (UniqueConstraint("application_id", "section_key"),)

    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    section_key: Mapped[str] = mapped_column(String(60))
    outcome: Mapped[ReviewOutcome] = mapped_column(enum_type(ReviewOutcome))
    comment: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime] = mapped_column(default=clock.now)

    application: Mapped[Application] = relationship(back_populates="section_reviews")
    reviewed_by = relationship("User")

    @property
    def is_passed(self) -> bool:
        return self.outcome is ReviewOutcome.passed


class ClarificationRequest(IdMixin, Base):
    """An officer's question to the provider, reopening some sections for it to answer."""

    __tablename__ = "clarification_request"

    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    section_keys: Mapped[Any] = mapped_column(JSON)
    message: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(default=clock.now)
    response: Mapped[str] = mapped_column(Text, default="")
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    responded_at: Mapped[datetime | None]
    # The reopened sections' answers as they were, so what changed can be shown.
    answers_before: Mapped[Any] = mapped_column(JSON, nullable=True)

    application: Mapped[Application] = relationship(back_populates="clarifications")
    requested_by = relationship("User", foreign_keys=[requested_by_id])

    @property
    def is_open(self) -> bool:
        return self.responded_at is None


class Admission(IdMixin, Base):
    """A provider admitted to a category: the lasting result of a decision. Admission alone
    does not make a home eligible for placements (see the quality gate)."""

    __tablename__ = "admission"
    __table_args__ = (UniqueConstraint("provider_id", "category_id"),)

    provider_id: Mapped[int] = mapped_column(ForeignKey("provider_organisation.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    admitted_at: Mapped[datetime] = mapped_column(default=clock.now)
    admitted_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    provider = relationship("ProviderOrganisation")
    category = relationship("Category")
    homes: Mapped[list["AdmittedHome"]] = relationship(
        back_populates="admission", cascade="all, delete-orphan"
    )


class AdmittedHome(IdMixin, Base):
    """A home admitted for a category (it was put forward for it and the category admitted)."""

    __tablename__ = "admitted_home"
    __table_args__ = (UniqueConstraint("admission_id", "care_home_id"),)

    admission_id: Mapped[int] = mapped_column(ForeignKey("admission.id"), index=True)
    care_home_id: Mapped[int] = mapped_column(ForeignKey("care_home.id"), index=True)

    admission: Mapped[Admission] = relationship(back_populates="homes")
    care_home = relationship("CareHome")
