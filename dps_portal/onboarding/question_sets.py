"""Publishing and reading versions of the selection questionnaire."""

from functools import lru_cache

from sqlalchemy import func, select

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import fields_of, record_created
from dps_portal.extensions import db
from dps_portal.framework.models import Framework
from dps_portal.onboarding.models import QuestionSet
from dps_portal.onboarding.questions import QuestionSetDefinition, parse_definition


def current_question_set(framework: Framework) -> QuestionSet | None:
    """The version new applications use: the newest one published."""
    return db.session.scalars(
        select(QuestionSet)
        .where(QuestionSet.framework_id == framework.id)
        .order_by(QuestionSet.version.desc())
    ).first()


def publish_question_set(
    framework: Framework, definition: dict, *, title: str, by=None
) -> QuestionSet:
    """A new version; the ones before it, and the applications made with them, are untouched."""
    parse_definition(definition)
    latest = db.session.scalar(
        select(func.max(QuestionSet.version)).where(QuestionSet.framework_id == framework.id)
    )
    question_set = QuestionSet(
        framework_id=framework.id, version=(latest or 0) + 1, title=title, definition=definition
    )
    return record_created(
        question_set,
        AuditAction.question_set_published,
        by=by,
        after=fields_of(question_set, "version", "title"),
    )


@lru_cache(maxsize=32)
def _parsed(question_set_id: int, version: int) -> QuestionSetDefinition:
    question_set = db.session.get(QuestionSet, question_set_id)
    return parse_definition(question_set.definition)


def definition_of(question_set: QuestionSet) -> QuestionSetDefinition:
    """The parsed sections and questions of a version (versions never change, so cached)."""
    return _parsed(question_set.id, question_set.version)
