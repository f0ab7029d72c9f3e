"""Asking for the framework summary now, rather than waiting for its scheduled job; and the
administrators' changes to the framework's settings and lists."""

import threading
from dataclasses import dataclass
from decimal import Decimal

from flask import Flask, current_app, g
from sqlalchemy import select

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import record_created, record_event
from dps_portal.core.errors import OperationRefused
from dps_portal.core.states import lock
from dps_portal.extensions import db
from dps_portal.framework import queries, rules
from dps_portal.framework.models import CareSetting, Category, District, Framework
from dps_portal.framework.summary import JOB_ID, job_running_since
from dps_portal.scheduler.runner import run_job

# One request at a time in a process may start the job; the thread it started, while it runs,
# counts as the run going (before it has recorded its run).
_starting = threading.Lock()
_started: threading.Thread | None = None


def prepare_summary_now(app: Flask) -> threading.Thread:
    """Run the summary's job now, as the scheduler would (scheduler/runner.run_job: its own
    app context and session, its run recorded and committed), in a thread of its own so the
    request does not wait for the drawing. Refused while a run is already going."""
    global _started
    with _starting:
        if (_started is not None and _started.is_alive()) or job_running_since() is not None:
            raise OperationRefused(
                "The framework summary is already being prepared. It will be ready in a few "
                "minutes."
            )
        thread = threading.Thread(
            target=run_job, args=(app, JOB_ID), name="framework-summary", daemon=True
        )
        thread.start()
        _started = thread
    return thread


def wait_for_the_run_in_tests(_error=None) -> None:
    """Tests see the run an officer started finished, as a scheduled run leaves it: waited
    for once the request has ended (on SQLite its transaction holds the lock the run needs)."""
    run = g.pop("framework_summary_run", None)
    if run is not None and current_app.testing:
        # Whatever read the database after the request's commit holds no lock while we wait.
        db.session.rollback()
        run.join()


# Administration: the framework's settings and lists are data that administrators keep. Each
# change locks the framework's row (two administrators at once act one after the other) and
# records one audit event with the values before and after.

CONTACT_DETAILS = (
    "contracts_team_name",
    "contact_email",
    "contact_phone",
    "buyer_address",
    "council_signatory_name",
    "council_signatory_role",
)
TIMES = (
    "decision_working_days",
    "extended_decision_working_days",
    "declaration_working_days",
    "emergency_offer_hours",
    "respite_offer_working_days",
)
THRESHOLDS = (
    "award_approval_threshold",
    "abnormally_low_percent",
    "vacancy_stale_days",
    "max_weekly_rate",
)


