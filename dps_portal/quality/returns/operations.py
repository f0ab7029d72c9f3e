"""Every change to a quarterly return: opening it, the provider's drafts and submission, the
monitor's review. Operations flush; the request or the job commits."""

from datetime import date

from dps_portal.accounts.models import User
from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import fields_of, record_created, record_event
from dps_portal.core import clock
from dps_portal.core.errors import OperationRefused
from dps_portal.core.roles import Role
from dps_portal.core.states import lock, move
from dps_portal.extensions import db
from dps_portal.notifications.emails import portal_path
from dps_portal.notifications.operations import tell_organisation, tell_role
from dps_portal.providers.models import CareHome
from dps_portal.quality.models import QualityReturn, ReturnForm, ReturnState
from dps_portal.quality.returns import queries, rules
from dps_portal.quality.returns.return_forms import answer_problems

REVIEW_NOTE_MAX_LENGTH = 5000


class ReturnNotValid(OperationRefused):
    """The answers cannot be submitted; `problems` says what to do about each."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("Correct the answers before you submit the return")
        self.problems = problems


def open_return(
    home: CareHome, *, period_start: date, form: ReturnForm, by: User | None = None
) -> QualityReturn:
    """The home's return for the quarter starting `period_start`, due as rules.py says."""
    quarter = rules.quarter_containing(period_start)
    if quarter.start != period_start:
        raise OperationRefused(
            f"A return's period starts on the first day of a quarter, not {period_start}"
        )
    quality_return = QualityReturn(
        provider_id=home.provider_id,
        care_home_id=home.id,
        form_id=form.id,
        period_start=quarter.start,
        period_end=quarter.end,
        due_on=quarter.due_on,
        state=ReturnState.due,
        answers={},
    )
    return record_created(
        quality_return,
        AuditAction.return_opened,
        by=by,
        after=fields_of(
            quality_return,
            "care_home_id",
            "period_start",
            "period_end",
            "due_on",
            form_version=form.version,
        ),
    )


def _require_not_submitted(quality_return: QualityReturn) -> None:
    """Lock the return (so a second submission sees the first) and check it is not submitted."""
    lock(quality_return)
    if not quality_return.is_due:
        raise OperationRefused(
            "This return was submitted on "
            f"{clock.format_date(quality_return.submitted_at)}: it can no longer be changed"
        )


def _cleaned(quality_return: QualityReturn, answers: dict) -> dict[str, str]:
    """Only the return's own questions, as the text typed (trimmed), so a draft keeps what
    was typed even when it is not yet valid."""
    keys = [question.key for question in queries.questions_of(quality_return)]
    return {key: str(answers.get(key) or "").strip() for key in keys}


def save_return_draft(quality_return: QualityReturn, answers: dict, *, by: User) -> QualityReturn:
    """Keep the answers as they are, valid or not, to finish later."""
    _require_not_submitted(quality_return)
    before = dict(quality_return.answers or {})
    quality_return.answers = _cleaned(quality_return, answers)
    record_event(
        AuditAction.return_saved,
        actor=by,
        subject=quality_return,
        before={"answers": before},
        after={"answers": quality_return.answers},
    )
    return quality_return


def submit_return(quality_return: QualityReturn, answers: dict, *, by: User) -> QualityReturn:
    """Submit the return with every required answer valid; the quality monitors are told."""
    _require_not_submitted(quality_return)
    cleaned = _cleaned(quality_return, answers)
    problems = answer_problems(queries.questions_of(quality_return), cleaned)
    if problems:
        raise ReturnNotValid(problems)
    quality_return.answers = cleaned
    move(
        quality_return,
        ReturnState.submitted,
        by=by,
        event=AuditAction.return_submitted,
        after={"answers": cleaned},
    )
    quality_return.submitted_by_id = by.id
    db.session.flush()
    home = quality_return.care_home
    period = queries.period_label(quality_return)
    tell_role(
        Role.quality_monitor,
        f"Quality return submitted: {home.name}, {period}",
        f"{quality_return.provider.display_name} submitted the return for {home.name}. Review it.",
        portal_path("returns.show_return", return_id=quality_return.id),
        dedupe=f"return-submitted:{quality_return.id}",
    )
    return quality_return


def review_return(quality_return: QualityReturn, *, note: str, by: User) -> QualityReturn:
    """The monitor has read the submitted return; the provider's users are told, with the note."""
    lock(quality_return)
    if quality_return.is_due:
        raise OperationRefused("This return has not been submitted yet: it cannot be reviewed")
    if quality_return.state is ReturnState.reviewed:
        raise OperationRefused(
            f"This return was already reviewed on {clock.format_date(quality_return.reviewed_at)}"
        )
    note = (note or "").strip()
    if len(note) > REVIEW_NOTE_MAX_LENGTH:
        raise OperationRefused(f"The note must be {REVIEW_NOTE_MAX_LENGTH:,} characters or fewer")
    move(
        quality_return,
        ReturnState.reviewed,
        by=by,
        event=AuditAction.return_reviewed,
        after={"note": note},
    )
    quality_return.reviewed_by_id = by.id
    quality_return.review_note = note
    db.session.flush()
    home = quality_return.care_home
    period = queries.period_label(quality_return)
    tell_organisation(
        quality_return.provider_id,
        f"Your quality return for {home.name}, {period}, has been reviewed",
        note or "The council's quality monitor has reviewed your return.",
        portal_path("returns.edit_return", return_id=quality_return.id),
        dedupe=f"return-reviewed:{quality_return.id}",
    )
    return quality_return
