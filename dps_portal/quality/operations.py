"""Every change to a quality-monitoring visit: scheduling, rescheduling and cancelling;
recording its sections and action plan; finalising it with its report; addenda afterwards.
Operations flush; the request or the job commits."""

from datetime import date, time

from werkzeug.routing import BuildError

from dps_portal.accounts.models import User
from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import fields_of, record_created, record_event
from dps_portal.core import clock
from dps_portal.core.errors import OperationRefused
from dps_portal.core.states import move
from dps_portal.documents.pdf import store_pdf
from dps_portal.extensions import db
from dps_portal.framework.models import Category
from dps_portal.notifications.emails import portal_path
from dps_portal.notifications.operations import tell, tell_organisation
from dps_portal.onboarding.admissions import admitted_categories
from dps_portal.providers.models import CareHome
from dps_portal.quality import queries, rules
from dps_portal.quality.models import (
    ActionPriority,
    SectionRating,
    Visit,
    VisitAction,
    VisitAddendum,
    VisitOutcome,
    VisitSection,
    VisitState,
    VisitTemplate,
    VisitType,
)
from dps_portal.quality.naming import planned_for, visit_reference
from dps_portal.quality.visit_templates import ensure_visit_template, sections_for

FINDINGS_MAX_LENGTH = 20000


# Links and people to tell.


def staff_visit_path(visit: Visit) -> str:
    return portal_path("quality.show_visit", visit_id=visit.id)


def provider_visit_path(visit: Visit) -> str:
    """Where the provider reads the visit: its own visit page, else the report itself."""
    try:
        return portal_path("actions.show_visit", visit_id=visit.id)
    except BuildError:
        if visit.report_document_id:
            return portal_path("documents.download_document", document_id=visit.report_document_id)
        return portal_path("main.provider_home")


def _describe(visit: Visit) -> str:
    return f"{visit.visit_type.value.lower()} quality-monitoring visit to {visit.care_home.name}"


def _action_plan_words(actions: int) -> str:
    if not actions:
        return ""
    return f" Your action plan has {actions} action{'' if actions == 1 else 's'}."


def _a(words: str) -> str:
    """ "an initial ...", "a routine ...": the article the first word takes."""
    return f"{'an' if words[:1].lower() in 'aeiou' else 'a'} {words}"


def _when_for_provider(visit: Visit) -> str:
    """The date and start time the provider is told. An announced visit without a time yet
    (a follow-up scheduled when a visit is finalised) says the time will follow."""
    if visit.planned_time is None:
        return f"{planned_for(visit)} (the council will tell you the start time)"
    return planned_for(visit)


def _tell_monitor(visit: Visit, title: str, body: str) -> None:
    tell(
        [visit.monitor],
        title,
        body,
        staff_visit_path(visit),
        template="quality/visit_for_monitor",
        visit=visit,
    )


def _tell_provider(visit: Visit, title: str, body: str) -> None:
    tell_organisation(
        visit.provider_id,
        title,
        body,
        provider_visit_path(visit),
        template="quality/visit_for_provider",
        visit=visit,
    )


# Guards.


def _require_recordable(visit: Visit, by: User) -> None:
    """The visit is open and `by` is its assigned monitor."""
    if visit.is_finalised:
        raise OperationRefused(
            "The visit has been finalised: its record is locked. Add an addendum instead"
        )
    if visit.is_cancelled:
        raise OperationRefused("The visit has been cancelled")
    if not visit.is_assigned_to(by):
        raise OperationRefused("Only the quality monitor assigned to the visit can record it")


def _require_monitor(monitor: User) -> None:
    if not monitor.is_quality_monitor or not monitor.is_active:
        raise OperationRefused("Select an active quality monitor")


def _require_time_only_if_announced(is_announced: bool, planned_time: time | None) -> None:
    if planned_time is not None and not is_announced:
        raise OperationRefused(
            "An unannounced visit has no start time: the provider is not told when it is"
        )


# Scheduling.