class RefusedForField(OperationRefused):
    """A refusal about one detail; `field` is the form field that holds it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def change_contact_details(framework: Framework, *, by, **values) -> bool:
    """The contracts team's name, email address and telephone number, the council's address,
    and who signs for the council. Answers whether anything changed."""
    values = {name: (values.get(name) or "").strip() for name in CONTACT_DETAILS}
    if not values["contracts_team_name"]:
        raise RefusedForField("contracts_team_name", "Enter the name of the contracts team")
    if not values["contact_email"]:
        raise RefusedForField("contact_email", "Enter the contracts team’s email address")
    return _change(
        framework, CONTACT_DETAILS, values, AuditAction.framework_contact_details_changed, by
    )


def change_times(framework: Framework, *, by, **values) -> bool:
    """How long the council takes to decide an application, and how long providers have to
    renew a declaration and to answer a direct-award offer."""
    for name in TIMES:
        if values[name] not in rules.BOUNDS[name]:
            bounds = rules.BOUNDS[name]
            raise RefusedForField(name, f"Enter a number between {bounds.low} and {bounds.high}")
    if values["extended_decision_working_days"] < values["decision_working_days"]:
        raise RefusedForField(
            "extended_decision_working_days",
            "The extended decision time must be at least the decision time",
        )
    return _change(framework, TIMES, values, AuditAction.framework_times_changed, by)


def change_thresholds(framework: Framework, *, by, **values) -> bool:
    """The award approval threshold, a new tender's abnormally low line, when a vacancy goes
    stale, and the highest weekly rate a provider may propose."""
    for name in ("abnormally_low_percent", "vacancy_stale_days"):
        if values[name] not in rules.BOUNDS[name]:
            bounds = rules.BOUNDS[name]
            raise RefusedForField(name, f"Enter a number between {bounds.low} and {bounds.high}")
    threshold, ceiling = values["award_approval_threshold"], values["max_weekly_rate"]
    if not (isinstance(threshold, Decimal) and Decimal(0) <= threshold < rules.MONEY_LIMIT):
        raise RefusedForField("award_approval_threshold", "Enter an amount of £0 or more")
    if not (isinstance(ceiling, Decimal) and Decimal(0) < ceiling < rules.MONEY_LIMIT):
        raise RefusedForField("max_weekly_rate", "Enter a highest weekly rate of more than £0")
    return _change(framework, THRESHOLDS, values, AuditAction.framework_thresholds_changed, by)


def _change(framework: Framework, names, values: dict, action: AuditAction, by) -> bool:
    lock(framework)
    before = {
        name: getattr(framework, name) for name in names if getattr(framework, name) != values[name]
    }
    if not before:
        return False
    for name in before:
        setattr(framework, name, values[name])
    db.session.flush()
    record_event(
        action,
        actor=by,
        subject=framework,
        before=before,
        after={name: getattr(framework, name) for name in before},
    )
    return True


# The framework's lists: categories, districts and care settings.


@dataclass(frozen=True)
class ListKind:
    """What a list holds, and the words and audit actions for its items."""

    model: type
    noun: str
    # Fields fixed once added (other data is filed under them) and fields that may change.
    fixed: tuple[str, ...]
    changeable: tuple[str, ...]
    added: AuditAction
    changed: AuditAction
    moved: AuditAction
    removed: AuditAction


CATEGORIES = ListKind(
    Category,
    "category",
    fixed=("code",),
    changeable=("name", "description", "specialist_training"),
    added=AuditAction.category_added,
    changed=AuditAction.category_changed,
    moved=AuditAction.category_moved,
    removed=AuditAction.category_removed,
)
DISTRICTS = ListKind(
    District,
    "district",
    fixed=(),
    changeable=("name", "is_out_of_county"),
    added=AuditAction.district_added,
    changed=AuditAction.district_changed,
    moved=AuditAction.district_moved,
    removed=AuditAction.district_removed,
)
CARE_SETTINGS = ListKind(
    CareSetting,
    "care setting",
    fixed=("code",),
    changeable=("name",),
    added=AuditAction.care_setting_added,
    changed=AuditAction.care_setting_changed,
    moved=AuditAction.care_setting_moved,
    removed=AuditAction.care_setting_removed,
)
KINDS = {kind.model: kind for kind in (CATEGORIES, DISTRICTS, CARE_SETTINGS)}


def add_to_list(framework: Framework, kind: ListKind, *, by, **values):
    """A new category, district or care setting, last in its list."""
    lock(framework)
    item = kind.model(framework_id=framework.id, **_check_item(framework, kind, None, values))
    item.position = 1 + max((other.position for other in _items(framework, kind)), default=-1)
    record_created(item, kind.added, by=by, after=_snapshot(item, kind))
    return item


def change_in_list(item, *, by, **values) -> bool:
    """Rename a category, district or care setting (and change its other details; never its
    code). Answers whether anything changed."""
    kind = KINDS[type(item)]
    lock(item.framework)
    values = _check_item(item.framework, kind, item, values)
    before = _snapshot(item, kind)
    for name, value in values.items():
        setattr(item, name, value)
    after = _snapshot(item, kind)
    if after == before:
        return False
    db.session.flush()
    record_event(kind.changed, actor=by, subject=item, before=before, after=after)
    return True


def move_in_list(item, *, up: bool, by) -> bool:
    """Move an item one place up or down its list. Answers whether it moved (the first item
    cannot go up, nor the last down)."""
    kind = KINDS[type(item)]
    lock(item.framework)
    items = _items(item.framework, kind)
    before = [_label(other) for other in items]
    place = items.index(item)
    other = place - 1 if up else place + 1
    if not 0 <= other < len(items):
        return False
    items[place], items[other] = items[other], items[place]
    for position, each in enumerate(items):
        each.position = position
    db.session.flush()
    record_event(
        kind.moved,
        actor=by,
        subject=item,
        before={"order": before},
        after={"order": [_label(each) for each in items]},
    )
    return True


def removal_problem(item) -> str | None:
    """Why an item cannot be removed (something uses it, or it is the last of its list), or
    None when it can."""
    kind = KINDS[type(item)]
    uses = queries.uses_of(item)
    if uses:
        listed = [str(use) for use in uses]
        used_by = listed[0] if len(listed) == 1 else f"{', '.join(listed[:-1])} and {listed[-1]}"
        return f"{item.name} cannot be removed: it is used by {used_by}."
    if len(_items(item.framework, kind)) == 1:
        return f"{item.name} cannot be removed: the framework needs at least one {kind.noun}."
    return None


def remove_from_list(item, *, by) -> None:
    """Remove a category, district or care setting that nothing uses."""
    kind = KINDS[type(item)]
    framework = item.framework
    lock(framework)
    problem = removal_problem(item)
    if problem:
        raise OperationRefused(problem)
    record_event(kind.removed, actor=by, subject=item, before=_snapshot(item, kind))
    db.session.delete(item)
    db.session.flush()
    for position, each in enumerate(_items(framework, kind)):
        each.position = position
    db.session.flush()


def _items(framework: Framework, kind: ListKind) -> list:
    return list(
        db.session.scalars(
            select(kind.model)
            .where(kind.model.framework_id == framework.id)
            .order_by(kind.model.position, kind.model.id)
        )
    )


def _check_item(framework: Framework, kind: ListKind, item, values: dict) -> dict:
    """The values an item may take: its name (and code, when new) not another's."""
    names = kind.changeable + (kind.fixed if item is None else ())
    values = {
        name: (values.get(name) or "").strip()
        if name != "is_out_of_county"
        else bool(values.get(name))
        for name in names
    }
    name = values["name"]
    if not name:
        raise RefusedForField("name", f"Enter the {kind.noun}’s name")
    others = [other for other in _items(framework, kind) if other is not item]
    if any(other.name.strip().lower() == name.lower() for other in others):
        raise RefusedForField("name", f"There is already a {kind.noun} called {name}")
    if "code" in values:
        code = values["code"]
        if not code:
            raise RefusedForField("code", f"Enter the {kind.noun}’s code")
        if any(other.code.lower() == code.lower() for other in others):
            raise RefusedForField("code", f"There is already a {kind.noun} with the code {code}")
    return values


def _snapshot(item, kind: ListKind) -> dict:
    return {name: getattr(item, name) for name in (*kind.fixed, *kind.changeable)}


def _label(item) -> str:
    return getattr(item, "code", None) or item.name
