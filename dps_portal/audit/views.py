from flask import abort, render_template, request
from werkzeug.datastructures import MultiDict

from dps_portal.audit import queries
from dps_portal.audit.forms import EventFilterForm, parse_day
from dps_portal.audit.models import AuditEvent
from dps_portal.audit.operations import canonical_json
from dps_portal.core.access import role_required
from dps_portal.core.roles import Role
from dps_portal.core.web import LARGEST_ID
from dps_portal.extensions import db

# The query values a link to another page keeps.
FILTER_FIELDS = ("action", "subject_type", "subject_id", "actor", "from_date", "to_date")


def _choices(values: list[str], everything: str) -> list[tuple[str, str]]:
    return [("", everything), *((value, value) for value in values)]


def _sequence_arg(name: str) -> int | None:
    """A page boundary from the query string: a sequence number the database can hold."""
    value = request.args.get(name, type=int)
    return value if value is not None and 0 <= value <= LARGEST_ID else None


@role_required(Role.administrator)
def list_events():
    form = EventFilterForm(formdata=MultiDict(request.args) if request.args else None)
    form.action.choices = _choices(queries.action_choices(), "All actions")
    form.subject_type.choices = _choices(queries.subject_type_choices(), "All record types")
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
    page = queries.filtered_events(
        criteria, older_than=_sequence_arg("older_than"), newer_than=_sequence_arg("newer_than")
    )
    # The links to other pages keep the filters and replace the page boundary.
    filters = {
        name: request.args[name] for name in FILTER_FIELDS if request.args.get(name, "").strip()
    }
    return render_template(
        "audit/events.html", form=form, page=page, filters=filters, count_cap=queries.COUNT_CAP
    )


@role_required(Role.administrator)
def show_event(event_id: int):
    event = db.session.get(AuditEvent, event_id)
    if event is None:
        abort(404)
    return render_template("audit/event.html", event=event, as_json=canonical_json)
