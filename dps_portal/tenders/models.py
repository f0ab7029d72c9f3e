"""Mini-tenders: a placement request and its award criteria, the invitations publishing makes
(with each invitee's eligible homes at that moment), clarifications, and sealed bids with
every version kept. Whether a tender is open follows from its deadline and the clock
(`is_open_at`), never from a job."""

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    select,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dps_portal.core import clock
from dps_portal.core.models import Base, IdMixin, TimestampMixin, enum_type, foreign_key
from dps_portal.core.money import Money
from dps_portal.core.roles import Role
from dps_portal.core.states import StateEnum
from dps_portal.framework.models import Category, Framework
from dps_portal.tenders import rules


class TenderState(StateEnum):
    """A tender's life. Open and closed are not states: a published tender is open until its
    deadline and closed after it (`Tender.is_open_at`)."""

    draft = "Draft"
    published = "Published"
    opened = "Bids opened"
    evaluating = "Being evaluated"
    moderated = "Moderated"
    recommended = "Award waiting for approval"
    standstill = "Bidders told, standstill"
    awarded = "Awarded"
    unsuccessful = "Ended without award"
    cancelled = "Cancelled"

    # opened: compliance is checked; evaluating: evaluators score quality blind; moderated:
    # scores agreed, ranking and the person's choice; recommended: an award above the
    # approval threshold waits for a second officer (refusal sends it back to moderated);
    # standstill: bidders told, the award confirmed when the standstill ends (0 days allowed).
    __transitions__ = {
        "draft": ("published", "cancelled"),
        "published": ("opened", "cancelled"),
        "opened": ("evaluating", "unsuccessful", "cancelled"),
        "evaluating": ("moderated", "unsuccessful", "cancelled"),
        "moderated": ("recommended", "unsuccessful", "cancelled"),
        "recommended": ("standstill", "moderated", "cancelled"),
        "standstill": ("awarded", "cancelled"),
    }
    __stamps__ = {
        "published": "published_at",
        "opened": "opened_at",
        "evaluating": "evaluation_started_at",
        "moderated": "moderated_at",
        "standstill": "bidders_told_at",
        "awarded": "awarded_at",
        "unsuccessful": "ended_at",
        "cancelled": "cancelled_at",
    }


# The states after publishing, in which invitees see the tender.
PUBLISHED_STATES = (
    TenderState.published,
    TenderState.opened,
    TenderState.evaluating,
    TenderState.moderated,
    TenderState.recommended,
    TenderState.standstill,
    TenderState.awarded,
    TenderState.unsuccessful,
    TenderState.cancelled,
)

# The states in which the bids have been opened and evaluation is under way or done.
EVALUATION_STATES = (
    TenderState.opened,
    TenderState.evaluating,
    TenderState.moderated,
    TenderState.recommended,
    TenderState.standstill,
    TenderState.awarded,
    TenderState.unsuccessful,
)


class Funding(enum.Enum):
    council = "Council"
    joint_nhs = "Joint with the NHS"
    continuing_healthcare = "NHS continuing healthcare"
    s117 = "Section 117 aftercare"


class DeclineReason(enum.Enum):
    no_vacancy = "No vacancy"
    cannot_meet_needs = "Cannot meet the person's needs"
    price = "Price"
    location = "Location"
    other = "Other"


class BidState(StateEnum):
    """A provider's bid: its last submitted version counts until withdrawn; a withdrawn bid
    may be submitted again before the deadline."""

    submitted = "Submitted"
    withdrawn = "Withdrawn"

    __transitions__ = {"submitted": ("withdrawn",), "withdrawn": ("submitted",)}
    __stamps__ = {"withdrawn": "withdrawn_at"}


class ClarificationState(StateEnum):
    asked = "Waiting for an answer"
    answered = "Answered"

    __transitions__ = {"asked": ("answered",)}
    __stamps__ = {"answered": "answered_at"}


tender_preferred_district = Table(
    "tender_preferred_district",
    Base.metadata,
    Column("tender_id", ForeignKey("tender.id"), primary_key=True),
    Column("district_id", ForeignKey("district.id"), primary_key=True, index=True),
)


def _framework_abnormally_low_percent(context) -> int:
    """A new tender's abnormally low line: its category's framework's, read as it is inserted."""
    category_id = context.get_current_parameters()["category_id"]
    return context.connection.scalar(
        select(Framework.abnormally_low_percent)
        .join(Category, Category.framework_id == Framework.id)
        .where(Category.id == category_id)
    )


