"""Every change the contracts officers make to an application: section reviews,
clarification, the extension, self-cleaning, the decision and its notice. Operations
flush; the request or the job commits."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from dps_portal.accounts.models import User
from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import record_event
from dps_portal.core import clock
from dps_portal.core.errors import OperationRefused
from dps_portal.core.money import to_money
from dps_portal.core.states import lock, move
from dps_portal.documents.models import StoredDocument
from dps_portal.documents.pdf import store_pdf
from dps_portal.extensions import db
from dps_portal.framework.models import Framework
from dps_portal.notifications.emails import portal_path
from dps_portal.notifications.operations import tell_organisation
from dps_portal.onboarding import rules
from dps_portal.onboarding.answers import answers_of_sections
from dps_portal.onboarding.checks import exclusion_flags
from dps_portal.onboarding.models import (
    Admission,
    AdmittedHome,
    Application,
    ApplicationCategory,
    ApplicationHome,
    ApplicationState,
    CategoryDecision,
    ClarificationRequest,
    ReviewOutcome,
    SectionReview,
)
from dps_portal.onboarding.question_sets import definition_of
from dps_portal.onboarding.questions import Question
from dps_portal.onboarding.review import queries
from dps_portal.providers.models import EvidenceItem
from dps_portal.rates.models import RateCardEntry

LABEL_MAX_LENGTH = 200


# People to tell.


def provider_application_path(application: Application) -> str:
    """Where the provider reads its application in the portal."""
    return portal_path("onboarding.show_application", application_id=application.id)


def _tell_provider(application: Application, title: str, body: str, **options) -> None:
    tell_organisation(
        application.provider_id,
        title,
        body,
        provider_application_path(application),
        application=application,
        **options,
    )


# Guards. An operation that changes the application takes its row lock first (`lock`), so
# two officers acting at once (deciding, extending, asking) act once: the second sees what
# the first did.


def _require_awaiting_decision(application: Application) -> None:
    if application.is_decided:
        raise OperationRefused(queries.decided_by_words(application))
    if not application.state.is_awaiting_decision:
        raise OperationRefused(
            f"Application {application.reference} is {application.state.value.lower()}: "
            "it is not waiting for a decision"
        )


def _section_keys(application: Application) -> list[str]:
    return [section.key for section in definition_of(application.question_set).sections]


def _reopenable_keys(application: Application) -> list[str]:
    return [key for key, _title in queries.reopenable_parts(application)]


# Reviewing.


def review_section(
    application: Application,
    section_key: str,
    *,
    outcome: ReviewOutcome,
    comment: str,
    by: User,
) -> SectionReview:
    """Record (or change) the officer's pass or fail on one section."""
    _require_awaiting_decision(application)
    if section_key not in _section_keys(application):
        raise OperationRefused(f"The application has no section {section_key!r}")
    review = next((r for r in application.section_reviews if r.section_key == section_key), None)
    before = None
    # Every column is set before the row joins the session: a load on the way (the officer
    # read afresh) must not flush half a review.
    fields = {
        "outcome": outcome,
        "comment": comment.strip(),
        "reviewed_by_id": by.id,
        "reviewed_at": clock.now(),
    }
    if review is None:
        review = SectionReview(section_key=section_key, **fields)
        application.section_reviews.append(review)
    else:
        before = {"outcome": review.outcome.name, "comment": review.comment}
        for name, value in fields.items():
            setattr(review, name, value)
    record_event(
        AuditAction.application_section_reviewed,
        actor=by,
        subject=application,
        before=before,
        after={"section": section_key, "outcome": outcome.name, "comment": review.comment},
    )
    return review


def request_clarification(
    application: Application, *, message: str, section_keys: list[str], by: User
) -> ClarificationRequest:
    """Ask the provider to clarify, reopening some sections. The decision clock keeps running."""
    lock(application)
    if application.state is ApplicationState.clarification_requested:
        raise OperationRefused(
            "A clarification request is already open: wait for the provider to answer it"
        )
    _require_awaiting_decision(application)
    known = _reopenable_keys(application)
    unknown = [key for key in section_keys if key not in known]
    if unknown or not section_keys:
        raise OperationRefused("Select at least one section of the application to reopen")
    ordered = [key for key in known if key in section_keys]
    clarification = ClarificationRequest(
        application=application,
        section_keys=ordered,
        message=message.strip(),
        requested_by_id=by.id,
        requested_at=clock.now(),
        answers_before=answers_of_sections(application, ordered),
    )
    db.session.add(clarification)
    db.session.flush()
    move(
        application,
        ApplicationState.clarification_requested,
        by=by,
        event=AuditAction.application_clarification_requested,
        after={
            "sections": ordered,
            "message": clarification.message,
            "clarification_id": clarification.id,
        },
    )
    _tell_provider(
        application,
        f"The council asks you to clarify application {application.reference}",
        clarification.message,
        template="onboarding/clarification_requested",
        section_titles=[
            title for key, title in queries.reopenable_parts(application) if key in ordered
        ],
    )
    return clarification


