"""Every change a provider makes to its application: starting, answering, submitting,
withdrawing and answering a clarification."""

from datetime import date
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.routing import BuildError

from dps_portal.accounts.models import User
from dps_portal.accounts.queries import active_officers
from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import record_event
from dps_portal.core import clock
from dps_portal.core.errors import OperationRefused
from dps_portal.core.money import to_money
from dps_portal.documents.models import StoredDocument
from dps_portal.extensions import db
from dps_portal.framework.models import current_framework
from dps_portal.notifications.emails import portal_path
from dps_portal.notifications.operations import notify_and_email, queue_email
from dps_portal.onboarding import rules
from dps_portal.onboarding.checks import (
    CATEGORIES_KEY,
    ORGANISATION_SCOPE,
    RATES_KEY,
    Problem,
    answers_by_scope,
    category_scope,
    exclusion_flags,
    home_scope,
    inadequate_homes,
    insurance_expired,
    parse_scope,
    submission_problems,
)
from dps_portal.onboarding.models import (
    Answer,
    Application,
    ApplicationCategory,
    ApplicationHome,
    ApplicationState,
    ClarificationRequest,
)
from dps_portal.onboarding.question_sets import current_question_set, definition_of
from dps_portal.onboarding.questions import Question, Section
from dps_portal.providers.models import CareHome, EvidenceItem, ProviderOrganisation

__all__ = [
    "OPEN_STATES",
    "Problem",
    "SubmissionRefused",
    "answers_of_sections",
    "can_edit_part",
    "exclusion_flags",
    "inadequate_homes",
    "open_clarification",
    "respond_to_clarification",
    "save_categories",
    "save_rates",
    "save_section",
    "start_application",
    "submission_problems",
    "submit_application",
    "withdraw_application",
]

# An organisation may have one application in these states at a time.
OPEN_STATES = (
    ApplicationState.draft,
    ApplicationState.submitted,
    ApplicationState.clarification_requested,
)


class SubmissionRefused(OperationRefused):
    """The application cannot be submitted yet; `problems` says what to put right."""

    def __init__(self, problems: list[Problem]) -> None:
        listed = "; ".join(problem.message for problem in problems)
        super().__init__(f"The application cannot be submitted yet: {listed}")
        self.problems = problems


# Starting.


def start_application(
    provider: ProviderOrganisation, *, by, previous: Application | None = None
) -> Application:
    """A new draft with the current questions; applying again copies the previous one."""
    framework = current_framework()
    if framework is None or not framework.is_open_for_applications:
        raise OperationRefused("The council is not taking applications at the moment.")
    question_set = current_question_set(framework)
    if question_set is None:
        raise OperationRefused(
            "The council has not published its application questions yet. Try again later."
        )
    # Lock the organisation's row (PostgreSQL), so two starts at once cannot both pass.
    db.session.execute(
        select(ProviderOrganisation.id)
        .where(ProviderOrganisation.id == provider.id)
        .with_for_update()
    )
    already_open = db.session.scalars(
        select(Application).where(
            Application.provider_id == provider.id, Application.state.in_(OPEN_STATES)
        )
    ).first()
    if already_open is not None:
        raise OperationRefused(
            f"Your organisation already has an application in progress ({already_open.reference}). "
            "Finish or withdraw it before starting another."
        )
    if previous is not None and previous.provider_id != provider.id:
        raise OperationRefused("You can only apply again from your own organisation’s application.")
    application = _new_draft(
        provider=provider,
        framework=framework,
        question_set=question_set,
        previous_application=previous,
        created_by_id=getattr(by, "id", None),
    )
    copied = _copy_from(previous, application) if previous is not None else {}
    record_event(
        AuditAction.application_started,
        actor=by,
        subject=application,
        after={
            "reference": application.reference,
            "question_set_version": question_set.version,
            "previous": previous.reference if previous is not None else None,
            **copied,
        },
    )
    return application


