"""What the application pages show: the provider's applications, the task list and the
summary of answers (which the officers' review shows too)."""

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from flask import has_request_context, url_for
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from dps_portal.core import clock
from dps_portal.core.money import format_gbp
from dps_portal.extensions import db
from dps_portal.notifications.emails import portal_path
from dps_portal.onboarding.checks import (
    CATEGORIES_KEY,
    ORGANISATION_KEY,
    ORGANISATION_SCOPE,
    RATES_KEY,
    answer_values,
    answers_by_scope,
    categories_problems,
    is_answered,
    organisation_problems,
    parse_date,
    parse_decimal,
    rates_problems,
    section_href,
    section_problems,
    section_tasks,
)
from dps_portal.onboarding.models import Answer, Application, ApplicationCategory
from dps_portal.onboarding.questions import Question
from dps_portal.providers.queries import own_row_or_404, own_rows

NOT_ANSWERED = "Not answered"


@dataclass(frozen=True)
class SummaryRow:
    label: str
    html: Markup
    # The question it answers, for rows that answer one.
    question_key: str = ""


@dataclass(frozen=True)
class SectionSummary:
    """One part of an application as summary-list rows, with the page that changes it."""

    key: str
    scope: str
    title: str
    rows: list[SummaryRow]
    change_href: str = ""

    @property
    def id(self) -> str:
        return f"{self.key}-{self.scope}".replace(":", "-")


# The provider's applications.


def own_applications(per_page: int = 50):
    """One page (`?page=`) of the signed-in provider's applications, newest first, with
    their categories."""
    return db.paginate(
        own_rows(Application)
        .options(selectinload(Application.categories).selectinload(ApplicationCategory.category))
        .order_by(Application.created_at.desc(), Application.id.desc()),
        per_page=per_page,
        error_out=False,
    )


def own_application_or_404(application_id: int) -> Application:
    """The signed-in provider's application; another organisation's answers 404."""
    return own_row_or_404(Application, application_id)


def open_application(provider_id: int) -> Application | None:
    """The organisation's application in progress (draft, submitted or being clarified)."""
    return db.session.scalars(
        select(Application).where(Application.provider_id == provider_id, Application.is_open)
    ).first()


# The task list.

NOT_STARTED = "Not yet started"
IN_PROGRESS = "In progress"
COMPLETED = "Completed"
CANNOT_START = "Cannot start yet"


@dataclass(frozen=True)
class TaskItem:
    key: str
    scope: str
    title: str
    status: str
    href: str = ""
    hint: str = ""

    @property
    def params(self) -> dict:
        """The item for govukTaskList."""
        item: dict[str, Any] = {"title": {"text": self.title}}
        if self.href and self.status != CANNOT_START:
            item["href"] = self.href
        if self.hint:
            item["hint"] = {"text": self.hint}
        if self.status == COMPLETED:
            item["status"] = {"text": COMPLETED}
        elif self.status == CANNOT_START:
            item["status"] = {
                "text": CANNOT_START,
                "classes": "govuk-task-list__status--cannot-start-yet",
            }
        else:
            colour = "govuk-tag--light-blue" if self.status == IN_PROGRESS else "govuk-tag--blue"
            item["status"] = {"tag": {"text": self.status, "classes": colour}}
        return item


@dataclass(frozen=True)
class TaskGroup:
    title: str
    items: list[TaskItem] = field(default_factory=list)


