import json
from datetime import datetime
from typing import Any

from flask import abort, current_app, get_template_attribute, render_template, request
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict

from dps_portal.audit import queries
from dps_portal.audit.actions import action_in_words
from dps_portal.audit.forms import EventFilterForm, parse_day
from dps_portal.audit.models import AuditEvent
from dps_portal.core import clock
from dps_portal.core.access import role_required
from dps_portal.core.roles import Role
from dps_portal.core.web import LARGEST_ID
from dps_portal.extensions import db

# The query values a link to another page keeps.
FILTER_FIELDS = ("action", "subject_type", "subject_id", "actor", "from_date", "to_date")


def _choices(values: list[str], everything: str, words=str) -> list[tuple[str, str]]:
    return [("", everything), *((value, words(value)) for value in values)]


def _in_uk_time(value: Any) -> Any:
    """The value with every timestamp written as people read it ("3 March 2026 at 2:05pm
    (GMT)"); dates and other text unchanged."""
    if isinstance(value, dict):
        return {key: _in_uk_time(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_in_uk_time(item) for item in value]
    if isinstance(value, str) and len(value) >= 16 and value[:4].isdigit():
        try:
            instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        if instant.tzinfo is not None:
            return clock.format_datetime(instant)
    return value


def readable_json(value: Any) -> Markup:
    """An event's before or after for people, escaped for a <pre>: indented, keys sorted, times
    in UK time (the hash is over the stored value, not this). Line breaks are written as
    character references, which the summary list's macro does not indent."""
    text = json.dumps(_in_uk_time(value), indent=2, sort_keys=True, ensure_ascii=False, default=str)
    return escape(text).replace("\n", Markup("&#10;"))


def _sequence_arg(name: str) -> int | None:
    """A page boundary from the query string: a sequence number the database can hold."""
    value = request.args.get(name, type=int)
    return value if value is not None and 0 <= value <= LARGEST_ID else None


def _filter_form(formdata=None) -> EventFilterForm:
    form = EventFilterForm(formdata=formdata)
    form.action.choices = _choices(queries.action_choices(), "All actions", action_in_words)
    form.subject_type.choices = _choices(queries.subject_type_choices(), "All record types")
    return form


def _blank_filter_form_html() -> Markup:
    """The filters with nothing asked for, rendered once for the application: they are the
    same for every request (the choices come from the code), and were most of the page's
    rendering."""
    html = current_app.extensions.get("audit_blank_filter_form")
    if html is None:
        html = get_template_attribute("audit/_filter_form.html", "render_filter_form")(
            _filter_form()
        )
        current_app.extensions["audit_blank_filter_form"] = html
    return html


@role_required(Role.administrator)
def list_events():
    form = _filter_form(MultiDict(request.args) if request.args else None)
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
        "audit/events.html",
        form=form,
        filter_form_html=None if request.args else _blank_filter_form_html(),
        page=page,
        filters=filters,
        count_cap=queries.COUNT_CAP,
    )


@role_required(Role.administrator)
def show_event(event_id: int):
    event = db.session.get(AuditEvent, event_id)
    if event is None:
        abort(404)
    return render_template("audit/event.html", event=event, readable_json=readable_json)