def _new_draft(**fields) -> Application:
    """A draft under the next free reference. Another organisation starting at the same
    moment may take the number first: then the next one is tried."""
    for _attempt in range(5):
        application = Application(
            reference=_next_reference(), state=ApplicationState.draft, **fields
        )
        try:
            with db.session.begin_nested():
                db.session.add(application)
                db.session.flush()
        except IntegrityError:
            continue
        return application
    raise OperationRefused("The portal is busy: try starting the application again.")


def _next_reference() -> str:
    """APP-<year>-<number>, the number counting up within the year."""
    prefix = f"APP-{clock.today_uk().year}-"
    existing = db.session.scalars(
        select(Application.reference).where(Application.reference.like(f"{prefix}%"))
    ).all()
    numbers = [int(ref.removeprefix(prefix)) for ref in existing if ref[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


def _copy_from(previous: Application, application: Application) -> dict:
    """Categories, homes, rates and answers, leaving out evidence that has expired."""
    today = clock.today_uk()
    framework_categories = {category.id for category in application.framework.categories}
    kept_homes: set[int] = set()
    for chosen in previous.categories:
        if chosen.category_id not in framework_categories:
            continue
        copy = ApplicationCategory(category_id=chosen.category_id)
        application.categories.append(copy)
        for entry in chosen.homes:
            if entry.care_home.provider_id != application.provider_id:
                continue
            copy.homes.append(
                ApplicationHome(
                    care_home_id=entry.care_home_id,
                    proposed_weekly_rate=entry.proposed_weekly_rate,
                )
            )
            kept_homes.add(entry.care_home_id)
    kept_categories = {copy.category_id for copy in application.categories}

    old_definition = definition_of(previous.question_set)
    new_definition = definition_of(application.question_set)
    old_questions = {question.key: question for _, question in old_definition.questions()}
    new_questions = {
        question.key: (section, question) for section, question in new_definition.questions()
    }
    expired_documents = _expired_evidence_documents(previous, old_questions, today)
    copied_answers = 0
    dropped: list[str] = []
    for answer in previous.answers:
        if answer.question_key not in new_questions:
            continue
        section, question = new_questions[answer.question_key]
        old = old_questions.get(answer.question_key)
        if old is None or old.kind != question.kind:
            continue
        if not _scope_fits(answer.scope, section, kept_homes, kept_categories):
            continue
        value, document_id = answer.value, answer.document_id
        if question.kind == "insurance" and insurance_expired(answer, today):
            value = {"amount": (answer.value or {}).get("amount")}
            document_id = None
            dropped.append(answer.question_key)
        elif document_id is not None and document_id in expired_documents:
            dropped.append(answer.question_key)
            if question.kind == "file":
                continue
            document_id = None
        application.answers.append(
            Answer(
                section_key=section.key,
                question_key=answer.question_key,
                scope=answer.scope,
                value=value,
                document_id=document_id,
            )
        )
        copied_answers += 1
    db.session.flush()
    return {"answers_copied": copied_answers, "expired_evidence_left_out": sorted(dropped)}


def _expired_evidence_documents(
    previous: Application, questions: dict[str, Question], today: date
) -> set[int]:
    """Documents that evidence insurance which has expired, in the application or in the
    organisation's dated evidence."""
    expired = {
        answer.document_id
        for answer in previous.answers
        if answer.document_id is not None
        and answer.question_key in questions
        and questions[answer.question_key].kind == "insurance"
        and insurance_expired(answer, today)
    }
    expired.update(
        db.session.scalars(
            select(EvidenceItem.document_id).where(
                EvidenceItem.provider_id == previous.provider_id,
                EvidenceItem.document_id.is_not(None),
                EvidenceItem.expires_on < today,
            )
        ).all()
    )
    return expired


def _scope_fits(scope: str, section: Section, homes: set[int], categories: set[int]) -> bool:
    try:
        kind, number = parse_scope(scope)
    except ValueError:
        return False
    if kind != section.scope:
        return False
    if kind == "home":
        return number in homes
    if kind == "category":
        return number in categories
    return True


# Editing.


def open_clarification(application: Application) -> ClarificationRequest | None:
    """The clarification the provider has still to answer, if any."""
    if application.state is not ApplicationState.clarification_requested:
        return None
    pending = [request for request in application.clarifications if request.is_open]
    return pending[-1] if pending else None


def can_edit_part(application: Application, part_key: str) -> bool:
    """Whether the provider may change this part now: anything in draft; only the reopened
    sections while a clarification is open (a part is a section key, "categories" or
    "rates")."""
    if application.state is ApplicationState.draft:
        return True
    clarification = open_clarification(application)
    return clarification is not None and part_key in (clarification.section_keys or ())


def _ensure_editable(application: Application, part_key: str) -> None:
    if application.state not in rules.EDITABLE_STATES:
        raise OperationRefused(
            f"Application {application.reference} has been "
            f"{application.state.value.lower()}: it can no longer be changed."
        )
    if not can_edit_part(application, part_key):
        raise OperationRefused(
            "The council has only reopened some sections of the application: "
            "this part cannot be changed."
        )


def save_categories(application: Application, selections: dict[int, list[int]], *, by) -> None:
    """Set the categories applied for and the homes put forward for each. The answers and
    rates of categories and homes no longer chosen go with them."""
    _ensure_editable(application, CATEGORIES_KEY)
    categories = {category.id: category for category in application.framework.categories}
    homes = {
        home.id: home
        for home in db.session.scalars(
            select(CareHome).where(CareHome.provider_id == application.provider_id)
        )
    }
    for category_id, home_ids in selections.items():
        if category_id not in categories:
            raise OperationRefused("Choose categories of this dynamic purchasing system.")
        if any(home_id not in homes for home_id in home_ids):
            raise OperationRefused("Choose homes that belong to your organisation.")
    before = _categories_snapshot(application)
    for chosen in list(application.categories):
        if chosen.category_id not in selections:
            application.categories.remove(chosen)
    current = {chosen.category_id: chosen for chosen in application.categories}
    for category in application.framework.categories:
        if category.id not in selections:
            continue
        chosen = current.get(category.id)
        if chosen is None:
            chosen = ApplicationCategory(category_id=category.id)
            application.categories.append(chosen)
        wanted = list(dict.fromkeys(selections[category.id]))
        for entry in list(chosen.homes):
            if entry.care_home_id not in wanted:
                chosen.homes.remove(entry)
        present = {entry.care_home_id for entry in chosen.homes}
        for home_id in wanted:
            if home_id not in present:
                chosen.homes.append(ApplicationHome(care_home=homes[home_id]))
    db.session.flush()
    _drop_answers_out_of_scope(application)
    after = _categories_snapshot(application)
    record_event(
        AuditAction.application_categories_saved,
        actor=by,
        subject=application,
        before=before,
        after=after,
    )


def _categories_snapshot(application: Application) -> dict[str, list[int]]:
    return {
        str(chosen.category_id): sorted(entry.care_home_id for entry in chosen.homes)
        for chosen in application.categories
    }


def _drop_answers_out_of_scope(application: Application) -> None:
    valid = {ORGANISATION_SCOPE}
    for chosen in application.categories:
        valid.add(category_scope(chosen.category_id))
        valid.update(home_scope(entry.care_home_id) for entry in chosen.homes)
    for answer in list(application.answers):
        if answer.scope not in valid:
            application.answers.remove(answer)
    db.session.flush()


def save_section(
    application: Application, section_key: str, scope: str, values: dict[str, Any], *, by
) -> None:
    """Store the answers to one section for one scope.

    `values` maps question keys to answers: "yes"/"no", text, a date, a Decimal, a choice;
    for a file question a StoredDocument or its id; for insurance a dict with "amount",
    "expires_on" and optionally "document" (or "document_id"). A question left out of
    `values` keeps its answer (an upload not replaced); None or "" clears it."""
    _ensure_editable(application, section_key)
    section = _section(application, section_key)
    _check_scope(application, section, scope)
    existing = {
        answer.question_key: answer
        for answer in application.answers
        if answer.scope == scope and answer.section_key == section_key
    }
    before = {key: _answer_record(answer) for key, answer in existing.items()}
    unknown = set(values) - {question.key for question in section.questions}
    if unknown:
        raise OperationRefused(f"Not questions of this section: {', '.join(sorted(unknown))}")
    for question in section.questions:
        if question.key not in values:
            continue
        value, document_id, keep_document = _stored_form(
            application, question, values[question.key]
        )
        answer = existing.get(question.key)
        if answer is None:
            answer = Answer(section_key=section.key, question_key=question.key, scope=scope)
            application.answers.append(answer)
            existing[question.key] = answer
        answer.value = value
        if not keep_document:
            answer.document_id = document_id
        if _is_empty(answer):
            application.answers.remove(answer)
            del existing[question.key]
    # An answer that only matters when another answer says so goes when it no longer does.
    current_values = {key: answer.value for key, answer in existing.items()}
    for question in section.questions:
        answer = existing.get(question.key)
        if answer is not None and question.required_if and not question.is_required(current_values):
            application.answers.remove(answer)
            del existing[question.key]
    db.session.flush()
    after = {key: _answer_record(answer) for key, answer in existing.items()}
    record_event(
        AuditAction.application_section_saved,
        actor=by,
        subject=application,
        before={"section": section_key, "scope": scope, "answers": before},
        after={"section": section_key, "scope": scope, "answers": after},
    )


def _section(application: Application, section_key: str) -> Section:
    try:
        return definition_of(application.question_set).section(section_key)
    except KeyError:
        raise OperationRefused("That section is not part of this application.") from None


def _check_scope(application: Application, section: Section, scope: str) -> None:
    try:
        kind, number = parse_scope(scope)
    except ValueError:
        raise OperationRefused("That section is not part of this application.") from None
    if kind != section.scope:
        raise OperationRefused("That section is not part of this application.")
    if kind == "home" and number not in {
        entry.care_home_id for chosen in application.categories for entry in chosen.homes
    }:
        raise OperationRefused("Put the home forward for a category before answering about it.")
    if kind == "category" and number not in {
        chosen.category_id for chosen in application.categories
    }:
        raise OperationRefused("Choose the category before answering about it.")


def _stored_form(
    application: Application, question: Question, raw: Any
) -> tuple[Any, int | None, bool]:
    """(value, document id, whether to keep the stored document) for one answer."""
    if question.kind == "file":
        if raw in (None, ""):
            return None, None, False
        return None, _own_document_id(application, raw), False
    if question.kind == "insurance":
        if raw in (None, ""):
            return None, None, False
        amount = raw.get("amount")
        expires_on = raw.get("expires_on")
        value = {
            "amount": None if amount in (None, "") else str(to_money(amount)),
            "expires_on": None if expires_on in (None, "") else _iso(expires_on),
        }
        document = raw.get("document", raw.get("document_id"))
        if "document" not in raw and "document_id" not in raw:
            return value, None, True
        document_id = None if document is None else _own_document_id(application, document)
        return value, document_id, False
    if raw in (None, ""):
        return None, None, True
    if question.kind == "money":
        return str(to_money(raw)), None, True
    if question.kind == "date":
        return _iso(raw), None, True
    if question.kind == "yes_no":
        if raw not in ("yes", "no"):
            raise OperationRefused(f"Answer “{question.text}” with yes or no.")
        return raw, None, True
    if question.kind == "choice" and raw not in question.options:
        raise OperationRefused(f"Choose one of the answers to “{question.text}”.")
    return str(raw), None, True


def _iso(value: date | str) -> str:
    return value.isoformat() if isinstance(value, date) else date.fromisoformat(value).isoformat()


def _own_document_id(application: Application, document: StoredDocument | int) -> int:
    if not isinstance(document, StoredDocument):
        document = db.session.get(StoredDocument, int(document))
    if document is None or document.provider_id != application.provider_id:
        raise OperationRefused("Upload the document again: it could not be found.")
    return document.id


def _is_empty(answer: Answer) -> bool:
    if answer.document_id is not None:
        return False
    if isinstance(answer.value, dict):
        return not any(answer.value.values())
    return answer.value in (None, "")


def _answer_record(answer: Answer) -> dict:
    return {"value": answer.value, "document_id": answer.document_id}


def save_rates(
    application: Application, rates: dict[tuple[int, int], Decimal | None], *, by
) -> None:
    """The proposed weekly rate for each (category id, home id) put forward."""
    _ensure_editable(application, RATES_KEY)
    entries = {
        (chosen.category_id, entry.care_home_id): entry
        for chosen in application.categories
        for entry in chosen.homes
    }
    unknown = set(rates) - set(entries)
    if unknown:
        raise OperationRefused("Give rates only for the homes put forward in each category.")
    before = {_rate_key(key): _money_text(entries[key].proposed_weekly_rate) for key in rates}
    for key, rate in rates.items():
        entries[key].proposed_weekly_rate = None if rate is None else to_money(rate)
    db.session.flush()
    record_event(
        AuditAction.application_rates_saved,
        actor=by,
        subject=application,
        before=before,
        after={_rate_key(key): _money_text(entries[key].proposed_weekly_rate) for key in rates},
    )


def _rate_key(key: tuple[int, int]) -> str:
    category_id, home_id = key
    return f"category:{category_id}/home:{home_id}"


def _money_text(amount: Decimal | None) -> str | None:
    return None if amount is None else str(amount)


# Submitting and after.


def submit_application(application: Application, *, by) -> None:
    """Send the application to the council: the decision is due 10 working days after the
    UK date it arrives."""
    if application.state is not ApplicationState.draft:
        raise OperationRefused(
            f"Application {application.reference} has already been "
            f"{application.state.value.lower()}."
        )
    problems = submission_problems(application)
    if problems:
        raise SubmissionRefused(problems)
    submitted_at = clock.now()
    application.submitted_at = submitted_at
    application.submitted_by_id = by.id
    application.received_on = clock.to_uk(submitted_at).date()
    application.due_on = rules.decision_due_on(
        application.received_on, application.framework.decision_working_days
    )
    definition = definition_of(application.question_set)
    questions = {question.key: question for _, question in definition.questions()}
    for answer in application.answers:
        question = questions.get(answer.question_key)
        if question is not None:
            answer.question_text = question.text
    rules.move(application, ApplicationState.submitted)
    db.session.flush()
    record_event(
        AuditAction.application_submitted,
        actor=by,
        subject=application,
        before={"state": ApplicationState.draft.name},
        after={
            "state": application.state.name,
            "reference": application.reference,
            "received_on": application.received_on.isoformat(),
            "due_on": application.due_on.isoformat(),
            "categories": [chosen.category.code for chosen in application.categories],
        },
    )
    categories = ", ".join(chosen.category.name for chosen in application.categories)
    for officer in active_officers():
        notify_and_email(
            officer,
            f"New application {application.reference} from {application.provider.display_name}",
            f"Categories: {categories}. The decision is due by "
            f"{clock.format_date(application.due_on)}.",
            _officer_link(application),
            dedupe_key=f"application-submitted:{application.id}:officer:{officer.id}",
        )
    queue_email(
        by.email,
        f"Application {application.reference} received",
        "onboarding/application_received",
        dedupe_key=f"application-submitted:{application.id}:provider",
        user=by,
        application=application,
        categories=categories,
        link_url=_provider_link_url(application),
    )


def withdraw_application(application: Application, *, by, reason: str) -> None:
    """The provider takes its application back before the council decides."""
    if application.state not in OPEN_STATES:
        raise OperationRefused(
            f"Application {application.reference} has been "
            f"{application.state.value.lower()}: it can no longer be withdrawn."
        )
    before_state = application.state
    rules.move(application, ApplicationState.withdrawn)
    application.withdrawn_at = clock.now()
    application.withdrawal_reason = reason.strip()
    db.session.flush()
    record_event(
        AuditAction.application_withdrawn,
        actor=by,
        subject=application,
        before={"state": before_state.name},
        after={"state": application.state.name, "reason": application.withdrawal_reason},
    )
    if before_state in rules.AWAITING_DECISION:
        for officer in active_officers():
            notify_and_email(
                officer,
                f"Application {application.reference} withdrawn",
                f"{application.provider.display_name} withdrew its application. "
                f"Reason: {application.withdrawal_reason or 'none given'}",
                _officer_link(application),
                dedupe_key=f"application-withdrawn:{application.id}:officer:{officer.id}",
            )


def respond_to_clarification(
    application: Application, clarification: ClarificationRequest, *, response: str, by
) -> None:
    """The provider answers the officer's question; the application goes back to the
    officer with the same decision due date."""
    if (
        application.state is not ApplicationState.clarification_requested
        or clarification.application_id != application.id
        or not clarification.is_open
    ):
        raise OperationRefused("This clarification has already been answered.")
    response = response.strip()
    if not response:
        raise OperationRefused("Enter your response to the council’s question")
    reopened = set(clarification.section_keys or ())
    problems = [p for p in submission_problems(application) if p.section_key in reopened]
    if problems:
        raise SubmissionRefused(problems)
    clarification.response = response
    clarification.responded_at = clock.now()
    clarification.responded_by_id = by.id
    rules.move(application, ApplicationState.submitted)
    db.session.flush()
    record_event(
        AuditAction.application_clarification_answered,
        actor=by,
        subject=application,
        before={"state": ApplicationState.clarification_requested.name},
        after={
            "state": application.state.name,
            "clarification_id": clarification.id,
            "response": response,
            "answers": {
                f"{answer.section_key}/{answer.scope}/{answer.question_key}": _answer_record(answer)
                for answer in application.answers
                if answer.section_key in reopened
            },
        },
    )
    officer = db.session.get(User, clarification.requested_by_id)
    if officer is not None and officer.is_active:
        notify_and_email(
            officer,
            f"{application.provider.display_name} answered your question on "
            f"{application.reference}",
            response,
            _officer_link(application),
            dedupe_key=f"clarification-answered:{clarification.id}",
        )


def _officer_link(application: Application) -> str:
    """Where an officer reads the application: the review's page once it exists."""
    for endpoint, values in (
        ("review.show_application", {"application_id": application.id}),
        ("review.list_applications", {}),
    ):
        if endpoint in current_app.view_functions:
            try:
                return portal_path(endpoint, **values)
            except BuildError:
                continue
    return ""


def _provider_link_url(application: Application) -> str:
    from dps_portal.notifications.emails import external_url

    return external_url("onboarding.show_application", application_id=application.id)


def answers_of_sections(application: Application, section_keys) -> dict:
    """The answers of some sections as they are now, by section, scope and question: what
    a clarification request keeps to show what changed."""
    keys = set(section_keys)
    grouped = answers_by_scope(application)
    return {
        f"{answer.section_key}/{scope}/{key}": _answer_record(answer)
        for scope, answers in grouped.items()
        for key, answer in answers.items()
        if answer.section_key in keys
    }


def reopened_sections(application: Application) -> set[str]:
    clarification = open_clarification(application)
    return set(clarification.section_keys or ()) if clarification is not None else set()