def schedule_visit(
    home: CareHome,
    *,
    visit_type: VisitType,
    monitor: User,
    planned_on: date,
    is_announced: bool,
    by: User,
    planned_time: time | None = None,
    follow_up_of: Visit | None = None,
) -> Visit:
    """Plan a visit to an admitted home, with its sections from the current visit template.
    The monitor is told; the provider only when the visit is announced, with its date and
    start time (UK time; an unannounced visit has none)."""
    template, categories = _template_and_categories(home)
    _require_monitor(monitor)
    _require_time_only_if_announced(is_announced, planned_time)
    same = [visit for visit in queries.open_visits_of(home) if visit.visit_type is visit_type]
    if same:
        raise OperationRefused(
            f"{home.name} already has {_a(visit_type.value.lower())} visit planned for "
            f"{planned_for(same[0])}: change that one instead"
        )
    visit = Visit(
        care_home_id=home.id,
        provider_id=home.provider_id,
        visit_type=visit_type,
        state=VisitState.scheduled,
        is_announced=is_announced,
        planned_on=planned_on,
        planned_time=planned_time,
        monitor_id=monitor.id,
        scheduled_by_id=by.id,
        follow_up_of_id=follow_up_of.id if follow_up_of else None,
    )
    _add_sections(visit, template, categories)
    after = fields_of(
        visit,
        "monitor_id",
        "planned_on",
        "planned_time",
        "is_announced",
        "follow_up_of_id",
        home_id=home.id,
        visit_type=visit_type.name,
        template_version=template.version,
    )
    record_created(visit, AuditAction.visit_scheduled, by=by, after=after)
    when = planned_for(visit)
    _tell_monitor(
        visit,
        f"Visit to {home.name} on {when}",
        f"You are the quality monitor for the {_describe(visit)} ({visit_reference(visit)}) "
        f"planned for {when} ({'announced' if is_announced else 'unannounced'}).",
    )
    if is_announced:
        _tell_provider(
            visit,
            f"Quality-monitoring visit to {home.name} on {when}",
            f"The council will make {_a(_describe(visit))} on {_when_for_provider(visit)}. "
            f"Its reference is {visit_reference(visit)}.",
        )
    return visit


def ensure_sections(visit: Visit) -> None:
    """Give a visit without sections (made before templates, say) those of the current
    template for the home's admitted categories."""
    if visit.sections:
        return
    _add_sections(visit, *_template_and_categories(visit.care_home))


def _template_and_categories(home: CareHome) -> tuple[VisitTemplate, list[Category]]:
    """The current visit template and the categories whose checks the home's visits make."""
    categories = admitted_categories(home)
    if not categories:
        raise OperationRefused(f"{home.name} is not admitted to any category")
    return ensure_visit_template(categories[0].framework), categories


def _add_sections(visit: Visit, template: VisitTemplate, categories: list[Category]) -> None:
    visit.template_id = template.id
    for position, planned in enumerate(sections_for(template, categories)):
        visit.sections.append(
            VisitSection(
                key=planned.key,
                title=planned.title,
                position=position,
                checks=planned.checks,
                category_id=planned.category_id,
            )
        )
    db.session.flush()


def reschedule_visit(
    visit: Visit, *, planned_on: date, planned_time: time | None, monitor: User, by: User
) -> Visit:
    """Move the planned date or start time, or give the visit to another monitor. The monitors
    are told, and the provider of an announced visit when its date or time changes."""
    if not visit.is_open:
        raise OperationRefused(f"The visit is {visit.state.value.lower()}: it cannot be changed")
    _require_monitor(monitor)
    _require_time_only_if_announced(visit.is_announced, planned_time)
    before = {
        "planned_on": visit.planned_on,
        "planned_time": visit.planned_time,
        "monitor_id": visit.monitor_id,
    }
    after = {"planned_on": planned_on, "planned_time": planned_time, "monitor_id": monitor.id}
    if after == before:
        raise OperationRefused("Change the date, the time or the monitor, or go back to the visit")
    previous_monitor = visit.monitor
    previously = planned_for(visit)
    visit.planned_on = planned_on
    visit.planned_time = planned_time
    visit.monitor_id = monitor.id
    db.session.flush()
    db.session.refresh(visit, ["monitor"])
    record_event(AuditAction.visit_rescheduled, actor=by, subject=visit, before=before, after=after)
    when = planned_for(visit)
    _tell_monitor(
        visit,
        f"Visit to {visit.care_home.name} on {when}",
        f"The {_describe(visit)} is planned for {when} and you are its quality monitor.",
    )
    if previous_monitor.id != monitor.id:
        tell(
            [previous_monitor],
            f"Visit to {visit.care_home.name} given to {monitor.full_name}",
            f"{monitor.full_name} is now the quality monitor for the {_describe(visit)}.",
            staff_visit_path(visit),
        )
    if visit.is_announced and previously != when:
        _tell_provider(
            visit,
            f"Quality-monitoring visit to {visit.care_home.name} now on {when}",
            f"The {_describe(visit)} ({visit_reference(visit)}) planned for {previously} "
            f"will now be on {_when_for_provider(visit)}.",
        )
    return visit


