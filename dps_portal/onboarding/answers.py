"""How an application's answers are kept: one section's answers for one scope at a time,
checked against the question and the application, with what changed audited."""

from datetime import date
from typing import Any

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import record_event
from dps_portal.core.errors import OperationRefused
from dps_portal.core.money import to_money
from dps_portal.documents.models import StoredDocument
from dps_portal.extensions import db
from dps_portal.onboarding.checks import (
    ORGANISATION_SCOPE,
    answers_by_scope,
    category_scope,
    home_scope,
    parse_scope,
)
from dps_portal.onboarding.models import Answer, Application
from dps_portal.onboarding.question_sets import definition_of
from dps_portal.onboarding.questions import Question, Section

NOT_PART_OF_IT = "That section is not part of this application."


def ensure_changeable(application: Application, part_key: str) -> None:
    """Refuse a change to a part the provider may not change now (a part is a section key,
    "categories" or "rates")."""
    if not application.state.is_editable:
        raise OperationRefused(
            f"Application {application.reference} has been "
            f"{application.state.value.lower()}: it can no longer be changed."
        )
    if not application.is_part_changeable(part_key):
        raise OperationRefused(
            "The council has reopened only some sections: this part cannot be changed."
        )


def save_section(
    application: Application, section_key: str, scope: str, values: dict[str, Any], *, by
) -> None:
    """Store the answers to one section for one scope.

    `values` maps question keys to answers: "yes"/"no", text, a date, a Decimal, a choice;
    for a file question a StoredDocument or its id; for insurance a dict with "amount",
    "expires_on" and optionally "document" (or "document_id"). A question left out of
    `values` keeps its answer (an upload not replaced); None or "" clears it."""
    ensure_changeable(application, section_key)
    section = _section(application, section_key)
    _check_scope(application, section, scope)
    existing = {
        answer.question_key: answer
        for answer in application.answers
        if answer.scope == scope and answer.section_key == section_key
    }
    before = {key: answer_record(answer) for key, answer in existing.items()}
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
    after = {key: answer_record(answer) for key, answer in existing.items()}
    record_event(
        AuditAction.application_section_saved,
        actor=by,
        subject=application,
        before={"section": section_key, "scope": scope, "answers": before},
        after={"section": section_key, "scope": scope, "answers": after},
    )


def drop_answers_out_of_scope(application: Application) -> None:
    """The answers about categories and homes no longer chosen go with them."""
    valid = {ORGANISATION_SCOPE}
    for chosen in application.categories:
        valid.add(category_scope(chosen.category_id))
        valid.update(home_scope(entry.care_home_id) for entry in chosen.homes)
    for answer in list(application.answers):
        if answer.scope not in valid:
            application.answers.remove(answer)
    db.session.flush()


def answer_record(answer) -> dict:
    return {"value": answer.value, "document_id": answer.document_id}


def answers_of_sections(application: Application, section_keys) -> dict:
    """The answers of some sections as they are now, by section, scope and question: what
    a clarification request keeps to show what changed."""
    keys = set(section_keys)
    grouped = answers_by_scope(application)
    return {
        f"{answer.section_key}/{scope}/{key}": answer_record(answer)
        for scope, answers in grouped.items()
        for key, answer in answers.items()
        if answer.section_key in keys
    }


def _section(application: Application, section_key: str) -> Section:
    try:
        return definition_of(application.question_set).section(section_key)
    except KeyError:
        raise OperationRefused(NOT_PART_OF_IT) from None


def _check_scope(application: Application, section: Section, scope: str) -> None:
    try:
        kind, number = parse_scope(scope)
    except ValueError:
        raise OperationRefused(NOT_PART_OF_IT) from None
    if kind != section.scope:
        raise OperationRefused(NOT_PART_OF_IT)
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