def task_list(application: Application) -> list[TaskGroup]:
    """The application's tasks in order, each with its status."""
    today = clock.today_uk()
    grouped = answers_by_scope(application)
    organisation = TaskItem(
        ORGANISATION_KEY,
        ORGANISATION_SCOPE,
        "Organisation details",
        IN_PROGRESS if organisation_problems(application) else COMPLETED,
        portal_path("providers.show_organisation"),
    )
    categories = TaskItem(
        CATEGORIES_KEY,
        ORGANISATION_SCOPE,
        "Categories and homes",
        _categories_status(application),
        portal_path("onboarding.edit_categories", application_id=application.id),
    )
    questions = []
    for section, task in section_tasks(application):
        if task is None:
            hint = (
                "Choose the homes you are putting forward first"
                if section.scope == "home"
                else "Choose the categories first"
            )
            questions.append(TaskItem(section.key, "", section.title, CANNOT_START, hint=hint))
            continue
        answers = grouped.get(task.scope, {})
        if not answers:
            status = NOT_STARTED
        elif section_problems(section, answers, today):
            status = IN_PROGRESS
        else:
            status = COMPLETED
        questions.append(
            TaskItem(
                section.key,
                task.scope,
                task.title,
                status,
                section_href(application, section.key, task.scope),
            )
        )
    rates = TaskItem(
        RATES_KEY,
        ORGANISATION_SCOPE,
        "Proposed weekly rates",
        _rates_status(application),
        portal_path("onboarding.edit_rates", application_id=application.id),
    )
    ready = all(item.status == COMPLETED for item in [organisation, categories, *questions, rates])
    check = TaskItem(
        "check",
        ORGANISATION_SCOPE,
        "Check your answers and submit",
        NOT_STARTED if ready else CANNOT_START,
        portal_path("onboarding.check_answers", application_id=application.id),
    )
    return [
        TaskGroup("Your organisation", [organisation]),
        TaskGroup("Categories and homes", [categories]),
        TaskGroup("Questions", questions),
        TaskGroup("Rates", [rates]),
        TaskGroup("Submit", [check]),
    ]


def _categories_status(application: Application) -> str:
    if not application.categories:
        return NOT_STARTED
    return IN_PROGRESS if categories_problems(application) else COMPLETED


def _rates_status(application: Application) -> str:
    entries = [entry for chosen in application.categories for entry in chosen.homes]
    if not entries:
        return CANNOT_START
    if all(entry.proposed_weekly_rate is None for entry in entries):
        return NOT_STARTED
    return IN_PROGRESS if rates_problems(application) else COMPLETED


# The summary of answers.


def application_summary(application: Application) -> list[SectionSummary]:
    """Each part of the application as rows to show: organisation, categories and homes,
    each section for each scope, and the rates. A submitted application reads its questions
    as they were when it was submitted."""
    return [
        organisation_summary(application),
        _categories_summary(application),
        *section_summaries(application),
        _rates_summary(application),
    ]


def section_summaries(
    application: Application, keys: Collection[str] | None = None
) -> list[SectionSummary]:
    """Each question section for each scope it is asked for, in order; only the sections
    in `keys` when given (the others' answers are then not read)."""
    summaries = []
    grouped = answers_by_scope(application)
    submitted = application.submitted_at is not None
    for section, task in section_tasks(application):
        if task is None or (keys is not None and section.key not in keys):
            continue
        answers = grouped.get(task.scope, {})
        values = answer_values(answers)
        rows = [
            _answer_row(question, answers.get(question.key), submitted)
            for question in section.questions
            if _is_shown(question, answers.get(question.key), values)
        ]
        summaries.append(
            SectionSummary(
                section.key,
                task.scope,
                task.title,
                rows,
                section_href(application, section.key, task.scope),
            )
        )
    return summaries


def _is_shown(question: Question, answer: Answer | None, values: dict) -> bool:
    """A follow-up question shows only when it applies or was answered."""
    return not question.required_if or question.is_required(values) or answer is not None


def _text(value: str) -> Markup:
    return Markup("<br>").join(escape(line) for line in value.splitlines()) or escape(value)


def document_link(document) -> Markup:
    if has_request_context():
        href = url_for("documents.download_document", document_id=document.id)
    else:
        href = portal_path("documents.download_document", document_id=document.id)
    return Markup('<a class="govuk-link" href="{}">{}</a>').format(href, document.original_filename)


def answer_html(question: Question, answer: Answer | None) -> Markup:
    """An answer as a person reads it: Yes/No, UK dates, £ amounts, a link to the upload."""
    if not is_answered(question, answer):
        return escape(NOT_ANSWERED)
    value = answer.value
    if question.kind == "yes_no":
        return escape({"yes": "Yes", "no": "No"}.get(value, str(value)))
    if question.kind == "money":
        amount = parse_decimal(value)
        return escape(format_gbp(amount) if amount is not None else str(value))
    if question.kind == "date":
        day = parse_date(value)
        return escape(clock.format_date(day) if day else str(value))
    if question.kind == "file":
        return document_link(answer.document)
    if question.kind == "insurance":
        return _insurance_html(answer)
    return _text(str(value))