class Tender(IdMixin, TimestampMixin, Base):
    """A mini-tender for one placement: the request, the award criteria and the deadline."""

    __tablename__ = "tender"
    noun = "tender"
    __table_args__ = (
        CheckConstraint(
            f"price_weight BETWEEN {rules.PRICE_WEIGHT_MIN} AND {rules.PRICE_WEIGHT_MAX}",
            name="price_weight_in_range",
        ),
        CheckConstraint("price_weight + quality_weight = 100", name="weights_add_up_to_100"),
        CheckConstraint(
            "quality_threshold BETWEEN 0 AND 100", name="quality_threshold_is_a_percentage"
        ),
        CheckConstraint("clarifications_close_at <= closes_at", name="clarifications_close_first"),
        CheckConstraint(
            f"evaluator_count BETWEEN 1 AND {rules.MAX_EVALUATORS}", name="evaluator_count_in_range"
        ),
        CheckConstraint(
            "abnormally_low_percent BETWEEN 1 AND 99", name="abnormally_low_percent_in_range"
        ),
        CheckConstraint(
            f"standstill_working_days BETWEEN 0 AND {rules.MAX_STANDSTILL_WORKING_DAYS}",
            name="standstill_in_range",
        ),
        CheckConstraint("age BETWEEN 0 AND 130", name="age_in_range"),
        CheckConstraint(
            "one_to_one_hours >= 0 AND two_to_one_hours >= 0", name="support_hours_not_negative"
        ),
        CheckConstraint(
            "state IN ('draft', 'cancelled') OR published_at IS NOT NULL",
            name="published_tenders_have_a_time",
        ),
        CheckConstraint("state <> 'draft' OR published_at IS NULL", name="drafts_are_unpublished"),
        CheckConstraint(
            "(state = 'cancelled') = (cancelled_at IS NOT NULL)",
            name="cancelled_tenders_have_a_time",
        ),
        CheckConstraint(
            "(state = 'awarded') = (awarded_at IS NOT NULL)", name="awarded_tenders_have_a_time"
        ),
        Index("ix_tender_closes_at_id", "closes_at", "id"),
    )

    reference: Mapped[str | None] = mapped_column(String(40), unique=True)
    state: Mapped[TenderState] = mapped_column(enum_type(TenderState), index=True)
    # The placement request. Never a name: a pseudonymised reference only.
    person_reference: Mapped[str] = mapped_column(String(60))
    age: Mapped[int]
    category_id: Mapped[int] = foreign_key("category.id")
    setting_id: Mapped[int] = foreign_key("care_setting.id")
    needs_summary: Mapped[str] = mapped_column(Text)
    risks: Mapped[str] = mapped_column(Text, default="")
    one_to_one_hours: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal(0))
    two_to_one_hours: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal(0))
    required_start_on: Mapped[date]
    funding: Mapped[Funding] = mapped_column(enum_type(Funding))
    preferences: Mapped[str] = mapped_column(Text, default="")
    # The award criteria.
    price_weight: Mapped[int] = mapped_column(default=rules.DEFAULT_PRICE_WEIGHT)
    quality_weight: Mapped[int] = mapped_column(default=100 - rules.DEFAULT_PRICE_WEIGHT)
    # Per cent of the highest quality score a bid can get; below it a bid fails.
    quality_threshold: Mapped[int] = mapped_column(default=rules.DEFAULT_QUALITY_THRESHOLD)
    max_weekly_price: Mapped[Decimal | None] = mapped_column(Money)
    # How many officers score quality, each blind to the others until they submit.
    evaluator_count: Mapped[int] = mapped_column(
        default=rules.DEFAULT_EVALUATORS, server_default=str(rules.DEFAULT_EVALUATORS)
    )
    # A compliant bid below this per cent of the median compliant total is flagged. A new
    # tender starts from its framework's line (administrators keep it); "70" is only the
    # database's own default, for a row written outside the models.
    abnormally_low_percent: Mapped[int] = mapped_column(
        default=_framework_abnormally_low_percent, server_default="70"
    )
    # Working days between telling the bidders and confirming the award; 0 allowed.
    standstill_working_days: Mapped[int] = mapped_column(
        default=rules.DEFAULT_STANDSTILL_WORKING_DAYS,
        server_default=str(rules.DEFAULT_STANDSTILL_WORKING_DAYS),
    )
    # A re-run of an unsuccessful (or cancelled) tender is a copy that remembers its original.
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("tender.id"), index=True)
    # Times are instants (UTC); pages show them in UK time.
    closes_at: Mapped[datetime]
    clarifications_close_at: Mapped[datetime]
    # Who, when: each state's stamp.
    created_by_id: Mapped[int] = foreign_key("user_account.id")
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The day the eligibility rule was asked for the invitations.
    eligibility_on: Mapped[date | None]
    opened_at: Mapped[datetime | None]
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    evaluation_started_at: Mapped[datetime | None]
    moderated_at: Mapped[datetime | None]
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    bidders_told_at: Mapped[datetime | None]
    # The standstill's last day (UK); the award may be confirmed the working day after.
    standstill_ends_on: Mapped[date | None]
    awarded_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    cancelled_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    cancel_reason: Mapped[str] = mapped_column(Text, default="")

    category = relationship("Category")
    setting = relationship("CareSetting")
    created_by = relationship("User", foreign_keys=[created_by_id])
    preferred_districts = relationship(
        "District", secondary=tender_preferred_district, order_by="District.position"
    )
    questions: Mapped[list["TenderQuestion"]] = relationship(
        back_populates="tender", order_by="TenderQuestion.position", cascade="all, delete-orphan"
    )

    # Derived from the deadline and the clock: the same rule in Python and in SQL.

    @hybrid_method
    def is_open_at(self, now: datetime) -> bool:
        """Published and its deadline not yet reached: bids may be submitted."""
        return self.state is TenderState.published and now < self.closes_at

    @is_open_at.inplace.expression
    @classmethod
    def _is_open_at_expression(cls, now: datetime):
        return and_(cls.state == TenderState.published, cls.closes_at > now)

    @hybrid_method
    def is_closed_at(self, now: datetime) -> bool:
        """Published and past its deadline, waiting for its bids to be opened."""
        return self.state is TenderState.published and now >= self.closes_at

    @is_closed_at.inplace.expression
    @classmethod
    def _is_closed_at_expression(cls, now: datetime):
        return and_(cls.state == TenderState.published, cls.closes_at <= now)

    @hybrid_method
    def is_closing_soon_at(self, now: datetime) -> bool:
        return self.is_open_at(now) and self.closes_at - now <= rules.CLOSING_SOON

    @is_closing_soon_at.inplace.expression
    @classmethod
    def _is_closing_soon_at_expression(cls, now: datetime):
        return and_(
            cls.state == TenderState.published,
            cls.closes_at > now,
            cls.closes_at <= now + rules.CLOSING_SOON,
        )

    def is_past_deadline(self, now: datetime | None = None) -> bool:
        return (now or clock.now()) >= self.closes_at

    def are_bids_opened(self, now: datetime | None = None) -> bool:
        """The other side of the seal: past the deadline and opened by an officer (a recorded
        event). Only then are bids read for evaluation (tenders.evaluation and award queries
        check it before reading any)."""
        return self.opened_at is not None and self.is_past_deadline(now)

    def are_clarifications_open(self, now: datetime | None = None) -> bool:
        now = now or clock.now()
        return self.is_open_at(now) and now < self.clarifications_close_at

    def phase(self, now: datetime | None = None) -> str:
        """What people call where the tender is now: Draft, Open, Closing soon, Closed, …"""
        now = now or clock.now()
        if self.state is not TenderState.published:
            return self.state.value
        if self.is_closing_soon_at(now):
            return "Closing soon"
        return "Open" if self.is_open_at(now) else "Closed"

    def phase_for_invitee(self, now: datetime | None = None) -> str:
        """Where the tender is, as an invited provider reads it: the council's steps after the
        deadline (opening, scoring, moderation, approval) all read "Closed", and "Awarded" from
        the moment the bidders are told."""
        if self.state in (TenderState.standstill, TenderState.awarded):
            return "Awarded"
        if self.state in (
            TenderState.opened,
            TenderState.evaluating,
            TenderState.moderated,
            TenderState.recommended,
        ):
            return "Closed"
        return self.phase(now)

    def time_left(self, now: datetime | None = None) -> str:
        """'1 day 4 hours', '35 minutes', or '' once closed."""
        now = now or clock.now()
        if not self.is_open_at(now):
            return ""
        return rules.duration_in_words(self.closes_at - now)

    @property
    def label(self) -> str:
        return self.reference or f"Draft tender {self.id}"

    @property
    def is_draft(self) -> bool:
        return self.state is TenderState.draft

    @property
    def support_hours_text(self) -> str:
        parts = []
        if self.one_to_one_hours:
            parts.append(f"{_hours(self.one_to_one_hours)} one-to-one")
        if self.two_to_one_hours:
            parts.append(f"{_hours(self.two_to_one_hours)} two-to-one")
        return ", ".join(parts) + " a week" if parts else "None"

    # Permissions: one place for each verb, asked by views and templates alike.

    def can_edit(self, user) -> bool:
        return _is_officer(user) and self.state is TenderState.draft

    def can_publish(self, user) -> bool:
        return self.can_edit(user)

    def can_manage(self, user) -> bool:
        """Answer clarifications and extend the deadline: while it is open."""
        return _is_officer(user) and self.is_open_at(clock.now())

    def can_cancel(self, user) -> bool:
        return _is_officer(user) and self.state.may_become(TenderState.cancelled)


