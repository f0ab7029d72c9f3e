"""Direct awards at pre-agreed rates (domain.md section 7): the officer's request, the list of
eligible homes with a fresh matching vacancy exactly as it was shown (the snapshot), and each
offer made from it to one home, answered by its provider (or by telephone) within a window."""

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dps_portal.core import clock
from dps_portal.core.models import Base, IdMixin, TimestampMixin, enum_type, foreign_key
from dps_portal.core.money import Money
from dps_portal.core.roles import Role
from dps_portal.core.states import StateEnum
from dps_portal.tenders.models import Funding


class Justification(enum.Enum):
    """Why a placement is made without a competition."""

    emergency = "Emergency placement"
    respite = "Respite placement"
    person_choice = "The person's own choice of home"


class ChoiceReason(enum.Enum):
    """Why the officer offered this home from the list."""

    only_suitable = "Only suitable home"
    nearest_family = "Nearest to family"
    person_choice = "The person's choice"
    specialist_fit = "Specialist fit"
    lowest_rate = "Lowest rate"
    other = "Other"


class DirectAwardState(StateEnum):
    """Open while the officer offers homes from the stored list; placed once an offer is
    accepted; closed without a placement when the officer stops."""

    open = "Open"
    placed = "Placed"
    closed = "Closed without a placement"

    __transitions__ = {"open": ("placed", "closed")}
    __stamps__ = {"placed": "placed_at", "closed": "closed_at"}


class OfferState(StateEnum):
    """An offer waits for its provider's answer until its window ends (lapsed is derived from
    the window and the clock; a job only records it)."""

    offered = "Waiting for an answer"
    accepted = "Accepted"
    declined = "Declined"
    lapsed = "No answer in time"
    withdrawn = "Withdrawn"

    __transitions__ = {"offered": ("accepted", "declined", "lapsed", "withdrawn")}
    __stamps__ = {
        "accepted": "answered_at",
        "declined": "answered_at",
        "lapsed": "lapsed_at",
        "withdrawn": "withdrawn_at",
    }


direct_award_district = Table(
    "direct_award_district",
    Base.metadata,
    Column("direct_award_id", ForeignKey("direct_award.id"), primary_key=True),
    Column("district_id", ForeignKey("district.id"), primary_key=True, index=True),
)


class DirectAward(IdMixin, TimestampMixin, Base):
    __tablename__ = "direct_award"
    noun = "direct award"
    __table_args__ = (
        CheckConstraint(
            "justification <> 'respite' OR (end_on IS NOT NULL AND end_on > start_on)",
            name="respite_ends_after_it_starts",
        ),
        CheckConstraint("end_on IS NULL OR end_on > start_on", name="ends_after_it_starts"),
        CheckConstraint(
            "(state = 'placed') = (placed_at IS NOT NULL)", name="placed_awards_have_a_time"
        ),
    )

    reference: Mapped[str | None] = mapped_column(String(40), unique=True)
    state: Mapped[DirectAwardState] = mapped_column(enum_type(DirectAwardState), index=True)
    justification: Mapped[Justification] = mapped_column(enum_type(Justification), index=True)
    # Never a name: a pseudonymised reference.
    person_reference: Mapped[str] = mapped_column(String(60))
    needs_summary: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int] = foreign_key("category.id")
    setting_id: Mapped[int] = foreign_key("care_setting.id")
    start_on: Mapped[date]
    end_on: Mapped[date | None]
    # Whether the officer asked to include stale vacancies in the search.
    include_stale: Mapped[bool] = mapped_column(default=False)
    funding: Mapped[Funding] = mapped_column(enum_type(Funding))
    searched_at: Mapped[datetime] = mapped_column(default=clock.now)
    created_by_id: Mapped[int] = foreign_key("user_account.id")
    placed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    close_reason: Mapped[str] = mapped_column(Text, default="")

    category = relationship("Category")
    setting = relationship("CareSetting")
    created_by = relationship("User")
    districts = relationship(
        "District", secondary=direct_award_district, order_by="District.position"
    )
    listings: Mapped[list["DirectAwardListing"]] = relationship(
        back_populates="direct_award", order_by="DirectAwardListing.position"
    )
    offers: Mapped[list["DirectAwardOffer"]] = relationship(
        back_populates="direct_award", order_by="DirectAwardOffer.offered_at"
    )

    @property
    def label(self) -> str:
        return f"Direct award {self.reference}"

    def can_manage(self, user) -> bool:
        return user.is_authenticated and user.role is Role.contracts_officer

    def can_offer(self, user) -> bool:
        return self.can_manage(user) and self.state is DirectAwardState.open

    def waiting_offer(self) -> "DirectAwardOffer | None":
        return next((o for o in self.offers if o.state is OfferState.offered), None)


