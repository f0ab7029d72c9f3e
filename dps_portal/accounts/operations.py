"""Every change to accounts: signing in, lockout, emailed links, registration, invitations."""

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update

from dps_portal.accounts.models import (
    LoginFailure,
    RequestedEmail,
    TokenPurpose,
    User,
    UserToken,
)
from dps_portal.accounts.passwords import hash_password, needs_rehash, verify_password
from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import fields_of, record_event
from dps_portal.core import clock
from dps_portal.core.errors import OperationRefused
from dps_portal.core.roles import Role
from dps_portal.extensions import db
from dps_portal.framework.models import council_contact
from dps_portal.notifications.emails import external_url
from dps_portal.notifications.operations import queue_email
from dps_portal.providers.models import ProviderOrganisation

# Verified when the email is unknown, so a wrong email takes as long as a wrong password.
_TIMING_DECOY = {}


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalars(select(User).where(User.email == normalise_email(email))).first()


class SignInOutcome(enum.Enum):
    signed_in = "signed_in"
    refused = "refused"
    # Refused, and the client address has had too many failures: it is told to wait.
    address_throttled = "address_throttled"
    email_unconfirmed = "email_unconfirmed"


@dataclass(frozen=True)
class SignInResult:
    outcome: SignInOutcome
    user: User | None = None


def _decoy_hash() -> str:
    config = current_app.config
    key = tuple(
        config.get(name)
        for name in ("ARGON2_TIME_COST", "ARGON2_MEMORY_COST", "ARGON2_PARALLELISM")
    )
    if key not in _TIMING_DECOY:
        _TIMING_DECOY[key] = hash_password(secrets.token_urlsafe(16))
    return _TIMING_DECOY[key]


def _recent_failures(user: User, now) -> int:
    since = now - current_app.config["LOGIN_FAILURE_WINDOW"]
    if user.last_signed_in_at is not None and user.last_signed_in_at > since:
        since = user.last_signed_in_at
    if user.locked_until is not None and user.locked_until > since and user.locked_until <= now:
        since = user.locked_until
    return db.session.scalar(
        select(func.count(LoginFailure.id)).where(
            LoginFailure.user_id == user.id, LoginFailure.failed_at > since
        )
    )


def _too_many_failures_from(ip_address: str, now) -> bool:
    if not ip_address:
        return False
    since = now - current_app.config["LOGIN_FAILURE_WINDOW"]
    failures = db.session.scalar(
        select(func.count(LoginFailure.id)).where(
            LoginFailure.ip_address == ip_address, LoginFailure.failed_at > since
        )
    )
    return failures >= current_app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]


def _record_failure(
    user: User | None, email: str, ip_address: str, now, asked_for: str | None = None
) -> None:
    """A wrong password (or any password while locked), counted towards the account's
    lockout and its client address's. `asked_for` says which form, when not the sign-in."""
    db.session.add(
        LoginFailure(
            user_id=user.id if user else None, email=email, ip_address=ip_address, failed_at=now
        )
    )
    db.session.flush()
    if user is None:
        return
    after = {"email": email} if asked_for is None else {"email": email, "asked_for": asked_for}
    record_event(AuditAction.sign_in_failed, actor=None, subject=user, after=after)
    if (
        not user.is_locked(now)
        and _recent_failures(user, now) >= current_app.config["LOGIN_MAX_FAILURES"]
    ):
        user.locked_until = now + current_app.config["LOGIN_LOCK_DURATION"]
        record_event(
            AuditAction.account_locked,
            actor=None,
            subject=user,
            after={"locked_until": user.locked_until.isoformat()},
        )


def _refuse_sign_in(user: User | None, email: str, ip_address: str, now) -> SignInResult:
    _record_failure(user, email, ip_address, now)
    if _too_many_failures_from(ip_address, now):
        return SignInResult(SignInOutcome.address_throttled)
    return SignInResult(SignInOutcome.refused)


def sign_in(email: str, password: str, ip_address: str = "") -> SignInResult:
    """Check an email and password. Failures are counted in the database, so every web
    worker sees the same count; the caller shows one message for every refusal.

    The client address's count only changes what a refusal says: a right password for an
    account that is not locked gets in from an address with many failures (a council office
    behind one address is not locked out by one person's mistakes, or by an attacker's)."""
    now = clock.now()
    email = normalise_email(email)
    user = find_user(email)
    if user is None or user.is_locked(now):
        verify_password(_decoy_hash(), password)
        return _refuse_sign_in(user, email, ip_address, now)
    if not verify_password(user.password_hash, password) or not user.is_active:
        return _refuse_sign_in(user, email, ip_address, now)
    if user.email_confirmed_at is None:
        send_email_confirmation(user, ip_address=ip_address)
        return SignInResult(SignInOutcome.email_unconfirmed, user)
    user.last_signed_in_at = now
    user.locked_until = None
    if needs_rehash(user.password_hash):  # made with older argon2 parameters
        user.password_hash = hash_password(password)
    record_event(AuditAction.signed_in, actor=user, subject=user)
    return SignInResult(SignInOutcome.signed_in, user)