class TenderQuestion(IdMixin, Base):
    """A quality question of a tender's award criteria, scored 0 to 5 at evaluation."""

    __tablename__ = "tender_question"
    __table_args__ = (
        UniqueConstraint("tender_id", "position"),
        CheckConstraint("weight > 0", name="weight_positive"),
        CheckConstraint("word_limit > 0", name="word_limit_positive"),
    )

    tender_id: Mapped[int] = foreign_key("tender.id")
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    guidance: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[int]
    word_limit: Mapped[int]

    tender: Mapped[Tender] = relationship(back_populates="questions")


class TenderInvitation(IdMixin, Base):
    """A provider invited when the tender was published: the snapshot later reports and
    challenges rely on, with the provider's response (viewed, declined)."""

    __tablename__ = "tender_invitation"
    __table_args__ = (
        UniqueConstraint("tender_id", "provider_id"),
        CheckConstraint(
            "(declined_at IS NULL) = (decline_reason IS NULL)", name="declines_have_a_reason"
        ),
    )

    tender_id: Mapped[int] = foreign_key("tender.id")
    provider_id: Mapped[int] = foreign_key("provider_organisation.id")
    invited_at: Mapped[datetime] = mapped_column(default=clock.now)
    viewed_at: Mapped[datetime | None]
    declined_at: Mapped[datetime | None]
    decline_reason: Mapped[DeclineReason | None] = mapped_column(enum_type(DeclineReason))
    decline_detail: Mapped[str] = mapped_column(Text, default="")
    declined_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    tender: Mapped[Tender] = relationship()
    provider = relationship("ProviderOrganisation")
    homes: Mapped[list["TenderInvitedHome"]] = relationship(
        back_populates="invitation", order_by="TenderInvitedHome.home_name"
    )
    bid: Mapped["Bid | None"] = relationship(back_populates="invitation", uselist=False)

    @property
    def is_declined(self) -> bool:
        return self.declined_at is not None

    def is_own(self, user) -> bool:
        return user.role is Role.provider and user.provider_id == self.provider_id

    def can_respond(self, user) -> bool:
        """Bid, edit, withdraw, decline or ask: the provider's own, while the tender is open."""
        return self.is_own(user) and self.tender.is_open_at(clock.now())

    def can_ask(self, user) -> bool:
        return self.is_own(user) and self.tender.are_clarifications_open()


