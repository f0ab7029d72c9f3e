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
    cqc_import_uploaded = "cqc.import_uploaded"
    cqc_import_failed = "cqc.import_failed"
    cqc_review_kept_out = "home.cqc_review_kept_out"
    cqc_rating_reported = "cqc_rating_report.reported"
    cqc_rating_report_confirmed = "cqc_rating_report.confirmed"
    cqc_rating_report_rejected = "cqc_rating_report.rejected"
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
    # Quality monitoring.
    visit_scheduled = "visit.scheduled"
    visit_rescheduled = "visit.rescheduled"
    visit_cancelled = "visit.cancelled"
    visit_section_saved = "visit.section_saved"
    visit_action_planned = "visit.action_planned"
    visit_action_removed = "visit.action_removed"
    visit_finalised = "visit.finalised"
    visit_addendum_added = "visit.addendum_added"
    visit_template_published = "visit_template.published"
    action_responded = "action.responded"
    action_closed = "action.closed"
    action_reopened = "action.reopened"
    return_form_published = "return_form.published"
    return_opened = "return.opened"
    return_saved = "return.saved"
    return_submitted = "return.submitted"
    return_reviewed = "return.reviewed"
    # The contract gate.
    terms_published = "terms.published"
    terms_accepted = "terms.accepted"
    suspension_recommended = "suspension.recommended"
    suspension_started = "suspension.started"
    suspension_declined = "suspension.declined"
    suspension_lifted = "suspension.lifted"
    cqc_review_cleared = "home.cqc_review_cleared"
    evidence_renewed = "evidence.renewed"
    # Mini-tenders.
    tender_drafted = "tender.drafted"
    tender_request_changed = "tender.request_changed"
    tender_criteria_changed = "tender.criteria_changed"
    tender_published = "tender.published"
    tender_deadline_extended = "tender.deadline_extended"
    tender_cancelled = "tender.cancelled"
    tender_invitation_viewed = "tender_invitation.viewed"
    tender_invitation_declined = "tender_invitation.declined"
    tender_clarification_asked = "tender_clarification.asked"
    tender_clarification_answered = "tender_clarification.answered"
    bid_submitted = "bid.submitted"
    bid_withdrawn = "bid.withdrawn"
    tender_bids_opened = "tender.bids_opened"
    bid_compliance_recorded = "bid.compliance_recorded"
    bid_low_price_checked = "bid.low_price_checked"
    tender_evaluation_started = "tender.evaluation_started"
    score_sheet_started = "score_sheet.started"
    score_sheet_submitted = "score_sheet.submitted"
    moderated_score_recorded = "moderated_score.recorded"
    tender_moderated = "tender.moderated"
    person_choice_recorded = "person_choice.recorded"
    award_recommended = "award.recommended"
    award_approved = "award.approved"
    award_refused = "award.refused"
    tender_bidders_told = "tender.bidders_told"
    award_confirmed = "award.confirmed"
    tender_ended_unsuccessful = "tender.ended_unsuccessful"
    tender_copied = "tender.copied"
    tender_attachment_added = "tender.attachment_added"
    tender_attachment_removed = "tender.attachment_removed"
    # Vacancies.
    vacancy_updated = "vacancy.updated"
    vacancies_confirmed = "vacancy.confirmed"
    vacancy_taken = "vacancy.taken"
    # Rates.
    rate_changed = "rate.changed"
    uplift_planned = "uplift.planned"
    uplift_cancelled = "uplift.cancelled"
    uplift_applied = "uplift.applied"
    # Direct awards.
    direct_award_started = "direct_award.started"
    direct_award_closed = "direct_award.closed"
    direct_award_placed = "direct_award.placed"
    offer_made = "offer.made"
    offer_accepted = "offer.accepted"
    offer_declined = "offer.declined"
    offer_lapsed = "offer.lapsed"
    offer_withdrawn = "offer.withdrawn"
    # Placements.
    placement_created = "placement.created"
    placement_start_confirmed = "placement.start_confirmed"
    placement_ended = "placement.ended"
    placement_cancelled = "placement.cancelled"
    placement_reviewed = "placement.reviewed"
    placement_cost_changed = "placement.cost_changed"
    # Documents.
    document_stored = "document.stored"
    document_downloaded = "document.downloaded"
    document_rendered = "document.rendered"
    document_unavailable = "document.unavailable"
    # The officers' register of the DPS (a copy taken is a sensitive read).
    register_exported = "register.exported"
    # Notifications.
    email_queued = "email.queued"
    email_sent = "email.sent"
    email_failed = "email.failed"
    email_viewed = "email.viewed"
    # Framework.
    framework_seeded = "framework.seeded"
    framework_contact_details_changed = "framework.contact_details_changed"
    framework_times_changed = "framework.times_changed"
    framework_thresholds_changed = "framework.thresholds_changed"
    category_added = "category.added"
    category_changed = "category.changed"
    category_moved = "category.moved"
    category_removed = "category.removed"
    district_added = "district.added"
    district_changed = "district.changed"
    district_moved = "district.moved"
    district_removed = "district.removed"
    care_setting_added = "care_setting.added"
    care_setting_changed = "care_setting.changed"
    care_setting_moved = "care_setting.moved"
    care_setting_removed = "care_setting.removed"


# Words a member's name spells in capitals.
_ACRONYMS = {"cqc": "CQC", "dps": "DPS", "ods": "ODS", "pdf": "PDF", "csv": "CSV", "nhs": "NHS"}


def action_in_words(action: str) -> str:
    """ "home.cqc_rating_changed" → "Home CQC rating changed": what people read for an action.
    The words come from the member's name, prefixed by the record kind where the name lacks it;
    an action the registry no longer knows reads as stored."""
    try:
        member = AuditAction(action)
    except ValueError:
        return action
    words = member.name.split("_")
    kind = action.split(".", 1)[0].split("_")
    if not set(kind) <= set(words):
        words = [*kind, *words]
    text = " ".join(_ACRONYMS.get(word, word) for word in words)
    return text[:1].upper() + text[1:]
