from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dps_portal.core import clock
from dps_portal.core.models import Base, IdMixin


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

    care_home = relationship("CareHome")
    category = relationship("Category")
    setting = relationship("CareSetting")
