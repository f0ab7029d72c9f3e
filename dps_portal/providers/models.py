import enum
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text, and_, func
from sqlalchemy.ext.hybrid import hybrid_method, hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dps_portal.core.models import Base, IdMixin, TimestampMixin, enum_type
from dps_portal.providers.evidence.rules import EXPIRY_WARNING_DAYS


class CqcRating(enum.Enum):
    outstanding = "Outstanding"
    good = "Good"
    requires_improvement = "Requires improvement"
    inadequate = "Inadequate"
    not_rated = "Not rated"

    @property
    def label(self) -> str:
        return self.value


class ProviderOrganisation(IdMixin, TimestampMixin, Base):
    """A care provider: the organisation that applies, bids and holds placements."""

    __tablename__ = "provider_organisation"

    legal_name: Mapped[str] = mapped_column(String(200), index=True)
    trading_name: Mapped[str] = mapped_column(String(200), default="")
    companies_house_number: Mapped[str | None] = mapped_column(String(8), unique=True)
    cqc_provider_id: Mapped[str | None] = mapped_column(String(20), unique=True)
    address_line_1: Mapped[str] = mapped_column(String(200), default="")
    address_line_2: Mapped[str] = mapped_column(String(200), default="")
    town: Mapped[str] = mapped_column(String(100), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    signatory_name: Mapped[str] = mapped_column(String(200), default="")
    signatory_role: Mapped[str] = mapped_column(String(200), default="")
    signatory_email: Mapped[str] = mapped_column(String(254), default="")

    homes: Mapped[list["CareHome"]] = relationship(
        back_populates="provider", order_by="CareHome.name"
    )

    @hybrid_property
    def display_name(self) -> str:
        """The name people know it by: its trading name, else its legal name."""
        return self.trading_name or self.legal_name

    @display_name.inplace.expression
    @classmethod
    def _display_name_expression(cls):
        return func.coalesce(func.nullif(cls.trading_name, ""), cls.legal_name)

    def can_manage(self, user) -> bool:
        """Its users who manage it change its details, invite colleagues and renew evidence."""
        return (
            user.is_provider_user and user.provider_id == self.id and user.can_manage_organisation
        )

    def can_accept_terms(self, user) -> bool:
        """Its authorised signatory accepts the council's terms: a user who manages it."""
        return self.can_manage(user)

    @property
    def address_lines(self) -> list[str]:
        return [
            p for p in (self.address_line_1, self.address_line_2, self.town, self.postcode) if p
        ]


class CareHome(IdMixin, TimestampMixin, Base):
    """A care home: a CQC location belonging to one provider."""

    __tablename__ = "care_home"

    provider_id: Mapped[int] = mapped_column(ForeignKey("provider_organisation.id"), index=True)
    cqc_location_id: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address_line_1: Mapped[str] = mapped_column(String(200), default="")
    address_line_2: Mapped[str] = mapped_column(String(200), default="")
    town: Mapped[str] = mapped_column(String(100), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)
    setting_id: Mapped[int | None] = mapped_column(ForeignKey("care_setting.id"), index=True)
    registered_beds: Mapped[int] = mapped_column(default=0)
    cqc_rating: Mapped[CqcRating | None] = mapped_column(enum_type(CqcRating))
    cqc_rating_on: Mapped[date | None]
    registered_manager: Mapped[str] = mapped_column(String(200), default="")
    # False once the CQC shows the location deregistered: such a home cannot take placements.
    is_cqc_registered: Mapped[bool] = mapped_column(default=True)
    # Set when a CQC import shows the home rated Inadequate: ineligible until an officer reviews.
    cqc_review_required_since: Mapped[datetime | None] = mapped_column(index=True)
    # An officer's review of an Inadequate rating that let the home take placements again
    # (a newer Inadequate rating clears it).
    cqc_review_cleared_at: Mapped[datetime | None]
    cqc_review_cleared_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    cqc_review_note: Mapped[str] = mapped_column(Text, default="")

    provider: Mapped[ProviderOrganisation] = relationship(back_populates="homes")
    district = relationship("District")
    setting = relationship("CareSetting")

    @property
    def address_lines(self) -> list[str]:
        return [
            p for p in (self.address_line_1, self.address_line_2, self.town, self.postcode) if p
        ]


class EvidenceItem(IdMixin, TimestampMixin, Base):
    """Dated evidence a provider keeps current (insurance, DSPT status, ...): the contract
    gate reads its expiry, and reminders go out before it."""

    __tablename__ = "evidence_item"

    provider_id: Mapped[int] = mapped_column(ForeignKey("provider_organisation.id"), index=True)
    # A home's own evidence (a Statement of Purpose, say); None for the organisation's.
    care_home_id: Mapped[int | None] = mapped_column(ForeignKey("care_home.id"), index=True)
    # A stable key ("employers_liability") and the words people read ("Employer's liability
    # insurance").
    kind: Mapped[str] = mapped_column(String(60), index=True)
    label: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    expires_on: Mapped[date | None] = mapped_column(index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("stored_document.id"), index=True)
    source_application_id: Mapped[int | None] = mapped_column(
        ForeignKey("application.id"), index=True
    )
    # A newer item of the same kind replaces this one; only current items count.
    replaced_at: Mapped[datetime | None]

    provider: Mapped[ProviderOrganisation] = relationship()
    document = relationship("StoredDocument")

    @hybrid_property
    def is_current(self) -> bool:
        """Not replaced by a newer item: only current items count."""
        return self.replaced_at is None

    @is_current.inplace.expression
    @classmethod
    def _is_current_expression(cls):
        return cls.replaced_at.is_(None)

    @hybrid_method
    def is_expired(self, today: date) -> bool:
        """Expired the day after its expiry date."""
        return self.expires_on is not None and self.expires_on < today

    @is_expired.inplace.expression
    @classmethod
    def _is_expired_expression(cls, today: date):
        return and_(cls.expires_on.is_not(None), cls.expires_on < today)

    @hybrid_method
    def is_expiring(self, today: date) -> bool:
        """In date, but for no more than EXPIRY_WARNING_DAYS."""
        return self.expires_on is not None and today <= self.expires_on <= today + timedelta(
            days=EXPIRY_WARNING_DAYS
        )

    @is_expiring.inplace.expression
    @classmethod
    def _is_expiring_expression(cls, today: date):
        return cls.expires_on.between(today, today + timedelta(days=EXPIRY_WARNING_DAYS))

    @hybrid_method
    def is_due_for_renewal(self, today: date) -> bool:
        """Expired or expiring: what providers are reminded of."""
        return self.expires_on is not None and self.expires_on <= today + timedelta(
            days=EXPIRY_WARNING_DAYS
        )

    @is_due_for_renewal.inplace.expression
    @classmethod
    def _is_due_for_renewal_expression(cls, today: date):
        return and_(
            cls.expires_on.is_not(None),
            cls.expires_on <= today + timedelta(days=EXPIRY_WARNING_DAYS),
        )

    def can_renew(self, user) -> bool:
        """The users who manage its organisation renew it."""
        return self.provider.can_manage(user)