class TenderInvitedHome(IdMixin, Base):
    """A home of an invitee that the eligibility rule passed at publishing, as it was then."""

    __tablename__ = "tender_invited_home"
    __table_args__ = (UniqueConstraint("invitation_id", "care_home_id"),)

    invitation_id: Mapped[int] = foreign_key("tender_invitation.id")
    tender_id: Mapped[int] = foreign_key("tender.id")
    care_home_id: Mapped[int] = foreign_key("care_home.id")
    # As they were at publishing.
    home_name: Mapped[str] = mapped_column(String(200))
    cqc_location_id: Mapped[str] = mapped_column(String(40), default="")
    district_name: Mapped[str] = mapped_column(String(120), default="")
    is_eligible: Mapped[bool] = mapped_column(default=True)
    # The rule's warnings then ("Insurance expires 3 March 2027").
    warnings: Mapped[Any] = mapped_column(JSON, default=list)

    invitation: Mapped[TenderInvitation] = relationship(back_populates="homes")
    care_home = relationship("CareHome")


class TenderClarification(IdMixin, Base):
    """An invitee's question and the officer's answer: public to every invitee without the
    asker's name, or private to the asker."""

    __tablename__ = "tender_clarification"
    noun = "clarification question"
    __table_args__ = (
        CheckConstraint(
            "(state = 'answered') = (answered_at IS NOT NULL)",
            name="answered_questions_have_a_time",
        ),
    )

    tender_id: Mapped[int] = foreign_key("tender.id")
    invitation_id: Mapped[int] = foreign_key("tender_invitation.id")
    state: Mapped[ClarificationState] = mapped_column(enum_type(ClarificationState), index=True)
    question: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(default=clock.now)
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    answer: Mapped[str] = mapped_column(Text, default="")
    is_public: Mapped[bool] = mapped_column(default=True)
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    tender: Mapped[Tender] = relationship()
    invitation: Mapped[TenderInvitation] = relationship()

    def can_answer(self, user) -> bool:
        return self.state is ClarificationState.asked and self.tender.can_manage(user)


