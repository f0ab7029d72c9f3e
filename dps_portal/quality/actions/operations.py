"""Every change to an action plan item: the provider's response, the monitor's closing or
sending back. Operations flush; the request commits."""

from dps_portal.accounts.models import User
from dps_portal.audit.actions import AuditAction
from dps_portal.core import clock
from dps_portal.core.errors import OperationRefused
from dps_portal.core.states import lock, move
from dps_portal.documents.models import StoredDocument
from dps_portal.extensions import db
from dps_portal.notifications.emails import portal_path
from dps_portal.notifications.operations import tell, tell_organisation
from dps_portal.quality.models import ActionResponse, ActionState, VisitAction


def _require_live(action: VisitAction) -> None:
    """Lock the action (so a response and a verification at the same moment act one after
    the other) and check its plan has been given to the provider."""
    lock(action)
    if not action.visit.is_finalised:
        raise OperationRefused("This action is part of a visit record that is not finalised")


def _home_name(action: VisitAction) -> str:
    return action.visit.care_home.name


def respond_to_action(
    action: VisitAction, *, text: str, document: StoredDocument | None, by: User
) -> ActionResponse:
    """The provider's answer (with evidence, if any): the action waits for verification and
    the visit's monitor is told."""
    _require_live(action)
    if action.is_closed:
        raise OperationRefused("This action has been closed: it cannot be answered")
    if by.provider_id != action.provider_id:
        raise OperationRefused("Only the provider's own users can answer its actions")
    if document is not None and document.provider_id != action.provider_id:
        raise OperationRefused("The evidence must be a document of your organisation")
    text = text.strip()
    if not text:
        raise OperationRefused("Enter what you have done about the action")
    response = ActionResponse(
        action=action,
        text=text,
        document_id=document.id if document is not None else None,
        responded_by_id=by.id,
        responded_at=clock.now(),
    )
    db.session.add(response)
    db.session.flush()
    move(
        action,
        ActionState.awaiting_verification,
        by=by,
        event=AuditAction.action_responded,
        after={"response_id": response.id, "text": text, "document_id": response.document_id},
    )
    monitor = action.visit.monitor
    if monitor is not None and monitor.is_active:
        tell(
            [monitor],
            f"{action.visit.provider.display_name} has answered an action for {_home_name(action)}",
            f"The action: {action.description}\n\nTheir response: {text}",
            portal_path("actions.verify_action", action_id=action.id),
        )
    return response


def close_action(action: VisitAction, *, note: str, by: User) -> None:
    """The monitor is satisfied: the action is closed and the provider's users are told."""
    _require_live(action)
    note = note.strip()
    move(action, ActionState.closed, by=by, event=AuditAction.action_closed, after={"note": note})
    action.verification_note = note
    action.closed_by_id = by.id
    db.session.flush()
    body = f"The action: {action.description}"
    if action.verification_note:
        body += f"\n\nThe council's note: {action.verification_note}"
    _tell_provider(action, f"The council has closed an action for {_home_name(action)}", body)


def send_back_action(action: VisitAction, *, note: str, by: User) -> None:
    """The response is not enough yet: the action is open again, with the monitor's note."""
    note = note.strip()
    if not note:
        raise OperationRefused("Enter what the provider still needs to do")
    _require_live(action)
    move(action, ActionState.open, by=by, event=AuditAction.action_reopened, after={"note": note})
    action.verification_note = note
    db.session.flush()
    _tell_provider(
        action,
        f"The council needs more on an action for {_home_name(action)}",
        f"The action: {action.description}\n\nWhat is still needed: {note}\n\n"
        f"It is due by {clock.format_date(action.due_on)}.",
    )


def _tell_provider(action: VisitAction, title: str, body: str) -> None:
    tell_organisation(
        action.provider_id, title, body, portal_path("actions.show_visit", visit_id=action.visit_id)
    )
