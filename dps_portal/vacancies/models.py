"""Vacancies: the beds a provider says are free in a home, per category and setting, from a
date, with when it last said so. A vacancy not confirmed for the framework's
`vacancy_stale_days` (a week unless administrators change it) is stale: direct awards do not
offer it unless the officer asks to include stale ones."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dps_portal.core import clock
from dps_portal.core.models import Base, IdMixin, foreign_key

MAX_BEDS = 200


class Vacancy(IdMixin, Base):
    __tablename__ = "vacancy"
    noun = "vacancy"
    __table_args__ = (
        UniqueConstraint("care_home_id", "category_id", "setting_id"),
        CheckConstraint(f"beds_free BETWEEN 0 AND {MAX_BEDS}", name="beds_free_in_range"),
        Index("ix_vacancy_category_confirmed", "category_id", "confirmed_at"),
    )

    care_home_id: Mapped[int] = foreign_key("care_home.id")
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    setting_id: Mapped[int] = foreign_key("care_setting.id")
    beds_free: Mapped[int]
    available_from: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")
    # When the provider last said the vacancy is accurate (setting it says so too).
    confirmed_at: Mapped[datetime] = mapped_column(default=clock.now)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)

    care_home = relationship("CareHome")
    category = relationship("Category")
    setting = relationship("CareSetting")
    confirmed_by = relationship("User")

    @hybrid_method
    def is_fresh_since(self, since: datetime) -> bool:
        """Confirmed at or after `since` (now less the stale period): the same rule in SQL."""
        return self.confirmed_at >= since

    def is_own(self, user) -> bool:
        return user.provider_id is not None and user.provider_id == self.care_home.provider_id
