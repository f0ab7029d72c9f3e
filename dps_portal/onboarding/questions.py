"""The selection questionnaire as data: its sections and questions, parsed from a question
set's JSON definition. The shape, for a council writing its own:

    {"sections": [
        {"key": "insurance", "title": "Insurance", "scope": "organisation",
         "description": "...",
         "questions": [
            {"key": "public_liability", "kind": "insurance", "text": "Public liability insurance",
             "hint": "...", "minimum": "5000000", "evidence_kind": "public_liability"},
            ...]},
        ...]}

scope: "organisation" (answered once), "home" (once for each home put forward) or
"category" (once for each category applied for).
kind: yes_no, text, textarea, money, date, choice (with "options"), file, or insurance
(an amount of cover, its expiry date and the certificate).
Optional per question: "required" (default true), "required_if" ({"other_key": "yes"}),
"minimum" (money and insurance), "must_be" (yes_no: the only acceptable answer),
"exclusion" ("mandatory" or "discretionary": a "yes" is an exclusion ground),
"evidence_kind" (insurance: the evidence it becomes on admission).
"""

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

SCOPES = ("organisation", "home", "category")
KINDS = ("yes_no", "text", "textarea", "money", "date", "choice", "file", "insurance")
DEFAULT_DEFINITION = Path(__file__).with_name("default_question_set.json")


@dataclass(frozen=True)
class Question:
    key: str
    kind: str
    text: str
    hint: str = ""
    required: bool = True
    required_if: dict[str, str] = field(default_factory=dict)
    minimum: Decimal | None = None
    options: tuple[str, ...] = ()
    must_be: str | None = None
    exclusion: str | None = None
    evidence_kind: str | None = None

    def is_required(self, answers: dict[str, Any]) -> bool:
        """Whether it must be answered, given the other answers of the same scope."""
        if self.required_if:
            return all(answers.get(key) == value for key, value in self.required_if.items())
        return self.required


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    scope: str
    questions: tuple[Question, ...]
    description: str = ""

    def question(self, key: str) -> Question:
        for question in self.questions:
            if question.key == key:
                return question
        raise KeyError(key)


@dataclass(frozen=True)
class QuestionSetDefinition:
    sections: tuple[Section, ...]

    def section(self, key: str) -> Section:
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)

    def questions(self):
        """(section, question) for every question, in order."""
        for section in self.sections:
            for question in section.questions:
                yield section, question


def _money(value: Any, where: str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{where}: minimum must be an amount, not {value!r}") from None


def _question(data: dict, section_key: str) -> Question:
    where = f"{section_key}.{data.get('key')}"
    if not data.get("key") or not data.get("text"):
        raise ValueError(f"{where}: every question needs a key and a text")
    if data.get("kind") not in KINDS:
        raise ValueError(f"{where}: kind must be one of {', '.join(KINDS)}")
    if data["kind"] == "choice" and not data.get("options"):
        raise ValueError(f"{where}: a choice needs options")
    if data.get("exclusion") not in (None, "mandatory", "discretionary"):
        raise ValueError(f"{where}: exclusion must be mandatory or discretionary")
    minimum = data.get("minimum")
    return Question(
        key=data["key"],
        kind=data["kind"],
        text=data["text"],
        hint=data.get("hint", ""),
        required=bool(data.get("required", True)),
        required_if=dict(data.get("required_if", {})),
        minimum=None if minimum is None else _money(minimum, where),
        options=tuple(data.get("options", ())),
        must_be=data.get("must_be"),
        exclusion=data.get("exclusion"),
        evidence_kind=data.get("evidence_kind"),
    )


def parse_definition(data: dict) -> QuestionSetDefinition:
    """The definition as objects; a ValueError naming the place when it is malformed."""
    sections = []
    section_keys: set[str] = set()
    question_keys: set[str] = set()
    for raw in data.get("sections", ()):
        key = raw.get("key")
        if not key or key in section_keys:
            raise ValueError(f"section keys must be given and unique: {key!r}")
        if raw.get("scope") not in SCOPES:
            raise ValueError(f"{key}: scope must be one of {', '.join(SCOPES)}")
        questions = tuple(_question(q, key) for q in raw.get("questions", ()))
        if not questions:
            raise ValueError(f"{key}: a section needs at least one question")
        for question in questions:
            if question.key in question_keys:
                raise ValueError(f"question keys must be unique: {question.key!r}")
            question_keys.add(question.key)
        section_keys.add(key)
        sections.append(
            Section(
                key=key,
                title=raw.get("title") or key,
                scope=raw["scope"],
                questions=questions,
                description=raw.get("description", ""),
            )
        )
    if not sections:
        raise ValueError("a question set needs at least one section")
    return QuestionSetDefinition(sections=tuple(sections))


def load_default_definition() -> dict:
    """The questionnaire the portal ships with, drawn from the council's documents."""
    return json.loads(DEFAULT_DEFINITION.read_text(encoding="utf-8"))