class DirectAwardListing(IdMixin, Base):
    """One home as the officer saw it in the search: the snapshot kept with the award."""

    __tablename__ = "direct_award_listing"
    __table_args__ = (
        UniqueConstraint("direct_award_id", "position"),
        UniqueConstraint("direct_award_id", "care_home_id"),
    )

    direct_award_id: Mapped[int] = foreign_key("direct_award.id")
    position: Mapped[int]
    care_home_id: Mapped[int] = foreign_key("care_home.id")
    provider_id: Mapped[int] = foreign_key("provider_organisation.id")
    vacancy_id: Mapped[int | None] = mapped_column(ForeignKey("vacancy.id"), index=True)
    # As they were at the search.
    home_name: Mapped[str] = mapped_column(String(200))
    provider_name: Mapped[str] = mapped_column(String(300))
    district_name: Mapped[str] = mapped_column(String(120), default="")
    weekly_rate: Mapped[Decimal] = mapped_column(Money)
    beds_free: Mapped[int]
    vacancy_confirmed_at: Mapped[datetime | None]
    latest_visit_outcome: Mapped[str] = mapped_column(String(80), default="")
    latest_visit_on: Mapped[date | None]
    cqc_rating: Mapped[str] = mapped_column(String(40), default="")
    is_cheapest: Mapped[bool] = mapped_column(default=False)

    direct_award: Mapped[DirectAward] = relationship(back_populates="listings")
    care_home = relationship("CareHome")


class DirectAwardOffer(IdMixin, Base):
    """An offer of the placement to one listed home at its listed rate (never edited)."""

    __tablename__ = "direct_award_offer"
    noun = "offer"
    __table_args__ = (
        Index(
            "uq_direct_award_offer_waiting",
            "direct_award_id",
            unique=True,
            sqlite_where=text("state = 'offered'"),
            postgresql_where=text("state = 'offered'"),
        ),
        UniqueConstraint("direct_award_id", "listing_id"),
        CheckConstraint("respond_by > offered_at", name="window_after_the_offer"),
        CheckConstraint(
            "choice_reason <> 'other' OR choice_detail <> ''", name="other_reasons_are_explained"
        ),
        CheckConstraint(
            "state <> 'declined' OR decline_reason <> ''", name="declines_have_a_reason"
        ),
    )

    direct_award_id: Mapped[int] = foreign_key("direct_award.id")
    listing_id: Mapped[int] = foreign_key("direct_award_listing.id")
    provider_id: Mapped[int] = foreign_key("provider_organisation.id")
    state: Mapped[OfferState] = mapped_column(enum_type(OfferState), index=True)
    choice_reason: Mapped[ChoiceReason] = mapped_column(enum_type(ChoiceReason))
    choice_detail: Mapped[str] = mapped_column(Text, default="")
    # The listed rate: the price of the placement, copied, never typed.
    weekly_rate: Mapped[Decimal] = mapped_column(Money)
    offered_at: Mapped[datetime] = mapped_column(default=clock.now)
    offered_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    respond_by: Mapped[datetime] = mapped_column(index=True)
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    # An acceptance the officer took by telephone: who said yes, and when.
    by_telephone: Mapped[bool] = mapped_column(default=False)
    telephone_contact: Mapped[str] = mapped_column(String(200), default="")
    telephone_at: Mapped[datetime | None]
    lapsed_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]

    direct_award: Mapped[DirectAward] = relationship(back_populates="offers")
    listing: Mapped[DirectAwardListing] = relationship()
    provider = relationship("ProviderOrganisation")

    def is_waiting_at(self, now: datetime) -> bool:
        return self.state is OfferState.offered and now < clock.ensure_utc(self.respond_by)

    def is_own(self, user) -> bool:
        return (
            user.is_authenticated
            and user.role is Role.provider
            and user.provider_id == self.provider_id
        )

    def can_answer(self, user, now: datetime) -> bool:
        return self.is_own(user) and self.is_waiting_at(now)
