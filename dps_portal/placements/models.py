"""The placements register, shared by both buying routes: a placement made by a mini-tender's
award (or, later, a direct award), its weekly cost with every change kept, and its life from
awarded to active (the provider confirms the start) to ended."""

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    and_,
    select,
)
from sqlalchemy.ext.hybrid import hybrid_method, hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dps_portal.core import clock
from dps_portal.core.models import Base, IdMixin, TimestampMixin, enum_type, foreign_key
from dps_portal.core.money import Money
from dps_portal.core.roles import Role
from dps_portal.core.states import StateEnum
from dps_portal.tenders.models import Funding


class PlacementRoute(enum.Enum):
    mini_tender = "Mini-tender"
    direct_award = "Direct award"


class EndReason(enum.Enum):
    more_independent = "Moved to a more independent setting"
    hospital = "Admitted to hospital"
    died = "Died"
    out_of_county = "Moved out of county"
    provider_ended = "The provider ended the placement"
    respite_ended = "The respite stay ended"
    other = "Other"


class PlacementState(StateEnum):
    """Awarded until the provider confirms the person has moved in; ended with a date and
    a reason; cancelled if it never started."""

    awarded = "Awarded, start not yet confirmed"
    active = "Active"
    ended = "Ended"
    cancelled = "Cancelled"

    __transitions__ = {"awarded": ("active", "cancelled"), "active": ("ended",)}
    __stamps__ = {"active": "start_confirmed_at", "ended": "ended_at", "cancelled": "cancelled_at"}