def extend_deadline(application: Application, *, reason: str, by: User) -> date:
    """Extend the decision deadline, once, to the extended number of working days after
    receipt (15 by law), recording why. Answers the new due date."""
    lock(application)
    _require_awaiting_decision(application)
    if application.extended_due_on is not None:
        raise OperationRefused(
            "The deadline has already been extended once, to "
            f"{clock.format_date(application.extended_due_on)}: it cannot be extended again"
        )
    reason = reason.strip()
    if not reason:
        raise OperationRefused("Enter why the decision needs more time")
    framework: Framework = application.framework
    due_on = application.due_on
    application.extended_due_on = rules.decision_due_on(
        application.received_on, framework.extended_decision_working_days
    )
    application.extension_reason = reason
    application.extended_by_id = by.id
    application.extended_at = clock.now()
    record_event(
        AuditAction.application_extended,
        actor=by,
        subject=application,
        before={"due_on": due_on},
        after={"extended_due_on": application.extended_due_on, "reason": reason},
    )
    _tell_provider(
        application,
        f"The decision on application {application.reference} will take longer",
        f"The council will now decide by {clock.format_date(application.extended_due_on)}. "
        f"The reason: {reason}",
        template="onboarding/deadline_extended",
    )
    return application.extended_due_on


def record_self_cleaning(application: Application, *, note: str, by: User) -> None:
    """The officer's note of the self-cleaning evidence seen; without it a mandatory
    exclusion ground blocks every admission."""
    lock(application)
    _require_awaiting_decision(application)
    note = note.strip()
    if not note:
        raise OperationRefused("Enter the self-cleaning evidence you have seen")
    before = {"note": application.self_cleaning_note} if application.self_cleaning_note else None
    application.self_cleaning_note = note
    application.self_cleaning_recorded_by_id = by.id
    application.self_cleaning_recorded_at = clock.now()
    record_event(
        AuditAction.application_self_cleaning_recorded,
        actor=by,
        subject=application,
        before=before,
        after={"note": note},
    )


# Deciding.


@dataclass(frozen=True)
class CategoryChoice:
    admit: bool
    reasons: str = ""


# What a refusal of a decision is about, so the form shows it beside the right answer.
ABOUT_DECISION = "decision"
ABOUT_REASONS = "reasons"
ABOUT_OVERRIDE = "override"


class DecisionRefused(OperationRefused):
    """A decision the rules do not allow, naming the category it is about (if one) and
    which answer (`about`: the category's decision or reasons, or the override)."""

    def __init__(
        self, message: str, application_category_id: int | None = None, about=ABOUT_DECISION
    ) -> None:
        super().__init__(message)
        self.application_category_id = application_category_id
        self.about = about


def admission_problem(
    application: Application, application_category: ApplicationCategory
) -> str | None:
    """Why the category cannot be admitted, or None when it can."""
    name = application_category.category.name
    if exclusion_flags(application)["mandatory"] and not application.self_cleaning_note:
        return (
            f"{name} cannot be admitted: the provider declared a mandatory exclusion ground "
            "and no self-cleaning evidence has been recorded"
        )
    if not queries.admissible_homes(application, application_category):
        return (
            f"{name} cannot be admitted: none of the homes put forward for it can be "
            "(a home rated Inadequate by the CQC cannot be admitted)"
        )
    return None


def unreviewed_words(unreviewed: list[queries.SectionOutcome]) -> str:
    return (
        "No category can be admitted until every section has been reviewed. Not reviewed: "
        f"{queries.titles(unreviewed)}"
    )


def failed_words(failed: list[queries.SectionOutcome]) -> str:
    return (
        f"{queries.titles(failed)} failed {'its' if len(failed) == 1 else 'their'} review: "
        "to admit, confirm that you are admitting despite "
        f"{'it' if len(failed) == 1 else 'them'} and give your reason"
    )