def cancel_visit(visit: Visit, *, reason: str, by: User) -> Visit:
    reason = reason.strip()
    if not reason:
        raise OperationRefused("Enter why the visit is cancelled")
    move(
        visit,
        VisitState.cancelled,
        by=by,
        event=AuditAction.visit_cancelled,
        after={"reason": reason},
    )
    visit.cancelled_by_id = by.id
    visit.cancellation_reason = reason
    db.session.flush()
    when = planned_for(visit)
    if by.id != visit.monitor_id:
        _tell_monitor(
            visit,
            f"Visit to {visit.care_home.name} on {when} cancelled",
            f"The {_describe(visit)} has been cancelled. The reason: {reason}",
        )
    if visit.is_announced:
        _tell_provider(
            visit,
            f"Quality-monitoring visit to {visit.care_home.name} on {when} cancelled",
            f"The council has cancelled the {_describe(visit)} ({visit_reference(visit)}).",
        )
    return visit


# Recording.


def save_section(
    visit: Visit,
    section_key: str,
    *,
    rating: SectionRating | None,
    findings: str,
    by: User,
) -> VisitSection:
    """Save one section's rating and findings; a draft may have no rating yet. The first save
    starts the visit's recording."""
    _require_recordable(visit, by)
    ensure_sections(visit)
    section = next((s for s in visit.sections if s.key == section_key), None)
    if section is None:
        raise OperationRefused(f"The visit has no section {section_key!r}")
    findings = findings.strip()
    if len(findings) > FINDINGS_MAX_LENGTH:
        raise OperationRefused(f"Findings must be {FINDINGS_MAX_LENGTH:,} characters or fewer")
    before = {
        "rating": section.rating.name if section.rating else None,
        "findings": section.findings,
    }
    if visit.state is VisitState.scheduled:
        move(visit, VisitState.in_progress)
    section.rating = rating
    section.findings = findings
    section.updated_at = clock.now()
    section.updated_by_id = by.id
    record_event(
        AuditAction.visit_section_saved,
        actor=by,
        subject=visit,
        before=before,
        after={
            "section": section_key,
            "rating": rating.name if rating else None,
            "findings": findings,
        },
    )
    return section


def add_action(
    visit: Visit, *, description: str, priority: ActionPriority, due_on: date, by: User
) -> VisitAction:
    """One item of the action plan, while the visit is being recorded."""
    _require_recordable(visit, by)
    description = description.strip()
    if not description:
        raise OperationRefused("Enter what the provider must do")
    action = VisitAction(
        visit=visit,
        provider_id=visit.provider_id,
        description=description,
        priority=priority,
        due_on=due_on,
    )
    db.session.add(action)
    db.session.flush()
    record_event(
        AuditAction.visit_action_planned, actor=by, subject=visit, after=_action_record(action)
    )
    return action


def _action_record(action: VisitAction) -> dict:
    """An action as the audit trail keeps it."""
    return {
        "action_id": action.id,
        "description": action.description,
        "priority": action.priority.name,
        "due_on": action.due_on,
    }


def remove_action(action: VisitAction, *, by: User) -> None:
    visit = action.visit
    _require_recordable(visit, by)
    record_event(
        AuditAction.visit_action_removed, actor=by, subject=visit, before=_action_record(action)
    )
    visit.actions.remove(action)
    db.session.flush()


# Finalising.


def finalise_refusals(visit: Visit, outcome: VisitOutcome | None) -> list[str]:
    """Why the visit cannot be finalised with `outcome` yet, in words for the monitor."""
    problems = []
    unrated = queries.unrated_sections(visit)
    if not visit.sections or unrated:
        titles = ", ".join(section.title for section in unrated) or "every section"
        problems.append(f"Rate every section before finalising the visit: {titles}")
    if outcome is VisitOutcome.satisfactory_with_actions and not visit.actions:
        problems.append(
            "Add at least one action to the action plan, or choose a different outcome: "
            "'Satisfactory with actions' needs an action plan"
        )
    if outcome is VisitOutcome.satisfactory and visit.actions:
        problems.append(
            "Choose 'Satisfactory with actions', or remove the actions: a visit with an action "
            "plan is not simply 'Satisfactory'"
        )
    return problems