def end_sessions(user: User) -> None:
    """Every session of `user` stops working: each names the version it began with."""
    user.session_version += 1


def sign_out(user: User) -> None:
    """Signing out ends the user's sessions on the server, on every device, so a copy of the
    session cookie (kept by a shared computer, or stolen) signs no one in afterwards."""
    end_sessions(user)
    record_event(AuditAction.signed_out, actor=user, subject=user)


class PasswordCheck(enum.Enum):
    right = "right"
    wrong = "wrong"
    locked = "locked"


def check_password(
    user: User, password: str, *, asked_for: str, ip_address: str = ""
) -> PasswordCheck:
    """A signed-in person's password, asked again to confirm an act (`asked_for`): a wrong
    one counts towards the sign-in lockout, and a locked account's is refused, right or not,
    so a borrowed session cannot be used to guess it."""
    now = clock.now()
    if user.is_locked(now):
        verify_password(_decoy_hash(), password)
        _record_failure(user, user.email, ip_address, now, asked_for)
        return PasswordCheck.locked
    if verify_password(user.password_hash, password):
        return PasswordCheck.right
    _record_failure(user, user.email, ip_address, now, asked_for)
    return PasswordCheck.locked if user.is_locked(now) else PasswordCheck.wrong


# Emails that anyone can ask for without signing in.


def _allow_requested_email(to_address: str, ip_address: str) -> bool:
    """Count one more email asked for to `to_address` from `ip_address`; False, and nothing
    counted, when the recipient or the client address has had its share in the window. The
    counts are in the database, so every web worker keeps the same ones."""
    config = current_app.config
    now = clock.now()
    since = now - config["REQUESTED_EMAIL_WINDOW"]
    to_address = normalise_email(to_address)

    def count(*conditions) -> int:
        return db.session.scalar(
            select(func.count(RequestedEmail.id)).where(
                RequestedEmail.queued_at > since, *conditions
            )
        )

    if count(RequestedEmail.to_address == to_address) >= config["REQUESTED_EMAILS_PER_RECIPIENT"]:
        return False
    if ip_address and (
        count(RequestedEmail.ip_address == ip_address) >= config["REQUESTED_EMAILS_PER_ADDRESS"]
    ):
        return False
    db.session.add(RequestedEmail(to_address=to_address, ip_address=ip_address, queued_at=now))
    db.session.flush()
    return True


# Emailed single-use links.