def decision_problems(
    application: Application,
    choices: dict[int, CategoryChoice],
    override_reason: str = "",
    review: queries.ReviewState | None = None,
) -> list[DecisionRefused]:
    """Every reason the rules refuse these choices, in the form's order; none when the
    decision may be made. Admitting needs every section reviewed, and a failed section
    needs the officer's override with a reason."""
    problems = []
    admitted = []
    for application_category in application.categories:
        choice = choices.get(application_category.id)
        name = application_category.category.name
        if choice is None:
            problems.append(
                DecisionRefused(
                    f"Select whether to admit or reject for {name}", application_category.id
                )
            )
        elif choice.admit:
            admitted.append(application_category)
            problem = admission_problem(application, application_category)
            if problem:
                problems.append(DecisionRefused(problem, application_category.id))
        elif not choice.reasons.strip():
            problems.append(
                DecisionRefused(
                    f"Enter the reasons for rejecting {name}",
                    application_category.id,
                    ABOUT_REASONS,
                )
            )
    if admitted:
        review = review or queries.review_state(application)
        if review.unreviewed:
            problems.append(DecisionRefused(unreviewed_words(review.unreviewed), admitted[0].id))
        elif review.failed and not override_reason.strip():
            problems.append(DecisionRefused(failed_words(review.failed), about=ABOUT_OVERRIDE))
    return problems


def decide_application(
    application: Application,
    choices: dict[int, CategoryChoice],
    *,
    by: User,
    override_reason: str = "",
) -> StoredDocument:
    """Admit or reject each category applied for, make the admissions, rates and evidence,
    and send the decision notice. Admitting over a failed section needs `override_reason`,
    which the notice and the audit trail keep. Answers the notice."""
    lock(application)
    _require_awaiting_decision(application)
    review = queries.review_state(application)
    problems = decision_problems(application, choices, override_reason, review)
    if problems:
        raise problems[0]

    now = clock.now()
    effective_from = clock.to_uk(now).date()
    admitting = any(choices[chosen.id].admit for chosen in application.categories)
    override = override_reason.strip() if admitting and review.failed else ""
    application.override_reason = override
    for application_category in application.categories:
        choice = choices[application_category.id]
        homes: list[ApplicationHome] = []
        if choice.admit:
            homes = queries.admissible_homes(application, application_category)
            _admit(application, application_category, homes, by=by, effective_from=effective_from)
            application_category.decision = CategoryDecision.admitted
            application_category.reasons = ""
        else:
            application_category.decision = CategoryDecision.rejected
            application_category.reasons = choice.reasons.strip()
        application_category.decided_by_id = by.id
        application_category.decided_at = now
        record_event(
            AuditAction.application_category_decided,
            actor=by,
            subject=application,
            after={
                "category": application_category.category.code,
                "decision": application_category.decision.name,
                "reasons": application_category.reasons,
                "care_home_ids": [home.care_home_id for home in homes],
                **({"override_reason": override} if override and choice.admit else {}),
            },
        )
    if admitting:
        _record_insurance_evidence(application, now)

    move(
        application,
        ApplicationState.decided,
        by=by,
        event=AuditAction.application_decided,
        after={
            "decisions": {ac.category.code: ac.decision.name for ac in application.categories},
            "sections": {section.key: section.status.name for section in review.sections},
            **(
                {
                    "override": {
                        "failed_sections": [section.key for section in review.failed],
                        "reason": override,
                    }
                }
                if override
                else {}
            ),
        },
    )
    notice = store_pdf(
        "documents/decision_notice.html",
        filename=f"Decision notice {application.reference}.pdf",
        kind="decision_notice",
        provider_id=application.provider_id,
        by=by,
        notice=queries.decision_notice(application),
    )
    application.decision_notice_id = notice.id
    db.session.flush()
    _send_decision(application, notice)
    return notice


