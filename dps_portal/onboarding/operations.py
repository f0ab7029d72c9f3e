"""Every change a provider makes to its application: starting, answering, submitting,
withdrawing and answering a clarification."""

from datetime import date
from decimal import Decimal

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.routing import BuildError

from dps_portal.accounts.models import User
from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import record_event
from dps_portal.core import clock
from dps_portal.core.errors import OperationRefused
from dps_portal.core.money import to_money
from dps_portal.core.roles import Role
from dps_portal.core.states import lock, move
from dps_portal.extensions import db
from dps_portal.framework.models import current_framework
from dps_portal.notifications.emails import external_url, portal_path
from dps_portal.notifications.operations import queue_email, tell, tell_role
from dps_portal.onboarding import rules
from dps_portal.onboarding.answers import (
    answer_record,
    drop_answers_out_of_scope,
    ensure_changeable,
)
from dps_portal.onboarding.checks import (
    CATEGORIES_KEY,
    RATES_KEY,
    Problem,
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
        select(Application).where(Application.provider_id == provider.id, Application.is_open)
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


def save_categories(application: Application, selections: dict[int, list[int]], *, by) -> None:
    """Set the categories applied for and the homes put forward for each. The answers and
    rates of categories and homes no longer chosen go with them."""
    ensure_changeable(application, CATEGORIES_KEY)
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
    drop_answers_out_of_scope(application)
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


def save_rates(
    application: Application, rates: dict[tuple[int, int], Decimal | None], *, by
) -> None:
    """The proposed weekly rate for each (category id, home id) put forward."""
    ensure_changeable(application, RATES_KEY)
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
    lock(application)
    if not application.is_draft:
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
    move(
        application,
        ApplicationState.submitted,
        by=by,
        event=AuditAction.application_submitted,
        after={
            "reference": application.reference,
            "received_on": application.received_on.isoformat(),
            "due_on": application.due_on.isoformat(),
            "categories": [chosen.category.code for chosen in application.categories],
        },
    )
    categories = ", ".join(chosen.category.name for chosen in application.categories)
    _tell_officers(
        application,
        "submitted",
        f"New application {application.reference} from {application.provider.display_name}",
        f"Categories: {categories}. The decision is due by "
        f"{clock.format_date(application.due_on)}.",
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
    lock(application)
    if not application.state.is_open:
        raise OperationRefused(
            f"Application {application.reference} has been "
            f"{application.state.value.lower()}: it can no longer be withdrawn."
        )
    was_awaiting_decision = application.state.is_awaiting_decision
    application.withdrawal_reason = reason.strip()
    move(
        application,
        ApplicationState.withdrawn,
        by=by,
        event=AuditAction.application_withdrawn,
        after={"reason": application.withdrawal_reason},
    )
    if was_awaiting_decision:
        _tell_officers(
            application,
            "withdrawn",
            f"Application {application.reference} withdrawn",
            f"{application.provider.display_name} withdrew its application. "
            f"Reason: {application.withdrawal_reason or 'none given'}",
        )


def respond_to_clarification(
    application: Application, clarification: ClarificationRequest, *, response: str, by
) -> None:
    """The provider answers the officer's question; the application goes back to the
    officer with the same decision due date."""
    lock(application)
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
    db.session.flush()
    move(
        application,
        ApplicationState.submitted,
        by=by,
        event=AuditAction.application_clarification_answered,
        after={
            "clarification_id": clarification.id,
            "response": response,
            "answers": {
                f"{answer.section_key}/{answer.scope}/{answer.question_key}": answer_record(answer)
                for answer in application.answers
                if answer.section_key in reopened
            },
        },
    )
    officer = db.session.get(User, clarification.requested_by_id)
    if officer is not None and officer.is_active:
        tell(
            [officer],
            f"{application.provider.display_name} answered your question on "
            f"{application.reference}",
            response,
            _officer_link(application),
            dedupe=f"clarification-answered:{clarification.id}",
        )


def _tell_officers(application: Application, happened: str, title: str, body: str) -> None:
    """Every contracts officer, once for each thing that `happened` to the application."""
    tell_role(
        Role.contracts_officer,
        title,
        body,
        _officer_link(application),
        dedupe=f"application-{happened}:{application.id}:officer",
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
    return external_url("onboarding.show_application", application_id=application.id)