class Bid(IdMixin, TimestampMixin, Base):
    """A provider's bid for a tender: one per invitation; its versions are every submission,
    and the latest (highest number) counts while the bid is submitted. Sealed until the
    deadline: its content is read only through tenders.queries.sealed_versions (see
    `can_read_content`)."""

    __tablename__ = "bid"
    noun = "bid"
    __table_args__ = (
        UniqueConstraint("invitation_id"),
        CheckConstraint(
            "(state = 'withdrawn') = (withdrawn_at IS NOT NULL)",
            name="withdrawn_bids_have_a_time",
        ),
    )

    tender_id: Mapped[int] = foreign_key("tender.id")
    invitation_id: Mapped[int] = mapped_column(ForeignKey("tender_invitation.id"))
    provider_id: Mapped[int] = foreign_key("provider_organisation.id")
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    state: Mapped[BidState] = mapped_column(enum_type(BidState), index=True)
    withdrawn_at: Mapped[datetime | None]
    invitation: Mapped[TenderInvitation] = relationship(back_populates="bid")
    tender: Mapped[Tender] = relationship()
    versions: Mapped[list["BidVersion"]] = relationship(
        back_populates="bid", order_by="BidVersion.number"
    )

    @property
    def is_submitted(self) -> bool:
        return self.state is BidState.submitted

    def can_read_content(self, user, now: datetime | None = None) -> bool:
        """The seal: its own provider always; a contracts officer only once the deadline has
        passed and the bids have been opened (a recorded event); no one else, ever."""
        if user.role is Role.provider:
            return user.provider_id == self.provider_id
        return user.role is Role.contracts_officer and self.tender.are_bids_opened(now)


class BidVersion(IdMixin, Base):
    """One submission of a bid, kept for ever: what was offered, its receipt and the SHA-256
    of its canonical content (the text the receipt shows)."""

    __tablename__ = "bid_version"
    __table_args__ = (
        UniqueConstraint("bid_id", "number"),
        CheckConstraint("weekly_core_fee >= 0", name="core_fee_not_negative"),
        CheckConstraint(
            "extra_hours_per_week >= 0 AND extra_hourly_rate >= 0", name="extras_not_negative"
        ),
        CheckConstraint(
            "total_weekly_cost = weekly_core_fee + extra_cost", name="total_is_the_sum_of_parts"
        ),
    )

    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id"), index=True)
    number: Mapped[int]
    receipt_reference: Mapped[str] = mapped_column(String(60), unique=True)
    care_home_id: Mapped[int] = foreign_key("care_home.id")
    weekly_core_fee: Mapped[Decimal] = mapped_column(Money)
    extra_hours_per_week: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal(0))
    extra_hourly_rate: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    extra_cost: Mapped[Decimal] = mapped_column(Money)
    total_weekly_cost: Mapped[Decimal] = mapped_column(Money)
    available_from: Mapped[date]
    # [{"question_id": 1, "position": 1, "answer": "..."}] in the questions' order.
    answers: Mapped[Any] = mapped_column(JSON)
    declaration: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime]
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    canonical_content: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64))

    bid: Mapped[Bid] = relationship(back_populates="versions")
    care_home = relationship("CareHome")
    submitted_by = relationship("User")