def _admit(
    application: Application,
    application_category: ApplicationCategory,
    homes: list[ApplicationHome],
    *,
    by: User,
    effective_from: date,
) -> Admission:
    """Admit the provider to the category (or add to its admission) with the homes and
    their agreed rates. Admission is not eligibility: each home waits for its quality gate."""
    admission = db.session.scalars(
        select(Admission).where(
            Admission.provider_id == application.provider_id,
            Admission.category_id == application_category.category_id,
        )
    ).first()
    before = None
    if admission is None:
        admission = Admission(
            provider_id=application.provider_id,
            category_id=application_category.category_id,
            application_id=application.id,
            admitted_at=clock.now(),
            admitted_by_id=by.id,
        )
        db.session.add(admission)
    else:
        before = {
            "application_id": admission.application_id,
            "care_home_ids": sorted(home.care_home_id for home in admission.homes),
        }
        admission.application_id = application.id
        admission.admitted_by_id = by.id
    already = {home.care_home_id for home in admission.homes}
    rates = {}
    for home in homes:
        if home.care_home_id not in already:
            admission.homes.append(AdmittedHome(care_home_id=home.care_home_id))
        entry = _agree_rate(application, application_category, home, by, effective_from)
        rates[str(home.care_home_id)] = None if entry is None else entry.weekly_rate
    db.session.flush()
    record_event(
        AuditAction.provider_admitted,
        actor=by,
        subject=admission,
        before=before,
        after={
            "provider_id": application.provider_id,
            "category": application_category.category.code,
            "application": application.reference,
            "care_home_ids": sorted(home.care_home_id for home in admission.homes),
            "weekly_rates": rates,
        },
    )
    return admission


def _agree_rate(
    application: Application,
    application_category: ApplicationCategory,
    home: ApplicationHome,
    by: User,
    effective_from: date,
) -> RateCardEntry | None:
    """The home's proposed rate becomes its rate card entry from the decision's date."""
    care_home = home.care_home
    if home.proposed_weekly_rate is None or care_home.setting_id is None:
        return None
    entry = db.session.scalars(
        select(RateCardEntry).where(
            RateCardEntry.care_home_id == care_home.id,
            RateCardEntry.category_id == application_category.category_id,
            RateCardEntry.setting_id == care_home.setting_id,
            RateCardEntry.effective_from == effective_from,
        )
    ).first()
    if entry is None:
        entry = RateCardEntry(
            care_home_id=care_home.id,
            category_id=application_category.category_id,
            setting_id=care_home.setting_id,
            effective_from=effective_from,
        )
        db.session.add(entry)
    entry.weekly_rate = to_money(home.proposed_weekly_rate)
    entry.source = "admission"
    entry.reason = f"Agreed at admission: {application.reference}"
    entry.created_by_id = by.id
    return entry


def _record_insurance_evidence(application: Application, now: datetime) -> list[EvidenceItem]:
    """The insurance answers become the provider's current evidence, replacing older items."""
    definition = definition_of(application.question_set)
    items = []
    for _section, question in definition.questions():
        if question.kind != "insurance" or not question.evidence_kind:
            continue
        for answer in application.answers:
            if answer.question_key != question.key:
                continue
            items.append(_evidence_from(application, question, answer, now))
    db.session.flush()
    return items


def _evidence_from(application: Application, question: Question, answer, now) -> EvidenceItem:
    value = answer.value if isinstance(answer.value, dict) else {}
    care_home_id = int(answer.scope.split(":")[1]) if answer.scope.startswith("home:") else None
    earlier = db.session.scalars(
        select(EvidenceItem).where(
            EvidenceItem.provider_id == application.provider_id,
            EvidenceItem.kind == question.evidence_kind,
            EvidenceItem.care_home_id.is_(None)
            if care_home_id is None
            else EvidenceItem.care_home_id == care_home_id,
            EvidenceItem.replaced_at.is_(None),
        )
    )
    for item in earlier:
        item.replaced_at = now
    item = EvidenceItem(
        provider_id=application.provider_id,
        care_home_id=care_home_id,
        kind=question.evidence_kind,
        label=(answer.question_text or question.text)[:LABEL_MAX_LENGTH],
        amount=to_money(value["amount"]) if value.get("amount") else None,
        expires_on=date.fromisoformat(value["expires_on"]) if value.get("expires_on") else None,
        document_id=answer.document_id,
        source_application_id=application.id,
    )
    db.session.add(item)
    return item


def _send_decision(application: Application, notice: StoredDocument) -> None:
    """The notice by email, attached, and a notification in the portal."""
    decisions = [(ac.category.name, ac.decision.value) for ac in application.categories]
    _tell_provider(
        application,
        f"Decision on your application {application.reference}",
        "; ".join(f"{name}: {decision}" for name, decision in decisions),
        template="onboarding/decision_notice",
        attachment=notice,
        decisions=decisions,
    )
