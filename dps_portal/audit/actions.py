"""The names of audited actions. A feature adds its own here; the column keeps the value."""

import enum


class AuditAction(enum.StrEnum):
    # Accounts.
    user_registered = "user.registered"
    user_invited = "user.invited"
    user_activated = "user.activated"
    email_confirmed = "user.email_confirmed"
    signed_in = "user.signed_in"
    signed_out = "user.signed_out"
    sign_in_failed = "user.sign_in_failed"
    account_locked = "user.locked"
    password_reset_requested = "user.password_reset_requested"
    password_changed = "user.password_changed"
    user_deactivated = "user.deactivated"
    user_reactivated = "user.reactivated"
    # Organisations.
    provider_registered = "provider.registered"
    # Documents.
    document_stored = "document.stored"
    document_downloaded = "document.downloaded"
    document_rendered = "document.rendered"
    document_unavailable = "document.unavailable"
    # Notifications.
    email_queued = "email.queued"
    email_sent = "email.sent"
    email_failed = "email.failed"
    email_viewed = "email.viewed"
    # Framework.
    framework_seeded = "framework.seeded"