def finalise_visit(
    visit: Visit, *, visited_on: date, outcome: VisitOutcome, summary: str, by: User
) -> Visit:
    """Lock the record, draw the visit report (PDF) and tell the provider; an unsatisfactory
    outcome schedules a follow-up visit with the same monitor about four weeks later (first,
    so that the report names it)."""
    _require_recordable(visit, by)
    summary = summary.strip()
    if not summary:
        raise OperationRefused("Enter a summary of the visit")
    today = clock.today_uk()
    if visited_on > today:
        raise OperationRefused("The date of the visit must be today or in the past")
    problems = finalise_refusals(visit, outcome)
    if problems:
        raise OperationRefused(". ".join(problems))
    before = move(visit, VisitState.finalised)
    visit.visited_on = visited_on
    visit.outcome = outcome
    visit.summary = summary
    visit.finalised_by_id = by.id
    db.session.flush()
    if outcome is VisitOutcome.unsatisfactory and not any(
        open_visit.visit_type is VisitType.follow_up
        for open_visit in queries.open_visits_of(visit.care_home)
    ):
        schedule_visit(
            visit.care_home,
            visit_type=VisitType.follow_up,
            monitor=visit.monitor,
            planned_on=rules.follow_up_planned_on(today),
            is_announced=True,
            by=by,
            follow_up_of=visit,
        )
    render_report(visit, by=by)
    record_event(
        AuditAction.visit_finalised,
        actor=by,
        subject=visit,
        before={"state": before.name},
        after={
            "state": visit.state.name,
            "visited_on": visited_on,
            "outcome": outcome.name,
            "summary": summary,
            "ratings": {section.key: section.rating.name for section in visit.sections},
            "actions": len(visit.actions),
            "report_document_id": visit.report_document_id,
        },
    )
    _tell_provider(
        visit,
        f"Visit report ready: {visit.care_home.name}",
        f"The report of the {_describe(visit)} on {clock.format_date(visited_on)} is ready. "
        f"The outcome: {outcome.value}." + _action_plan_words(len(visit.actions)),
    )
    return visit


def render_report(visit: Visit, *, by: User | None) -> None:
    """Draw the visit report and keep it as the visit's report (a new document each time),
    with when the home's next visit is due by the due list's rule."""
    document = store_pdf(
        "documents/visit_report.html",
        filename=f"Visit report {visit_reference(visit)}.pdf",
        kind="visit_report",
        provider_id=visit.provider_id,
        by=by,
        visit=visit,
        reference=visit_reference(visit),
        next_visit=queries.next_visit_of(visit.care_home, clock.today_uk()),
        home=visit.care_home,
        provider=visit.provider,
        sections=visit.sections,
        actions=visit.actions,
        addenda=visit.addenda,
    )
    visit.report_document_id = document.id
    db.session.flush()


def add_addendum(visit: Visit, *, text: str, by: User) -> VisitAddendum:
    """A correction to a finalised record; the report is drawn again with it."""
    if not visit.is_finalised:
        raise OperationRefused("Addenda are for finalised visits: change the record itself")
    if not visit.can_add_addendum(by):
        raise OperationRefused("Only quality monitors and contracts officers add addenda")
    text = text.strip()
    if not text:
        raise OperationRefused("Enter the addendum")
    addendum = VisitAddendum(visit=visit, text=text, added_by_id=by.id, added_at=clock.now())
    db.session.add(addendum)
    db.session.flush()
    db.session.refresh(visit, ["addenda"])
    previous_document_id = visit.report_document_id
    render_report(visit, by=by)
    record_event(
        AuditAction.visit_addendum_added,
        actor=by,
        subject=visit,
        before={"report_document_id": previous_document_id},
        after={
            "addendum_id": addendum.id,
            "text": text,
            "report_document_id": visit.report_document_id,
        },
    )
    _tell_provider(
        visit,
        f"Visit report updated: {visit.care_home.name}",
        "The council has added an addendum to the report of the "
        f"{_describe(visit)} on {clock.format_date(visit.visited_on)}.",
    )
    return addendum
