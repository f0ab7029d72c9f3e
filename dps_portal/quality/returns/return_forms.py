"""The quarterly quality return's questions as data: parsed from a ReturnForm's JSON
definition, published in versions, and checked. The shape, for a council writing its own:

    {"sections": [
        {"key": "staffing", "title": "Staffing", "description": "...",
         "questions": [
            {"key": "vacancies_fte", "kind": "number", "text": "Vacancies (FTE)",
             "noun": "the number of vacancies", "hint": "..."}, ...],
         "derived": [
            {"key": "vacancy_rate", "text": "Vacancy rate", "numerator": "vacancies_fte",
             "denominator": ["staff_in_post_fte", "vacancies_fte"]}]},
        ...]}

kind: number (0 or more, up to 2 decimal places), whole_number (0 or more), percentage
(0 to 100) or textarea. Optional per question: "required" (default true),
"required_if_more_than_zero" (another question's key), "at_most" (another question's key:
this number cannot be more than that one), "per_category" (asked once for each category the
home is admitted to; "{category}" in the text and noun is the category's name).
"derived" values are shown, never typed: numerator / sum of denominator, as a percentage.
"""

import json
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import record_event
from dps_portal.framework.models import Framework
from dps_portal.quality.models import ReturnForm
from dps_portal.quality.versions import add_next_version, newest_version

KINDS = ("number", "whole_number", "percentage", "textarea")
NUMERIC_KINDS = ("number", "whole_number", "percentage")
DEFAULT_DEFINITION = Path(__file__).with_name("default_return_form.json")
TEXT_MAX_LENGTH = 5000
_NUMBER = re.compile(r"\d+(\.\d{1,2})?")
_WHOLE = re.compile(r"\d+")
_CATEGORY_SEPARATOR = "__"


@dataclass(frozen=True)
class ReturnQuestion:
    key: str
    kind: str
    text: str
    noun: str
    hint: str = ""
    required: bool = True
    required_if_more_than_zero: str | None = None
    at_most: str | None = None
    per_category: bool = False

    @property
    def is_numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS

    def for_category(self, code: str, name: str) -> "ReturnQuestion":
        return ReturnQuestion(
            key=f"{self.key}{_CATEGORY_SEPARATOR}{code}",
            kind=self.kind,
            text=self.text.replace("{category}", name),
            noun=self.noun.replace("{category}", name),
            hint=self.hint.replace("{category}", name),
            required=self.required,
            required_if_more_than_zero=self.required_if_more_than_zero,
            at_most=self.at_most,
        )


