from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import has_request_context, request
from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dps_portal.core.models import Base, IdMixin, TimestampMixin
from dps_portal.extensions import db


class Framework(IdMixin, TimestampMixin, Base):
    """The Dynamic Purchasing System: one council's arrangement and its legal basis."""

    __tablename__ = "framework"
    __table_args__ = (
        CheckConstraint("award_approval_threshold >= 0", name="award_approval_threshold"),
        CheckConstraint("abnormally_low_percent BETWEEN 1 AND 99", name="abnormally_low_percent"),
        CheckConstraint("vacancy_stale_days >= 1", name="vacancy_stale_days"),
        CheckConstraint("emergency_offer_hours >= 1", name="emergency_offer_hours"),
        CheckConstraint("respite_offer_working_days >= 1", name="respite_offer_working_days"),
    )

    name: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str] = mapped_column(String(60), unique=True)
    buyer_name: Mapped[str] = mapped_column(String(200))
    buyer_address: Mapped[str] = mapped_column(Text, default="")
    # Where providers and the public write to the contracts team, and who signs for the council.
    contracts_team_name: Mapped[str] = mapped_column(
        String(200), default="Contracts team", server_default="Contracts team"
    )
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    council_signatory_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    council_signatory_role: Mapped[str] = mapped_column(String(200), default="", server_default="")
    legal_basis: Mapped[str] = mapped_column(Text)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    is_open_for_applications: Mapped[bool] = mapped_column(default=True)
    # Thresholds the council sets (configuration, not code).
    decision_working_days: Mapped[int] = mapped_column(default=10)
    extended_decision_working_days: Mapped[int] = mapped_column(default=15)
    declaration_working_days: Mapped[int] = mapped_column(default=10)
    max_weekly_rate: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("5000.00"))
    # An award whose weekly cost x 52 is above this needs a second officer's approval.
    award_approval_threshold: Mapped[Decimal] = mapped_column(
        Numeric(12, 2), default=Decimal("75000.00"), server_default="75000.00"
    )
    # A bid below this percentage of the median is flagged as abnormally low (a tender's default).
    abnormally_low_percent: Mapped[int] = mapped_column(default=70, server_default="70")
    # A vacancy not confirmed for this many days is stale (left out of direct-award searches).
    vacancy_stale_days: Mapped[int] = mapped_column(default=7, server_default="7")
    # Direct-award response windows: hours for an emergency, working days for respite and choice.
    emergency_offer_hours: Mapped[int] = mapped_column(default=4, server_default="4")
    respite_offer_working_days: Mapped[int] = mapped_column(default=2, server_default="2")

    categories: Mapped[list["Category"]] = relationship(
        back_populates="framework", order_by="Category.position"
    )
    districts: Mapped[list["District"]] = relationship(
        back_populates="framework", order_by="District.position"
    )
    settings: Mapped[list["CareSetting"]] = relationship(
        back_populates="framework", order_by="CareSetting.position"
    )


class _FrameworkList:
    """A list the framework keeps in its own order: its categories, districts and settings."""

    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)


class Category(_FrameworkList, IdMixin, Base):
    """A client category (lot) providers are admitted to."""

    __tablename__ = "category"
    __table_args__ = (UniqueConstraint("framework_id", "code"),)

    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    specialist_training: Mapped[str] = mapped_column(Text, default="")

    framework: Mapped[Framework] = relationship(back_populates="categories")


class District(_FrameworkList, IdMixin, Base):
    """Where a home is: a district of the county, or out of county."""

    __tablename__ = "district"
    __table_args__ = (UniqueConstraint("framework_id", "name"),)

    name: Mapped[str] = mapped_column(String(120))
    is_out_of_county: Mapped[bool] = mapped_column(default=False)

    framework: Mapped[Framework] = relationship(back_populates="districts")


class CareSetting(_FrameworkList, IdMixin, Base):
    """A kind of care a home is registered for: residential (personal care) or nursing."""

    __tablename__ = "care_setting"
    __table_args__ = (UniqueConstraint("framework_id", "code"),)

    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120))

    framework: Mapped[Framework] = relationship(back_populates="settings")


def current_framework() -> Framework | None:
    """The framework the portal runs: the one whose dates include today, else the newest.
    Asked once a request (the page and its header both want it), then kept for the request."""
    if has_request_context() and _REQUEST_KEY in request.environ:
        return request.environ[_REQUEST_KEY]
    framework = db.session.scalars(
        select(Framework).where(Framework.id == current_framework_id())
    ).first()
    if has_request_context():
        keep_current_framework(framework)
    return framework


def current_framework_id():
    """SQL: the current framework's id (the newest), for a statement that reads it with other
    rows, as the session's loader does for the page's header."""
    return select(Framework.id).order_by(Framework.starts_on.desc()).limit(1).scalar_subquery()


def keep_current_framework(framework: Framework | None) -> None:
    """Keep for the request the current framework read with other rows."""
    request.environ[_REQUEST_KEY] = framework


_REQUEST_KEY = "dps_portal.current_framework"


@dataclass(frozen=True)
class CouncilContact:
    """How providers and the public reach the council's contracts team (the framework's data,
    which administrators keep)."""

    team: str
    email: str
    phone: str

    def in_words(self) -> str:
        """ "the Contracts team at contracts@council.example or 01234 567890"."""
        ways = " or ".join(way for way in (self.email, self.phone) if way)
        return f"the {self.team} at {ways}" if ways else f"the council’s {self.team}"


def council_contact() -> CouncilContact:
    """The current framework's contact details; a plain "contracts team" before there is one."""
    framework = current_framework()
    if framework is None:
        return CouncilContact(team="contracts team", email="", phone="")
    return CouncilContact(
        team=framework.contracts_team_name or "contracts team",
        email=framework.contact_email,
        phone=framework.contact_phone,
    )


def current_buyer_name() -> str | None:
    """The council that runs the current framework: the name the pages and documents show."""
    framework = current_framework()
    return framework.buyer_name if framework else None