class Placement(IdMixin, TimestampMixin, Base):
    __tablename__ = "placement"
    noun = "placement"
    __table_args__ = (
        CheckConstraint("weekly_cost >= 0", name="weekly_cost_not_negative"),
        CheckConstraint(
            "route <> 'mini_tender' OR tender_id IS NOT NULL",
            name="tender_placements_have_a_tender",
        ),
        CheckConstraint(
            "route <> 'direct_award' OR direct_award_id IS NOT NULL",
            name="direct_placements_have_an_award",
        ),
        CheckConstraint(
            "(state = 'ended') = (end_reason IS NOT NULL)", name="ended_placements_have_a_reason"
        ),
        CheckConstraint(
            "(state = 'active' OR state = 'ended') = (started_on IS NOT NULL)",
            name="started_placements_have_a_start",
        ),
        CheckConstraint("(state = 'ended') = (ended_on IS NOT NULL)", name="ended_have_an_end"),
        # The placements register's order: a page read from the index, not a sort of them all.
        Index("ix_placement_awarded_at_id", "awarded_at", "id"),
    )

    reference: Mapped[str] = mapped_column(String(40), unique=True)
    route: Mapped[PlacementRoute] = mapped_column(enum_type(PlacementRoute), index=True)
    state: Mapped[PlacementState] = mapped_column(enum_type(PlacementState), index=True)
    # Never a name: the pseudonymised reference of the placement request.
    person_reference: Mapped[str] = mapped_column(String(60))
    category_id: Mapped[int] = foreign_key("category.id")
    setting_id: Mapped[int] = foreign_key("care_setting.id")
    care_home_id: Mapped[int] = foreign_key("care_home.id")
    provider_id: Mapped[int] = foreign_key("provider_organisation.id")
    tender_id: Mapped[int | None] = mapped_column(ForeignKey("tender.id"), index=True)
    direct_award_id: Mapped[int | None] = mapped_column(ForeignKey("direct_award.id"), index=True)
    funding: Mapped[Funding | None] = mapped_column(enum_type(Funding))
    bid_version_id: Mapped[int | None] = mapped_column(ForeignKey("bid_version.id"), index=True)
    # The cost as awarded, in its parts; the cost in force on a date is in PlacementCost.
    weekly_core_fee: Mapped[Decimal] = mapped_column(Money)
    extra_hours_per_week: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal(0))
    extra_hourly_rate: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    weekly_cost: Mapped[Decimal] = mapped_column(Money)
    planned_start_on: Mapped[date]
    # A respite placement's planned last day.
    planned_end_on: Mapped[date | None]
    # Reviews: the first 6 weeks after the start, then yearly (placements/rules.py).
    next_review_on: Mapped[date | None] = mapped_column(index=True)
    started_on: Mapped[date | None]
    start_confirmed_at: Mapped[datetime | None]
    start_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    ended_on: Mapped[date | None]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[EndReason | None] = mapped_column(enum_type(EndReason))
    end_detail: Mapped[str] = mapped_column(Text, default="", server_default="")
    cancelled_at: Mapped[datetime | None]
    awarded_at: Mapped[datetime] = mapped_column(default=clock.now)
    awarded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    category = relationship("Category")
    setting = relationship("CareSetting")
    care_home = relationship("CareHome")
    provider = relationship("ProviderOrganisation")
    tender = relationship("Tender")
    direct_award = relationship("DirectAward")
    costs: Mapped[list["PlacementCost"]] = relationship(
        back_populates="placement", order_by="PlacementCost.effective_from"
    )
    reviews: Mapped[list["PlacementReview"]] = relationship(
        order_by="(PlacementReview.reviewed_on, PlacementReview.id)", viewonly=True
    )

    @property
    def route_reference(self) -> str:
        """The tender's or direct award's reference: where the placement came from."""
        source = self.tender if self.route is PlacementRoute.mini_tender else self.direct_award
        return (source.reference or "") if source is not None else ""

    @hybrid_property
    def is_out_of_county(self) -> bool:
        """Its home is in a district marked out of county (the framework's data, not a name)."""
        district = self.care_home.district if self.care_home is not None else None
        return district is not None and district.is_out_of_county

    @is_out_of_county.inplace.expression
    @classmethod
    def _is_out_of_county_expression(cls):
        from dps_portal.framework.models import District
        from dps_portal.providers.models import CareHome

        return (
            select(CareHome.id)
            .join(District, District.id == CareHome.district_id)
            .where(CareHome.id == cls.care_home_id, District.is_out_of_county)
            .correlate_except(CareHome, District)
            .exists()
        )

    @hybrid_method
    def is_review_due_by(self, day: date) -> bool:
        """Active with its next review on or before `day` (placements/rules.review_due_by)."""
        return (
            self.state is PlacementState.active
            and self.next_review_on is not None
            and self.next_review_on <= day
        )

    @is_review_due_by.expression
    @classmethod
    def _is_review_due_by_expression(cls, day: date):
        return and_(cls.state == PlacementState.active, cls.next_review_on <= day)

    def is_own(self, user) -> bool:
        return user.role is Role.provider and user.provider_id == self.provider_id

    def cost_on(self, day: date) -> Decimal:
        """The weekly cost in force on `day` from the cost history (loaded in date order):
        the latest change on or before it, or the cost as awarded before any."""
        in_force = [cost for cost in self.costs if cost.effective_from <= day]
        return in_force[-1].weekly_cost if in_force else self.weekly_cost

    def can_confirm_start(self, user) -> bool:
        return self.is_own(user) and self.state is PlacementState.awarded

    def can_read(self, user) -> bool:
        """Officers and monitors (read-only), and its own provider; administrators keep the
        users and configuration, not placements."""
        return user.is_authenticated and (
            user.role in (Role.contracts_officer, Role.quality_monitor) or self.is_own(user)
        )

    def can_end(self, user) -> bool:
        return user.role is Role.contracts_officer and self.state is PlacementState.active

    def can_cancel(self, user) -> bool:
        return user.role is Role.contracts_officer and self.state is PlacementState.awarded

    def can_record_review(self, user) -> bool:
        return user.role is Role.contracts_officer and self.state is PlacementState.active


class PlacementCost(IdMixin, Base):
    """A placement's weekly cost from a date: the award's, then each uplift's. Nothing is
    overwritten, so the cost on any date can be read back."""

    __tablename__ = "placement_cost"
    __table_args__ = (
        UniqueConstraint("placement_id", "effective_from"),
        CheckConstraint("weekly_cost >= 0", name="weekly_cost_not_negative"),
    )

    placement_id: Mapped[int] = foreign_key("placement.id")
    effective_from: Mapped[date]
    weekly_cost: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    placement: Mapped[Placement] = relationship(back_populates="costs")


class PlacementReview(IdMixin, Base):
    """A review of a placement held on a date: the next is due a year later."""

    __tablename__ = "placement_review"

    placement_id: Mapped[int] = foreign_key("placement.id")
    reviewed_on: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=clock.now)

    recorded_by = relationship("User")
