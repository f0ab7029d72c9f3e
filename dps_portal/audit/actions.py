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
    provider_updated = "provider.updated"
    colleague_invited = "provider.colleague_invited"
    home_added = "home.added"
    home_updated = "home.updated"
    # CQC imports.
    cqc_imported = "cqc.imported"
    cqc_rating_changed = "home.cqc_rating_changed"
    # Onboarding.
    application_started = "application.started"
    application_section_saved = "application.section_saved"
    application_categories_saved = "application.categories_saved"
    application_rates_saved = "application.rates_saved"
    application_submitted = "application.submitted"
    application_withdrawn = "application.withdrawn"
    application_section_reviewed = "application.section_reviewed"
    application_clarification_requested = "application.clarification_requested"
    application_clarification_answered = "application.clarification_answered"
    application_extended = "application.extended"
    application_self_cleaning_recorded = "application.self_cleaning_recorded"
    application_category_decided = "application.category_decided"
    application_decided = "application.decided"
    question_set_published = "question_set.published"
    provider_admitted = "provider.admitted"
    declaration_requested = "declaration.requested"
    declaration_confirmed = "declaration.confirmed"
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
