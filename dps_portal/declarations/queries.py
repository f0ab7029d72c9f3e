"""What the declaration pages, the reminder job and the contract gate read."""

from datetime import date
from typing import Any

from sqlalchemy import select

from dps_portal.declarations.models import DeclarationRequest
from dps_portal.extensions import db
from dps_portal.framework.models import Framework
from dps_portal.onboarding.models import Answer, Application, ApplicationState
from dps_portal.onboarding.question_sets import current_question_set, definition_of
from dps_portal.onboarding.questions import Question
from dps_portal.providers.models import ProviderOrganisation

_OLDEST_DUE_FIRST = (DeclarationRequest.due_on, DeclarationRequest.id)


def declarations_of(provider: ProviderOrganisation) -> list[DeclarationRequest]:
    return list(
        db.session.scalars(
            select(DeclarationRequest)
            .where(DeclarationRequest.provider_id == provider.id)
            .order_by(DeclarationRequest.requested_at.desc(), DeclarationRequest.id.desc())
        )
    )


def open_declaration(provider: ProviderOrganisation) -> DeclarationRequest | None:
    """The request the provider has still to answer, if any."""
    return db.session.scalars(
        select(DeclarationRequest)
        .where(DeclarationRequest.provider_id == provider.id, DeclarationRequest.is_open)
        .order_by(*_OLDEST_DUE_FIRST)
    ).first()


def overdue_declaration(provider: ProviderOrganisation, today: date) -> DeclarationRequest | None:
    """An unanswered request past its due date: until the provider answers it, it is not
    eligible for placements (the provider stays admitted while the request is within time)."""
    return db.session.scalars(
        select(DeclarationRequest)
        .where(DeclarationRequest.provider_id == provider.id, DeclarationRequest.is_overdue(today))
        .order_by(*_OLDEST_DUE_FIRST)
    ).first()


def overdue_declarations(today: date) -> list[DeclarationRequest]:
    return list(
        db.session.scalars(
            select(DeclarationRequest)
            .where(DeclarationRequest.is_overdue(today))
            .order_by(*_OLDEST_DUE_FIRST)
        )
    )


def declaration_questions(framework: Framework | None) -> list[Question]:
    """The questions of the current question set's exclusion-ground sections: those with
    a question whose "yes" is an exclusion ground."""
    question_set = current_question_set(framework) if framework is not None else None
    if question_set is None:
        return []
    return [
        question
        for section in definition_of(question_set).sections
        if any(question.exclusion for question in section.questions)
        for question in section.questions
    ]


def declared_before(provider: ProviderOrganisation, questions: list[Question]) -> dict[str, Any]:
    """The organisation's latest answers to the declaration questions: its last confirmed
    declaration, or else the application it was last decided on."""
    keys = {question.key for question in questions}
    confirmed = db.session.scalars(
        select(DeclarationRequest)
        .where(DeclarationRequest.provider_id == provider.id, ~DeclarationRequest.is_open)
        .order_by(DeclarationRequest.confirmed_at.desc())
    ).first()
    if confirmed is not None and confirmed.answers:
        return {key: value for key, value in confirmed.answers.items() if key in keys}
    application = db.session.scalars(
        select(Application)
        .where(
            Application.provider_id == provider.id,
            Application.state == ApplicationState.decided,
        )
        .order_by(Application.decided_at.desc())
    ).first()
    if application is None:
        return {}
    return {
        answer.question_key: answer.value
        for answer in db.session.scalars(
            select(Answer).where(
                Answer.application_id == application.id, Answer.question_key.in_(keys)
            )
        )
    }