# Evaluation: after the deadline an officer opens the bids; each counted bid gets an
# evaluation row (its compliance, its blind label, the low-price check); evaluators score
# quality on their own sheets; moderation agrees a score per question. Every derived figure
# (price score, quality score, threshold, flag, rank) is computed from these rows by
# tenders.scoring, so the evaluation report is reproducible from what is stored.


class BidEvaluation(IdMixin, Base):
    """A bid as evaluated: the version that counted at the opening, fixed then, its
    compliance, the label evaluators know it by, and the officer's check of a low price."""

    __tablename__ = "bid_evaluation"
    __table_args__ = (
        UniqueConstraint("bid_id"),
        UniqueConstraint("tender_id", "blind_label"),
        CheckConstraint(
            "(is_compliant IS NULL) = (compliance_at IS NULL)",
            name="compliance_decisions_have_a_time",
        ),
        CheckConstraint(
            "(low_price_checked_at IS NULL) = (low_price_explanation = '')",
            name="low_price_checks_have_an_explanation",
        ),
    )

    tender_id: Mapped[int] = foreign_key("tender.id")
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id"))
    bid_version_id: Mapped[int] = foreign_key("bid_version.id")
    # "Bid A", "Bid B": drawn at random at the opening, so evaluators cannot tell who.
    blind_label: Mapped[str] = mapped_column(String(20))
    is_compliant: Mapped[bool | None]
    compliance_reason: Mapped[str] = mapped_column(Text, default="")
    compliance_at: Mapped[datetime | None]
    compliance_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    low_price_explanation: Mapped[str] = mapped_column(Text, default="")
    low_price_checked_at: Mapped[datetime | None]
    low_price_checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    tender: Mapped[Tender] = relationship()
    bid: Mapped[Bid] = relationship()
    version: Mapped[BidVersion] = relationship()


class ScoreSheet(IdMixin, Base):
    """One evaluator's quality scores for a tender: hidden from the other evaluators until
    they submit their own, fixed once submitted."""

    __tablename__ = "score_sheet"
    __table_args__ = (UniqueConstraint("tender_id", "evaluator_id"),)

    tender_id: Mapped[int] = foreign_key("tender.id")
    evaluator_id: Mapped[int] = foreign_key("user_account.id")
    started_at: Mapped[datetime] = mapped_column(default=clock.now)
    submitted_at: Mapped[datetime | None]

    tender: Mapped[Tender] = relationship()
    evaluator = relationship("User")
    scores: Mapped[list["QualityScore"]] = relationship(
        back_populates="sheet", cascade="all, delete-orphan"
    )

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class QualityScore(IdMixin, Base):
    """An evaluator's score (0 to 5) for one answer of one bid, with the reason."""

    __tablename__ = "quality_score"
    __table_args__ = (
        UniqueConstraint("sheet_id", "bid_evaluation_id", "question_id"),
        CheckConstraint(f"score BETWEEN 0 AND {rules.MAX_SCORE}", name="score_in_range"),
    )

    sheet_id: Mapped[int] = foreign_key("score_sheet.id")
    bid_evaluation_id: Mapped[int] = foreign_key("bid_evaluation.id")
    question_id: Mapped[int] = foreign_key("tender_question.id")
    score: Mapped[int]
    reason: Mapped[str] = mapped_column(Text, default="")

    sheet: Mapped[ScoreSheet] = relationship(back_populates="scores")


class ModeratedScore(IdMixin, Base):
    """The score agreed at moderation for one answer of one bid, with its rationale: the
    figure the quality score is computed from."""

    __tablename__ = "moderated_score"
    __table_args__ = (
        UniqueConstraint("bid_evaluation_id", "question_id"),
        CheckConstraint(f"score BETWEEN 0 AND {rules.MAX_SCORE}", name="score_in_range"),
    )

    tender_id: Mapped[int] = foreign_key("tender.id")
    bid_evaluation_id: Mapped[int] = foreign_key("bid_evaluation.id")
    question_id: Mapped[int] = foreign_key("tender_question.id")
    score: Mapped[int]
    rationale: Mapped[str] = mapped_column(Text)
    moderated_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    moderated_at: Mapped[datetime] = mapped_column(default=clock.now)


