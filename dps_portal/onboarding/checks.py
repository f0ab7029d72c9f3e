"""Whether an application is complete and acceptable: what the task list, the check-answers
page, submission and the officers' review all read."""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from dps_portal.core import clock
from dps_portal.core.money import format_gbp
from dps_portal.notifications.emails import portal_path
from dps_portal.onboarding.models import Answer, Application
from dps_portal.onboarding.question_sets import definition_of
from dps_portal.onboarding.questions import Question, QuestionSetDefinition, Section
from dps_portal.providers.models import CareHome, CqcRating
from dps_portal.providers.rules import home_missing, organisation_missing

ORGANISATION_SCOPE = "org"
SCOPE_PATTERN = re.compile(r"(?P<kind>home|category):(?P<number>[1-9][0-9]{0,17})")
# The parts of an application that are not question-set sections, by the key a
# clarification request or a Problem names them with.
ORGANISATION_KEY = "organisation"
CATEGORIES_KEY = "categories"
RATES_KEY = "rates"


@dataclass(frozen=True)
class Problem:
    """Something that stops submission, and the page where it is put right."""

    section_key: str
    message: str
    href: str
    scope: str = ORGANISATION_SCOPE

    @property
    def as_error(self) -> dict:
        """The item for govukErrorSummary."""
        return {"text": self.message, "href": self.href}


@dataclass(frozen=True)
class Task:
    """One part of an application to complete: a section for one scope, or a fixed part."""

    key: str
    scope: str
    title: str

    @property
    def id(self) -> str:
        return f"{self.key}-{self.scope}".replace(":", "-")


def home_scope(home_id: int) -> str:
    return f"home:{home_id}"


def category_scope(category_id: int) -> str:
    return f"category:{category_id}"


def parse_scope(scope: str) -> tuple[str, int | None]:
    """("organisation", None), ("home", 3) or ("category", 2); ValueError otherwise. Only the
    form home_scope and category_scope write is read: "home:007" would keep a second set of
    answers about home 7."""
    if scope == ORGANISATION_SCOPE:
        return "organisation", None
    match = SCOPE_PATTERN.fullmatch(scope)
    if match is None:
        raise ValueError(f"not a scope: {scope!r}")
    return match["kind"], int(match["number"])


def homes_put_forward(application: Application) -> list[CareHome]:
    """Each home put forward for any category, once, by name."""
    homes = {
        entry.care_home.id: entry.care_home
        for category in application.categories
        for entry in category.homes
    }
    return sorted(homes.values(), key=lambda home: (home.name, home.id))


def scopes_of(application: Application, section: Section) -> list[tuple[str, str]]:
    """(scope, what it is about) for each time the section must be answered."""
    if section.scope == "organisation":
        return [(ORGANISATION_SCOPE, "")]
    if section.scope == "home":
        return [(home_scope(home.id), home.name) for home in homes_put_forward(application)]
    return [
        (category_scope(chosen.category_id), chosen.category.name)
        for chosen in application.categories
    ]


def section_tasks(application: Application) -> list[tuple[Section, Task | None]]:
    """Each question-set section with its tasks; a section that cannot start yet (no homes
    or categories chosen) comes once with None."""
    definition = definition_of(application.question_set)
    tasks: list[tuple[Section, Task | None]] = []
    for section in definition.sections:
        scopes = scopes_of(application, section)
        if not scopes:
            tasks.append((section, None))
        for scope, about in scopes:
            title = f"{section.title}: {about}" if about else section.title
            tasks.append((section, Task(section.key, scope, title)))
    return tasks


def answers_by_scope(application: Application) -> dict[str, dict[str, Answer]]:
    """scope -> question key -> answer."""
    grouped: dict[str, dict[str, Answer]] = {}
    for answer in application.answers:
        grouped.setdefault(answer.scope, {})[answer.question_key] = answer
    return grouped


def answer_values(answers: dict[str, Answer]) -> dict[str, Any]:
    """question key -> stored value, as Question.is_required reads them."""
    return {key: answer.value for key, answer in answers.items()}


def is_answered(question: Question, answer: Answer | None) -> bool:
    if answer is None:
        return False
    if question.kind == "file":
        return answer.document_id is not None
    if question.kind == "insurance":
        value = answer.value or {}
        return bool(value.get("amount")) or bool(value.get("expires_on"))
    return answer.value not in (None, "")


def parse_decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def parse_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def insurance_expired(answer: Answer | None, today: date) -> bool:
    """An insurance answer whose expiry date has passed (its last day was before today)."""
    if answer is None or not isinstance(answer.value, dict):
        return False
    expires_on = parse_date(answer.value.get("expires_on"))
    return expires_on is not None and expires_on < today


def question_problems(
    question: Question,
    answer: Answer | None,
    values: dict[str, Any],
    today: date,
) -> list[str]:
    """What is wrong with one answer, as messages telling the provider what to do."""
    if not is_answered(question, answer):
        if question.is_required(values):
            return [_missing_message(question)]
        return []
    problems: list[str] = []
    if question.must_be is not None and answer.value != question.must_be:
        problems.append(
            f"“{question.text}”: the council can only accept the answer "
            f"“{question.must_be.capitalize()}”"
        )
    if question.kind == "choice" and answer.value not in question.options:
        problems.append(f"Select an answer to “{question.text}”")
    if question.kind == "date" and parse_date(answer.value) is None:
        problems.append(f"Enter a real date for “{question.text}”")
    if question.kind == "money":
        amount = parse_decimal(answer.value)
        if amount is None:
            problems.append(f"Enter an amount of money for “{question.text}”")
        elif question.minimum is not None and amount < question.minimum:
            problems.append(
                f"{question.text} must be at least {format_gbp(question.minimum, pence=False)}"
            )
    if question.kind == "insurance":
        problems += _insurance_problems(question, answer, today)
    return problems