def _insurance_html(answer: Answer) -> Markup:
    value = answer.value if isinstance(answer.value, dict) else {}
    lines = []
    amount = parse_decimal(value.get("amount"))
    lines.append(escape(f"Cover: {format_gbp(amount)}" if amount is not None else "Cover: —"))
    expires_on = parse_date(value.get("expires_on"))
    lines.append(
        escape(f"Expires: {clock.format_date(expires_on)}" if expires_on else "Expires: —")
    )
    if answer.document is not None:
        lines.append(Markup("Certificate: ") + document_link(answer.document))
    else:
        lines.append(escape("Certificate: not uploaded"))
    return Markup("<br>").join(lines)


def _answer_row(question: Question, answer: Answer | None, submitted: bool) -> SummaryRow:
    label = answer.question_text if submitted and answer and answer.question_text else None
    return SummaryRow(label or question.text, answer_html(question, answer), question.key)


def organisation_summary(application: Application) -> SectionSummary:
    provider = application.provider
    rows = [
        ("Legal name", provider.legal_name),
        ("Trading name", provider.trading_name),
        ("Companies House number", provider.companies_house_number or ""),
        ("CQC provider ID", provider.cqc_provider_id or ""),
        ("Address", "\n".join(provider.address_lines)),
        (
            "Contact",
            "\n".join(p for p in (provider.contact_name, provider.email, provider.phone) if p),
        ),
        (
            "Authorised signatory",
            "\n".join(
                p
                for p in (
                    provider.signatory_name,
                    provider.signatory_role,
                    provider.signatory_email,
                )
                if p
            ),
        ),
    ]
    return SectionSummary(
        ORGANISATION_KEY,
        ORGANISATION_SCOPE,
        "Organisation details",
        [
            SummaryRow(label, _text(value) if value else escape("Not given"))
            for label, value in rows
        ],
        portal_path("providers.show_organisation"),
    )


def _home_line(home) -> str:
    rating = home.cqc_rating.label if home.cqc_rating is not None else "not known"
    return f"{home.name} (CQC rating: {rating})"


def _categories_summary(application: Application) -> SectionSummary:
    rows = [
        SummaryRow(
            chosen.category.name,
            _text("\n".join(_home_line(entry.care_home) for entry in chosen.homes))
            if chosen.homes
            else escape("No homes chosen"),
        )
        for chosen in application.categories
    ]
    return _part_summary(
        CATEGORIES_KEY,
        "Categories and homes",
        rows,
        ("Categories", "None chosen"),
        portal_path("onboarding.edit_categories", application_id=application.id),
    )


def _rates_summary(application: Application) -> SectionSummary:
    rows = [
        SummaryRow(
            f"{entry.care_home.name}: {chosen.category.name}",
            escape(
                format_gbp(entry.proposed_weekly_rate) + " a week"
                if entry.proposed_weekly_rate is not None
                else NOT_ANSWERED
            ),
        )
        for chosen in application.categories
        for entry in chosen.homes
    ]
    return _part_summary(
        RATES_KEY,
        "Proposed weekly rates",
        rows,
        ("Rates", "No homes chosen yet"),
        portal_path("onboarding.edit_rates", application_id=application.id),
    )


def _part_summary(
    key: str, title: str, rows: list[SummaryRow], empty: tuple[str, str], change_href: str
) -> SectionSummary:
    """A part that is not a question section, with one row saying so when it is empty."""
    label, text = empty
    return SectionSummary(
        key, ORGANISATION_SCOPE, title, rows or [SummaryRow(label, escape(text))], change_href
    )


def homes_for_rates(application: Application) -> list[tuple]:
    """(category, home, rate) for each home put forward, for the rates page."""
    return [
        (chosen.category, entry.care_home, entry.proposed_weekly_rate)
        for chosen in application.categories
        for entry in chosen.homes
    ]
