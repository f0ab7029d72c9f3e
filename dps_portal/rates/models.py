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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dps_portal.core import clock
from dps_portal.core.models import Base, IdMixin, enum_type, foreign_key
from dps_portal.core.roles import Role
from dps_portal.core.states import StateEnum


class RateCardEntry(IdMixin, Base):
    """A pre-agreed weekly rate from a date. Rates are never edited: a new entry with a later
    `effective_from` supersedes it, so the rate on any date can be read back."""

    __tablename__ = "rate_card_entry"
    __table_args__ = (
        UniqueConstraint("care_home_id", "category_id", "setting_id", "effective_from"),
    )

    care_home_id: Mapped[int] = mapped_column(ForeignKey("care_home.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    setting_id: Mapped[int] = mapped_column(ForeignKey("care_setting.id"), index=True)
    weekly_rate: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    effective_from: Mapped[date]
    # Why it changed: "agreed at admission", "uplift 2027/28: 4.2%", an officer's note.
    reason: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(40), default="admission")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    # The uplift that made it, when one did.
    uplift_id: Mapped[int | None] = mapped_column(ForeignKey("uplift.id"), index=True)

    care_home = relationship("CareHome")
    category = relationship("Category")
    setting = relationship("CareSetting")


class UpliftState(StateEnum):
    """An uplift is planned when confirmed after its preview, applied by the job on its date
    (or cancelled before then)."""

    planned = "Planned"
    applied = "Applied"
    cancelled = "Cancelled"

    __transitions__ = {"planned": ("applied", "cancelled")}
    __stamps__ = {"applied": "applied_at", "cancelled": "cancelled_at"}


class Uplift(IdMixin, Base):
    """A percentage change to every rate of a category from a date (often 1 April). On that
    date a job makes each new rate card entry (half up to the penny) and each active
    placement's new weekly cost; running it twice changes nothing."""

    __tablename__ = "uplift"
    noun = "uplift"
    __table_args__ = (
        CheckConstraint("percent > -50 AND percent <= 50", name="percent_in_range"),
        CheckConstraint(
            "(state = 'applied') = (applied_at IS NOT NULL)", name="applied_uplifts_have_a_time"
        ),
        Index(
            "uq_uplift_category_date_live",
            "category_id",
            "effective_on",
            unique=True,
            sqlite_where=text("state <> 'cancelled'"),
            postgresql_where=text("state <> 'cancelled'"),
        ),
    )

    category_id: Mapped[int] = foreign_key("category.id")
    percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    effective_on: Mapped[date] = mapped_column(index=True)
    state: Mapped[UpliftState] = mapped_column(enum_type(UpliftState), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    applied_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    # What the job made, for the record.
    rates_made: Mapped[int] = mapped_column(default=0)
    placements_changed: Mapped[int] = mapped_column(default=0)

    category = relationship("Category")
    created_by = relationship("User")

    @property
    def percent_text(self) -> str:
        """'3.5%', '-2%', '10%': the percentage as people write it."""
        return f"{format(self.percent.normalize(), 'f')}%"

    @property
    def label(self) -> str:
        """'Uplift 2027/28: 3.5%': the financial year (April to March) it starts in."""
        day = self.effective_on
        start = day.year if day.month >= 4 else day.year - 1
        return f"Uplift {start}/{(start + 1) % 100:02d}: {self.percent_text}"

    def can_cancel(self, user, today: date) -> bool:
        """A contracts officer, while it is planned and before its date."""
        return (
            user.is_authenticated
            and user.role is Role.contracts_officer
            and self.state is UpliftState.planned
            and today < self.effective_on
        )


def can_read_rate_card(user, provider_id: int) -> bool:
    """Officers and quality monitors read every provider's rate card; a provider its own."""
    if not user.is_authenticated:
        return False
    if user.role in (Role.contracts_officer, Role.quality_monitor):
        return True
    return user.role is Role.provider and user.provider_id == provider_id


def can_change_rates(user) -> bool:
    """Only contracts officers change a rate or plan an uplift."""
    return user.is_authenticated and user.role is Role.contracts_officer
