from flask import abort, render_template, request
from werkzeug.datastructures import MultiDict

from dps_portal.audit import queries
from dps_portal.audit.forms import EventFilterForm, parse_day
from dps_portal.audit.models import AuditEvent
from dps_portal.audit.operations import canonical_json
from dps_portal.core.access import role_required
from dps_portal.core.roles import Role
from dps_portal.extensions import db


def _choices(values: list[str], everything: str) -> list[tuple[str, str]]:
    return [("", everything), *((value, value) for value in values)]


@role_required(Role.administrator)
def list_events():
    form = EventFilterForm(formdata=MultiDict(request.args) if request.args else None)
    form.action.choices = _choices(queries.known_actions(), "All actions")
    form.subject_type.choices = _choices(queries.known_subject_types(), "All record types")
    criteria = queries.EventFilter()
    if request.args and form.validate():
        criteria = queries.EventFilter(
            action=form.action.data or "",
            subject_type=form.subject_type.data or "",
            subject_id=(form.subject_id.data or "").strip(),
            actor=form.actor.data or "",
            from_date=parse_day(form.from_date.data),
            to_date=parse_day(form.to_date.data),
        )
    page = queries.filtered_events(criteria, page=request.args.get("page", 1, type=int))
    return render_template("audit/events.html", form=form, page=page)


@role_required(Role.administrator)
def show_event(event_id: int):
    event = db.session.get(AuditEvent, event_id)
    if event is None:
        abort(404)
    return render_template("audit/event.html", event=event, as_json=canonical_json)