@dataclass(frozen=True)
class Derived:
    key: str
    text: str
    numerator: str
    denominator: tuple[str, ...]

    def value(self, answers: dict) -> Decimal | None:
        """The percentage, to one decimal place; None until its parts are valid numbers."""
        top = parse_number(answers.get(self.numerator))
        parts = [parse_number(answers.get(key)) for key in self.denominator]
        if top is None or any(part is None for part in parts) or sum(parts) == 0:
            return None
        return (top * 100 / sum(parts)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ReturnSection:
    key: str
    title: str
    questions: tuple[ReturnQuestion, ...]
    description: str = ""
    derived: tuple[Derived, ...] = ()

    def questions_for(self, categories) -> list[ReturnQuestion]:
        """The section's questions, those asked per category once for each of `categories`
        (objects with `code` and `name`)."""
        questions = []
        for question in self.questions:
            if question.per_category:
                questions += [question.for_category(c.code, c.name) for c in categories]
            else:
                questions.append(question)
        return questions


@dataclass(frozen=True)
class ReturnDefinition:
    sections: tuple[ReturnSection, ...]

    def questions_for(self, categories) -> list[ReturnQuestion]:
        return [q for section in self.sections for q in section.questions_for(categories)]


# Parsing.


def _question(data: dict, section_key: str) -> ReturnQuestion:
    where = f"{section_key}.{data.get('key')}"
    if not data.get("key") or not data.get("text"):
        raise ValueError(f"{where}: every question needs a key and a text")
    if _CATEGORY_SEPARATOR in data["key"]:
        raise ValueError(f"{where}: a key cannot contain {_CATEGORY_SEPARATOR!r}")
    if data.get("kind") not in KINDS:
        raise ValueError(f"{where}: kind must be one of {', '.join(KINDS)}")
    text = data["text"]
    return ReturnQuestion(
        key=data["key"],
        kind=data["kind"],
        text=text,
        noun=data.get("noun") or text[0].lower() + text[1:],
        hint=data.get("hint", ""),
        required=bool(data.get("required", True)),
        required_if_more_than_zero=data.get("required_if_more_than_zero"),
        at_most=data.get("at_most"),
        per_category=bool(data.get("per_category", False)),
    )


def parse_definition(data: dict) -> ReturnDefinition:
    """The definition as objects; a ValueError naming the place when it is malformed."""
    sections = []
    keys: set[str] = set()
    for raw in data.get("sections", ()):
        key = raw.get("key")
        if not key or any(section.key == key for section in sections):
            raise ValueError(f"section keys must be given and unique: {key!r}")
        questions = tuple(_question(q, key) for q in raw.get("questions", ()))
        if not questions:
            raise ValueError(f"{key}: a section needs at least one question")
        for question in questions:
            if question.key in keys:
                raise ValueError(f"question keys must be unique: {question.key!r}")
            keys.add(question.key)
        derived = tuple(
            Derived(
                key=d["key"],
                text=d["text"],
                numerator=d["numerator"],
                denominator=tuple(d["denominator"]),
            )
            for d in raw.get("derived", ())
        )
        sections.append(
            ReturnSection(
                key=key,
                title=raw.get("title") or key,
                questions=questions,
                description=raw.get("description", ""),
                derived=derived,
            )
        )
    if not sections:
        raise ValueError("a return needs at least one section")
    for section in sections:
        for question in section.questions:
            for other in (question.required_if_more_than_zero, question.at_most):
                if other is not None and other not in keys:
                    raise ValueError(f"{question.key}: refers to an unknown question {other!r}")
        for derived in section.derived:
            for other in (derived.numerator, *derived.denominator):
                if other not in keys:
                    raise ValueError(f"{derived.key}: refers to an unknown question {other!r}")
    return ReturnDefinition(sections=tuple(sections))


def load_default_definition() -> dict:
    return json.loads(DEFAULT_DEFINITION.read_text(encoding="utf-8"))


def definition_of(form: ReturnForm) -> ReturnDefinition:
    return parse_definition(form.definition)


# Versions.


def current_return_form(framework: Framework) -> ReturnForm | None:
    """The version new returns use: the newest one published."""
    return newest_version(ReturnForm, framework)


def publish_return_form(framework: Framework, definition: dict, *, by=None) -> ReturnForm:
    """A new version; returns opened with earlier versions keep theirs."""
    parse_definition(definition)
    form = add_next_version(ReturnForm, framework, definition)
    record_event(
        AuditAction.return_form_published,
        actor=by,
        subject=form,
        after={"framework_id": framework.id, "version": form.version},
    )
    return form


def ensure_return_form(framework: Framework) -> ReturnForm:
    """The current version, publishing the portal's own when the council has none."""
    return current_return_form(framework) or publish_return_form(
        framework, load_default_definition()
    )


# Checking answers.


def parse_number(value) -> Decimal | None:
    """A typed number ("1,250.5") as a Decimal, or None when it is not one."""
    text = str(value if value is not None else "").replace(",", "").strip()
    if not _NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _capital(text: str) -> str:
    return text[0].upper() + text[1:] if text else text


def _number_problem(question: ReturnQuestion, value: str) -> str | None:
    text = value.replace(",", "").strip()
    name = _capital(question.noun)
    if text.startswith("-") and parse_number(text[1:]) is not None:
        return f"{name} must be 0 or more"
    if question.kind == "whole_number":
        if not _WHOLE.fullmatch(text):
            return f"{name} must be a whole number, like 3"
        return None
    number = parse_number(text)
    if question.kind == "percentage":
        if number is None:
            return f"{name} must be a number between 0 and 100, like 95"
        if number > 100:
            return f"{name} must be between 0 and 100"
        return None
    if number is None:
        return f"{name} must be a number, like 12 or 12.5"
    return None


def _missing_message(question: ReturnQuestion) -> str:
    if question.kind == "percentage":
        return f"Enter {question.noun} as a percentage"
    return f"Enter {question.noun}"


def answer_problems(questions: list[ReturnQuestion], answers: dict) -> dict[str, str]:
    """{question key: what to do} for every answer that cannot be submitted as it is."""
    problems: dict[str, str] = {}
    values = {q.key: str(answers.get(q.key) or "").strip() for q in questions}
    for question in questions:
        value = values[question.key]
        if not value:
            required = question.required
            if question.required_if_more_than_zero:
                number = parse_number(values.get(question.required_if_more_than_zero))
                required = number is not None and number > 0
            if required:
                problems[question.key] = _missing_message(question)
            continue
        if question.kind == "textarea":
            if len(value) > TEXT_MAX_LENGTH:
                problems[question.key] = (
                    f"{_capital(question.noun)} must be {TEXT_MAX_LENGTH:,} characters or fewer"
                )
            continue
        problem = _number_problem(question, value)
        if problem:
            problems[question.key] = problem
    by_key = {q.key: q for q in questions}
    for question in questions:
        if not question.at_most or question.key in problems or not values[question.key]:
            continue
        limit_key = question.at_most
        if limit_key in problems or limit_key not in by_key:
            continue
        number, limit = parse_number(values[question.key]), parse_number(values[limit_key])
        if number is not None and limit is not None and number > limit:
            problems[question.key] = (
                f"{_capital(question.noun)} cannot be more than {by_key[limit_key].noun}"
            )
    return problems
