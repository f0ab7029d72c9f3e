import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dps_portal.core import clock
from dps_portal.core.models import Base, IdMixin, TimestampMixin, enum_type
from dps_portal.core.roles import Role
from dps_portal.providers.models import ProviderOrganisation


class User(IdMixin, TimestampMixin, Base):
    """A person who signs in: a provider's user (of one organisation) or council staff."""

    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(
            "(role = 'provider') = (provider_id IS NOT NULL)",
            name="provider_users_belong_to_a_provider",
        ),
        # The administrators' list: by role (filtered or not), then name.
        Index("ix_user_account_role_full_name", "role", "full_name"),
    )

    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_type(Role))
    provider_id: Mapped[int | None] = mapped_column(
        ForeignKey("provider_organisation.id"), index=True
    )
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=False)
    # A provider's user who may change the organisation's details and invite colleagues.
    can_manage_organisation: Mapped[bool] = mapped_column(default=False)
    email_confirmed_at: Mapped[datetime | None]
    last_signed_in_at: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]
    # Raised on signing out, a password change and a deactivation: every older session names
    # the version it began with, and stops working.
    session_version: Mapped[int] = mapped_column(default=1)

    provider: Mapped[ProviderOrganisation | None] = relationship()

    # Flask-Login's interface.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_staff(self) -> bool:
        return self.role.is_staff

    def is_locked(self, at: datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (at or clock.now())

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    # What templates and views ask, so that none compares a role by its string.
    @property
    def is_provider_user(self) -> bool:
        return self.role is Role.provider

    @property
    def is_contracts_officer(self) -> bool:
        return self.role is Role.contracts_officer

    @property
    def is_quality_monitor(self) -> bool:
        return self.role is Role.quality_monitor

    @property
    def is_administrator(self) -> bool:
        return self.role is Role.administrator


class LoginFailure(IdMixin, Base):
    """A failed sign-in, kept in the database so every web worker counts the same failures."""

    __tablename__ = "login_failure"

    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    ip_address: Mapped[str] = mapped_column(String(64), default="", index=True)
    failed_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)


class RequestedEmail(IdMixin, Base):
    """An email that someone asked for without signing in (a reset link, a confirmation,
    "you already have an account"), kept so that the requests counted per recipient and per
    client address queue at most a few, whichever web worker takes them."""

    __tablename__ = "requested_email"
    __table_args__ = (
        Index("ix_requested_email_to_address_queued_at", "to_address", "queued_at"),
        Index("ix_requested_email_ip_address_queued_at", "ip_address", "queued_at"),
    )

    to_address: Mapped[str] = mapped_column(String(254))
    ip_address: Mapped[str] = mapped_column(String(64), default="")
    queued_at: Mapped[datetime] = mapped_column(default=clock.now)


class TokenPurpose(enum.Enum):
    reset_password = "reset_password"
    invitation = "invitation"
    confirm_email = "confirm_email"


class UserToken(IdMixin, Base):
    """A single-use emailed link. Only the token's SHA-256 is kept."""

    __tablename__ = "user_token"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(enum_type(TokenPurpose))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    def is_usable(self, at: datetime | None = None) -> bool:
        return self.used_at is None and self.expires_at > (at or clock.now())