class PersonChoice(IdMixin, Base):
    """Whether the person (or family) accepts a ranked home, recorded in rank order: a
    refusal has a reason and the officer moves to the next ranked (Care Act choice)."""

    __tablename__ = "person_choice"
    __table_args__ = (
        UniqueConstraint("tender_id", "bid_evaluation_id"),
        CheckConstraint("is_accepted OR reason <> ''", name="refusals_have_a_reason"),
    )

    tender_id: Mapped[int] = foreign_key("tender.id")
    bid_evaluation_id: Mapped[int] = foreign_key("bid_evaluation.id")
    is_accepted: Mapped[bool]
    reason: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=clock.now)

    evaluation: Mapped[BidEvaluation] = relationship()


class AwardState(StateEnum):
    """A recommended award: approved by a second officer when its value is above the
    threshold (or at once when it is not), refused back to moderation, confirmed at the end
    of the standstill, which creates the placement."""

    recommended = "Waiting for approval"
    approved = "Approved"
    refused = "Refused"
    confirmed = "Confirmed"

    __transitions__ = {
        "recommended": ("approved", "refused"),
        "approved": ("confirmed",),
    }
    __stamps__ = {"approved": "approved_at", "refused": "refused_at", "confirmed": "confirmed_at"}


class TenderAward(IdMixin, Base):
    """The award of a tender to one bid: who recommended it, who approved it, when the
    bidders were told and when it was confirmed. A refused recommendation is kept; a tender
    has at most one award that is not refused."""

    __tablename__ = "tender_award"
    noun = "award"
    __table_args__ = (
        Index(
            "uq_tender_award_live",
            "tender_id",
            unique=True,
            sqlite_where=text("state <> 'refused'"),
            postgresql_where=text("state <> 'refused'"),
        ),
        CheckConstraint(
            "approved_by_id IS NULL OR approved_by_id <> recommended_by_id",
            name="approver_is_not_the_recommender",
        ),
        CheckConstraint(
            "NOT needs_approval OR state IN ('recommended', 'refused') "
            "OR approved_by_id IS NOT NULL",
            name="approvals_have_an_approver",
        ),
        CheckConstraint(
            "(state = 'refused') = (refused_at IS NOT NULL)", name="refusals_have_a_time"
        ),
        CheckConstraint(
            "(state = 'confirmed') = (confirmed_at IS NOT NULL)", name="confirmations_have_a_time"
        ),
    )

    tender_id: Mapped[int] = foreign_key("tender.id")
    bid_evaluation_id: Mapped[int] = foreign_key("bid_evaluation.id")
    state: Mapped[AwardState] = mapped_column(enum_type(AwardState), index=True)
    weekly_cost: Mapped[Decimal] = mapped_column(Money)
    # weekly cost x 52: compared with AWARD_APPROVAL_THRESHOLD at the recommendation.
    annual_value: Mapped[Decimal] = mapped_column(Money)
    needs_approval: Mapped[bool]
    recommended_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recommended_at: Mapped[datetime] = mapped_column(default=clock.now)
    recommendation_note: Mapped[str] = mapped_column(Text, default="")
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_at: Mapped[datetime | None]
    refused_at: Mapped[datetime | None]
    refused_reason: Mapped[str] = mapped_column(Text, default="")
    confirmed_at: Mapped[datetime | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    tender: Mapped[Tender] = relationship()
    evaluation: Mapped[BidEvaluation] = relationship()
    recommended_by = relationship("User", foreign_keys=[recommended_by_id])
    approved_by = relationship("User", foreign_keys=[approved_by_id])


class TenderAttachment(IdMixin, Base):
    """A document attached to a placement request (shown to invitees once published)."""

    __tablename__ = "tender_attachment"
    __table_args__ = (UniqueConstraint("tender_id", "document_id"),)

    tender_id: Mapped[int] = foreign_key("tender.id")
    document_id: Mapped[int] = foreign_key("stored_document.id")

    document = relationship("StoredDocument")


class BidAttachment(IdMixin, Base):
    """A document attached to one version of a bid: sealed with it (read only through
    tenders.queries.sealed_versions' door)."""

    __tablename__ = "bid_attachment"
    __table_args__ = (UniqueConstraint("bid_version_id", "document_id"),)

    bid_version_id: Mapped[int] = foreign_key("bid_version.id")
    document_id: Mapped[int] = foreign_key("stored_document.id")

    document = relationship("StoredDocument")


def _is_officer(user) -> bool:
    return user.is_authenticated and user.role is Role.contracts_officer


def _hours(value: Decimal) -> str:
    text = f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"
    return f"{text} hour" + ("" if value == 1 else "s")