def _insurance_problems(question: Question, answer: Answer, today: date) -> list[str]:
    value = answer.value if isinstance(answer.value, dict) else {}
    problems = []
    amount = parse_decimal(value.get("amount"))
    if amount is None:
        problems.append(f"Enter the amount of {_lower_first(question.text)} cover")
    elif question.minimum is not None and amount < question.minimum:
        problems.append(
            f"{question.text} must cover at least {format_gbp(question.minimum, pence=False)}"
        )
    expires_on = parse_date(value.get("expires_on"))
    if expires_on is None:
        problems.append(f"Enter the date your {_lower_first(question.text)} expires")
    elif expires_on < today:
        problems.append(
            f"{question.text} expired on {clock.format_date(expires_on)}: "
            "give the policy that replaced it"
        )
    if answer.document_id is None:
        problems.append(f"Upload your {_lower_first(question.text)} certificate")
    return problems


def _missing_message(question: Question) -> str:
    if question.kind in ("yes_no", "choice"):
        return f"Select an answer to “{question.text}”"
    if question.kind == "file":
        return f"Upload {_lower_first(question.text)}"
    if question.kind == "insurance":
        return f"Give the details of your {_lower_first(question.text)}"
    if question.kind == "date":
        return f"Enter the date for “{question.text}”"
    return f"Answer “{question.text}”"


def _lower_first(text: str) -> str:
    """'Your latest accounts' -> 'your latest accounts' for use inside a sentence."""
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def section_problems(
    section: Section, answers: dict[str, Answer], today: date
) -> list[tuple[str, str]]:
    """(question key, message) for each problem in one section for one scope."""
    values = answer_values(answers)
    return [
        (question.key, message)
        for question in section.questions
        for message in question_problems(question, answers.get(question.key), values, today)
    ]


def section_href(application: Application, section_key: str, scope: str) -> str:
    return portal_path(
        "onboarding.edit_section",
        application_id=application.id,
        section_key=section_key,
        scope=scope,
    )


def categories_problems(application: Application) -> list[str]:
    if not application.categories:
        return ["Choose at least one category and the homes you are putting forward for it"]
    return [
        f"Choose the homes you are putting forward for {chosen.category.name}"
        for chosen in application.categories
        if not chosen.homes
    ]


def rates_problems(application: Application) -> list[str]:
    ceiling = application.framework.max_weekly_rate
    problems = []
    for chosen in application.categories:
        for entry in chosen.homes:
            where = f"{entry.care_home.name} in {chosen.category.name}"
            rate = entry.proposed_weekly_rate
            if rate is None:
                problems.append(f"Enter the weekly rate for {where}")
            elif rate <= 0:
                problems.append(f"The weekly rate for {where} must be more than £0")
            elif rate > ceiling:
                problems.append(
                    f"The weekly rate for {where} must be {format_gbp(ceiling)} or less"
                )
    return problems


def organisation_problems(application: Application) -> list[str]:
    return organisation_missing(application.provider)


def home_problems(home: CareHome) -> list[str]:
    return home_missing(home)


def submission_problems(application: Application) -> list[Problem]:
    """Everything that stops the application being submitted today (UK date), in the
    order of the task list. Exclusion grounds and Inadequate ratings are the officer's to
    weigh, so they are not problems here."""
    today = clock.today_uk()
    problems: list[Problem] = []
    organisation_href = portal_path("providers.show_organisation")
    for message in organisation_problems(application):
        problems.append(
            Problem(ORGANISATION_KEY, f"Organisation details: {message}", organisation_href)
        )
    categories_href = portal_path("onboarding.edit_categories", application_id=application.id)
    for message in categories_problems(application):
        problems.append(Problem(CATEGORIES_KEY, message, categories_href))
    for home in homes_put_forward(application):
        for message in home_problems(home):
            problems.append(
                Problem(
                    CATEGORIES_KEY,
                    f"{home.name}: {message}",
                    _home_href(home),
                    scope=home_scope(home.id),
                )
            )
    grouped = answers_by_scope(application)
    for section, task in section_tasks(application):
        if task is None:
            continue
        href = section_href(application, section.key, task.scope)
        for _key, message in section_problems(section, grouped.get(task.scope, {}), today):
            prefix = f"{task.title}: " if task.scope != ORGANISATION_SCOPE else ""
            problems.append(Problem(section.key, prefix + message, href, scope=task.scope))
    rates_href = portal_path("onboarding.edit_rates", application_id=application.id)
    for message in rates_problems(application):
        problems.append(Problem(RATES_KEY, message, rates_href))
    return problems


def _home_href(home: CareHome) -> str:
    return portal_path("providers.edit_home", home_id=home.id)


def exclusion_flags(application: Application) -> dict[str, bool]:
    """Whether the provider answered "yes" to any mandatory or discretionary exclusion ground."""
    definition: QuestionSetDefinition = definition_of(application.question_set)
    grounds = {question.key: question.exclusion for _, question in definition.questions()}
    flags = {"mandatory": False, "discretionary": False}
    for answer in application.answers:
        kind = grounds.get(answer.question_key)
        if kind is not None and answer.value == "yes":
            flags[kind] = True
    return flags


def inadequate_homes(application: Application) -> list[CareHome]:
    """Homes put forward whose CQC rating is Inadequate: none of them can be admitted."""
    return [
        home for home in homes_put_forward(application) if home.cqc_rating is CqcRating.inadequate
    ]
