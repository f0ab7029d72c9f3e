"""The placements register, shared by both buying routes: a placement made by a mini-tender's
award (or, later, a direct award), its weekly cost with every change kept, and its life from
awarded to active (the provider confirms the start) to ended."""

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dps_portal.core import clock
from dps_portal.core.models import Base, IdMixin, TimestampMixin, enum_type, foreign_key
from dps_portal.core.money import Money
from dps_portal.core.roles import Role
from dps_portal.core.states import StateEnum


class PlacementRoute(enum.Enum):
    mini_tender = "Mini-tender"
    direct_award = "Direct award"


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
            "(state = 'active' OR state = 'ended') = (started_on IS NOT NULL)",
            name="started_placements_have_a_start",
        ),
        CheckConstraint("(state = 'ended') = (ended_on IS NOT NULL)", name="ended_have_an_end"),
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
    bid_version_id: Mapped[int | None] = mapped_column(ForeignKey("bid_version.id"))
    # The cost as awarded, in its parts; the cost in force on a date is in PlacementCost.
    weekly_core_fee: Mapped[Decimal] = mapped_column(Money)
    extra_hours_per_week: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal(0))
    extra_hourly_rate: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    weekly_cost: Mapped[Decimal] = mapped_column(Money)
    planned_start_on: Mapped[date]
    started_on: Mapped[date | None]
    start_confirmed_at: Mapped[datetime | None]
    start_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    ended_on: Mapped[date | None]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str] = mapped_column(Text, default="")
    cancelled_at: Mapped[datetime | None]
    awarded_at: Mapped[datetime] = mapped_column(default=clock.now)
    awarded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    category = relationship("Category")
    setting = relationship("CareSetting")
    care_home = relationship("CareHome")
    provider = relationship("ProviderOrganisation")
    tender = relationship("Tender")
    costs: Mapped[list["PlacementCost"]] = relationship(
        back_populates="placement", order_by="PlacementCost.effective_from"
    )

    def is_own(self, user) -> bool:
        return user.role is Role.provider and user.provider_id == self.provider_id

    def can_confirm_start(self, user) -> bool:
        return self.is_own(user) and self.state is PlacementState.awarded

    def can_read(self, user) -> bool:
        return user.is_authenticated and (user.is_staff or self.is_own(user))


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