def _token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user: User, purpose: TokenPurpose, lifetime: timedelta) -> str:
    """A new link for `user`; earlier unused links for the same purpose stop working."""
    now = clock.now()
    db.session.execute(
        update(UserToken)
        .where(
            UserToken.user_id == user.id,
            UserToken.purpose == purpose,
            UserToken.used_at.is_(None),
        )
        .values(used_at=now)
    )
    raw = secrets.token_urlsafe(32)
    db.session.add(
        UserToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=_token_digest(raw),
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    db.session.flush()
    return raw


# The page each emailed link opens, and the email that carries it.
_LINK_PAGES = {
    TokenPurpose.reset_password: ("accounts.reset_password", "accounts/reset_password"),
    TokenPurpose.invitation: ("accounts.accept_invitation", "accounts/invitation"),
    TokenPurpose.confirm_email: ("accounts.confirm_email", "accounts/confirm_email"),
}


def _email_link(
    user: User, purpose: TokenPurpose, lifetime: timedelta, subject: str, **context
) -> None:
    """Email `user` a new single-use link for `purpose`; earlier ones stop working."""
    endpoint, template = _LINK_PAGES[purpose]
    raw = issue_token(user, purpose, lifetime)
    link = external_url(endpoint, token=raw)
    queue_email(user.email, subject, template, user=user, link=link, **context)


def find_usable_token(raw: str, purpose: TokenPurpose) -> UserToken | None:
    token = db.session.scalars(
        select(UserToken).where(
            UserToken.token_hash == _token_digest(raw), UserToken.purpose == purpose
        )
    ).first()
    if token is None or not token.is_usable():
        return None
    return token


def _use_token(token: UserToken) -> None:
    """Mark the link used; a second request racing this one finds it already used."""
    used = db.session.execute(
        update(UserToken)
        .where(UserToken.id == token.id, UserToken.used_at.is_(None))
        .values(used_at=clock.now())
    )
    if used.rowcount != 1:
        raise OperationRefused("This link has already been used.")


def _set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    end_sessions(user)
    user.locked_until = None


# Forgotten password.


def request_password_reset(email: str, ip_address: str = "") -> None:
    """Email a reset link if the account exists and neither it nor the client address has
    had its share of emails; the caller says the same thing either way."""
    user = find_user(email)
    if user is None or not user.is_active:
        return
    # Checked before a new link is made: a flood of requests must not end the link sent.
    if not _allow_requested_email(user.email, ip_address):
        return
    lifetime = current_app.config["PASSWORD_RESET_LIFETIME"]
    _email_link(
        user,
        TokenPurpose.reset_password,
        lifetime,
        "Reset your password",
        minutes=int(lifetime.total_seconds() // 60),
    )
    record_event(AuditAction.password_reset_requested, actor=None, subject=user)


def reset_password(token: UserToken, password: str) -> User:
    _use_token(token)
    user = token.user
    _set_password(user, password)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = clock.now()
    record_event(AuditAction.password_changed, actor=user, subject=user, after={"via": "reset"})
    return user


# Staff invitations.


def invite_staff(*, by: User, email: str, full_name: str, role: Role) -> User:
    if role is Role.provider:
        raise OperationRefused("Providers register themselves: invite council staff only.")
    email = normalise_email(email)
    if find_user(email) is not None:
        raise OperationRefused("There is already an account with this email address.")
    user = User(email=email, full_name=full_name.strip(), role=role, is_active=False)
    return invite(user, AuditAction.user_invited, by=by, after={"role": role.value})


def invite(user: User, event: AuditAction, *, by: User, after: dict) -> User:
    """Keep a new, inactive user, email them the link to set a password, and record it."""
    db.session.add(user)
    db.session.flush()
    send_invitation(user, by=by)
    record_event(
        event, actor=by, subject=user, after=fields_of(user, "email", "full_name", **after)
    )
    return user


def send_invitation(user: User, *, by: User) -> None:
    lifetime = current_app.config["INVITATION_LIFETIME"]
    _email_link(
        user,
        TokenPurpose.invitation,
        lifetime,
        f"You have been invited to {current_app.config['SERVICE_NAME']}",
        inviter=by,
        days=lifetime.days,
    )


def accept_invitation(token: UserToken, password: str) -> User:
    _use_token(token)
    user = token.user
    _set_password(user, password)
    user.is_active = True
    user.email_confirmed_at = clock.now()
    record_event(AuditAction.user_activated, actor=user, subject=user)
    return user


def set_active(user: User, *, active: bool, by: User) -> None:
    if user.id == by.id:
        raise OperationRefused("You cannot deactivate your own account.")
    if user.is_active == active:
        return
    user.is_active = active
    if not active:
        end_sessions(user)
    record_event(
        AuditAction.user_reactivated if active else AuditAction.user_deactivated,
        actor=by,
        subject=user,
        before={"is_active": not active},
        after={"is_active": active},
    )


def tell_invited_account_holder(existing: User, *, by: User) -> None:
    """`by` invited an address that already has an account (of another organisation, or the
    council's): its owner is told, at most a few times an hour, and the inviter is told no
    more than for any invitation, so inviting reveals no one's account."""
    if not _allow_requested_email(existing.email, ""):
        return
    queue_email(
        existing.email,
        "Someone tried to invite you",
        "accounts/invited_but_registered",
        user=existing,
        inviter=by,
        organisation_name=by.provider.display_name if by.provider else "",
        sign_in_link=external_url("accounts.sign_in"),
        council_contact=council_contact().in_words(),
    )


# Provider self-registration.


def register_provider(
    *, organisation_name: str, full_name: str, email: str, password: str, ip_address: str = ""
) -> None:
    """Create the organisation and its first user, who must confirm the email address.
    An address already registered gets an email saying so, and the page says the same
    thing either way; the password is hashed either way too, so neither the page nor the
    time it takes reveals who has an account."""
    email = normalise_email(email)
    password_hash = hash_password(password)
    existing = find_user(email)
    if existing is not None:
        if _allow_requested_email(existing.email, ip_address):
            queue_email(
                existing.email,
                "You already have an account",
                "accounts/already_registered",
                user=existing,
                sign_in_link=external_url("accounts.sign_in"),
                reset_link=external_url("accounts.forgotten_password"),
            )
        return
    organisation = ProviderOrganisation(legal_name=organisation_name.strip())
    db.session.add(organisation)
    db.session.flush()
    user = User(
        email=email,
        full_name=full_name.strip(),
        role=Role.provider,
        provider_id=organisation.id,
        password_hash=password_hash,
        is_active=True,
        can_manage_organisation=True,
    )
    db.session.add(user)
    db.session.flush()
    record_event(
        AuditAction.provider_registered,
        actor=user,
        subject=organisation,
        after={"legal_name": organisation.legal_name},
    )
    record_event(
        AuditAction.user_registered,
        actor=user,
        subject=user,
        after={"email": email, "role": Role.provider.value, "provider_id": organisation.id},
    )
    send_email_confirmation(user, ip_address=ip_address)


def send_email_confirmation(user: User, *, ip_address: str = "") -> None:
    """Email a link to confirm the address, unless it or the client address has had its
    share of emails (signing in again sends another)."""
    if not _allow_requested_email(user.email, ip_address):
        return
    lifetime = current_app.config["EMAIL_CONFIRMATION_LIFETIME"]
    _email_link(
        user, TokenPurpose.confirm_email, lifetime, "Confirm your email address", days=lifetime.days
    )


def confirm_email(token: UserToken) -> User:
    _use_token(token)
    user = token.user
    user.email_confirmed_at = clock.now()
    record_event(AuditAction.email_confirmed, actor=user, subject=user)
    return user
