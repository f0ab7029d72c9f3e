from functools import wraps

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from dps_portal.accounts.models import User
from dps_portal.core import clock
from dps_portal.core.access import role_required
from dps_portal.core.roles import Role
from dps_portal.core.web import refusal_redirects_to, refusal_shown_on
from dps_portal.extensions import csrf, db
from dps_portal.providers.models import CareHome
from dps_portal.quality import naming, operations, queries, rules
from dps_portal.quality.forms import (
    ActionForm,
    AddendumForm,
    CancelVisitForm,
    FinaliseForm,
    RemoveActionForm,
    RescheduleVisitForm,
    ScheduleVisitForm,
    SectionForm,
)
from dps_portal.quality.models import (
    ActionPriority,
    Visit,
    VisitAction,
    VisitOutcome,
    VisitType,
)

visit_staff = role_required(Role.contracts_officer, Role.quality_monitor)
monitors_only = role_required(Role.quality_monitor)

PAGE_OPEN_TOO_LONG = "Your page had been open too long. Your text is below: save it again."


# Long forms never lose what was typed.


def keeps_typing(view):
    """On a form whose text is long, a failed CSRF check (the page was open too long) shows
    the form again with what was typed instead of the error page: the view checks the token
    itself and finds `g.page_open_too_long` set."""

    @wraps(view)
    def checked(*args, **kwargs):
        g.page_open_too_long = False
        if request.method == "POST" and current_app.config.get("WTF_CSRF_ENABLED", True):
            try:
                csrf.protect()
            except CSRFError:
                g.page_open_too_long = True
        return view(*args, **kwargs)

    csrf.exempt(checked)
    return checked


def _submitted(form) -> bool:
    """The form was posted with a good token and is valid."""
    if g.get("page_open_too_long"):
        return False
    return form.validate_on_submit()


def _long_form(form_class, **kwargs):
    """The token is checked by keeps_typing, so the form does not check it again."""
    return form_class(meta={"csrf": False}, **kwargs)


def _draft_key(visit: Visit, name: str) -> str:
    return f"visit-{visit.id}-{name}"


def _draft_saved(key: str) -> None:
    """Tell the next page's drafts.js that the server has what was typed."""
    session["saved_drafts"] = [*session.get("saved_drafts", []), key]


def saved_drafts() -> list[str]:
    return session.pop("saved_drafts", [])


# Loading.


def _visit_or_404(visit_id: int) -> Visit:
    visit = db.session.get(Visit, visit_id)
    if visit is None:
        abort(404)
    return visit


def _recordable_or_403(visit_id: int) -> Visit:
    visit = _visit_or_404(visit_id)
    if not visit.is_assigned_to(current_user):
        abort(403)
    return visit


def _visit_url(visit: Visit, anchor: str = "") -> str:
    url = url_for("quality.show_visit", visit_id=visit.id)
    return f"{url}#{anchor}" if anchor else url


def _back_to(visit: Visit, anchor: str = ""):
    return redirect(_visit_url(visit, anchor))


def _refuse_if_locked(visit: Visit) -> None:
    """A finalised or cancelled record is not changed: back to the visit, saying why."""
    if visit.is_cancelled:
        flash("The visit has been cancelled: it cannot be recorded.")
    elif visit.is_locked:
        flash("The visit has been finalised: its record is locked. Add an addendum to correct it.")
    else:
        return
    abort(_back_to(visit))


def _open_record_or_403(visit_id: int) -> Visit:
    visit = _recordable_or_403(visit_id)
    _refuse_if_locked(visit)
    return visit


def _long_form_page(template: str, visit: Visit, form, draft_key: str, **context) -> str:
    return render_template(
        template,
        visit=visit,
        form=form,
        draft_key=draft_key,
        page_open_too_long=g.page_open_too_long,
        **context,
    )


def _monitor_choices() -> list[tuple]:
    return [("", "Select a quality monitor")] + [
        (monitor.id, monitor.full_name) for monitor in queries.active_monitors()
    ]


# Lists.


@visit_staff
def list_visits_due():
    today = clock.today_uk()
    show = request.args.get("show", "")
    status = queries.DUE_FILTERS.get(show)
    if status is None:
        show = ""
    due = queries.visits_due_page(today, status)
    return render_template(
        "quality/list_visits_due.html",
        rows=due.rows,
        page=due.page,
        show=show,
        filters=queries.DUE_FILTERS,
        counts=due.counts,
        total=sum(due.counts.values()),
        next_visit_months=rules.NEXT_VISIT_MONTHS,
    )


@visit_staff
def list_visits():
    show = request.args.get("show", "")
    if show not in queries.OWN_VISIT_FILTERS or not current_user.is_quality_monitor:
        show = ""
    page = queries.open_visits_page(current_user, show=show or None, today=clock.today_uk())
    return render_template(
        "quality/list_visits.html",
        open_visits=page.items,
        page=page,
        finalised=queries.recently_finalised(),
        mine_only=bool(show),
        show=show,
        filters=queries.OWN_VISIT_FILTERS,
    )


# Scheduling.


@visit_staff
def schedule_visit():
    homes = queries.admitted_homes()
    form = ScheduleVisitForm()
    form.home_id.choices = [("", "Select a care home")] + [
        (home.id, f"{home.name} ({home.provider.display_name})") for home in homes
    ]
    form.monitor_id.choices = _monitor_choices()
    next_types = queries.next_visit_types(clock.today_uk())
    if request.method == "GET":
        form.home_id.data = request.args.get("home_id", type=int)
        if form.home_id.data in next_types:
            form.visit_type.data = next_types[form.home_id.data].name
        if current_user.is_quality_monitor:
            form.monitor_id.data = current_user.id
    if form.validate_on_submit():
        home = db.session.get(CareHome, form.home_id.data)
        monitor = db.session.get(User, form.monitor_id.data)
        with refusal_shown_on(form.visit_type):
            visit = operations.schedule_visit(
                home,
                visit_type=VisitType[form.visit_type.data],
                monitor=monitor,
                planned_on=form.planned_on.data,
                planned_time=form.start_time,
                is_announced=form.is_announced.data == "yes",
                by=current_user,
            )
            flash(
                f"The visit to {home.name} is scheduled for "
                f"{naming.planned_for(visit)}. {monitor.full_name} has been told"
                + (
                    ", and so has the provider."
                    if visit.is_announced
                    else "; the provider has not (the visit is unannounced)."
                ),
                "success",
            )
            return _back_to(visit)
    return render_template(
        "quality/schedule_visit.html",
        form=form,
        has_homes=bool(homes),
        # For the script that chooses the type when a home is chosen: routine unless named.
        next_types={
            str(home_id): visit_type.name
            for home_id, visit_type in next_types.items()
            if visit_type is not VisitType.routine
        },
    )


def _open_visit_or_back(visit_id: int, changed: str) -> Visit:
    """The visit, while it is open; else back to it, saying it cannot be `changed`."""
    visit = _visit_or_404(visit_id)
    if not visit.is_open:
        flash(f"The visit is {visit.state.value.lower()}: it cannot be {changed}.")
        abort(_back_to(visit))
    return visit


@visit_staff
def reschedule_visit(visit_id: int):
    visit = _open_visit_or_back(visit_id, "changed")
    form = RescheduleVisitForm(
        data={
            "planned_on": visit.planned_on,
            "planned_time": visit.planned_time,
            "monitor_id": visit.monitor_id,
        }
    )
    if not visit.is_announced:
        del form.planned_time  # The provider is not told when: there is no time to keep.
    form.monitor_id.choices = _monitor_choices()
    if form.validate_on_submit():
        monitor = db.session.get(User, form.monitor_id.data)
        with refusal_shown_on(form.planned_on):
            operations.reschedule_visit(
                visit,
                planned_on=form.planned_on.data,
                planned_time=form.start_time,
                monitor=monitor,
                by=current_user,
            )
            flash(
                f"The visit is planned for {naming.planned_for(visit)} with "
                f"{visit.monitor.full_name}.",
                "success",
            )
            return _back_to(visit)
    return render_template("quality/reschedule_visit.html", visit=visit, form=form)


@visit_staff
def cancel_visit(visit_id: int):
    visit = _open_visit_or_back(visit_id, "cancelled")
    form = CancelVisitForm()
    if form.validate_on_submit():
        with refusal_shown_on(form.reason):
            operations.cancel_visit(visit, reason=form.reason.data, by=current_user)
            flash(f"The visit to {visit.care_home.name} has been cancelled.", "success")
            return _back_to(visit)
    return render_template("quality/cancel_visit.html", visit=visit, form=form)


# The record.


@visit_staff
def show_visit(visit_id: int):
    visit = queries.visit_for_page(visit_id)
    if visit is None:
        abort(404)
    can_record = visit.can_record(current_user)
    sections = visit.sections or queries.planned_sections(visit)
    rows = [
        queries.SectionRow(
            section=section,
            status=queries.section_status(section),
            href=url_for("quality.edit_section", visit_id=visit.id, section_key=section.key)
            if can_record
            else "",
        )
        for section in sections
    ]
    return render_template(
        "quality/show_visit.html",
        visit=visit,
        rows=rows,
        can_record=can_record,
        can_change=visit.can_change(current_user),
        can_add_addendum=visit.can_add_addendum(current_user),
        unrated=[row for row in rows if row.status != queries.COMPLETED],
        follow_up=queries.follow_up_of(visit),
        remove_form=RemoveActionForm(),
    )


@monitors_only
@keeps_typing
def edit_section(visit_id: int, section_key: str):
    visit = _open_record_or_403(visit_id)
    section = next((s for s in visit.sections or [] if s.key == section_key), None)
    planned = section or next(
        (s for s in queries.planned_sections(visit) if s.key == section_key), None
    )
    if planned is None:
        abort(404)
    data = {}
    if section is not None:
        data = {
            "rating": section.rating.name if section.rating else None,
            "findings": section.findings,
        }
    form = _long_form(SectionForm, data=data)
    key = _draft_key(visit, f"section-{section_key}")
    if _submitted(form):
        with refusal_shown_on(form.findings):
            operations.save_section(
                visit,
                section_key,
                rating=form.rating_value,
                findings=form.findings.data or "",
                by=current_user,
            )
            _draft_saved(key)
            rated = form.rating_value
            flash(
                f"{planned.title} has been saved"
                + (f", rated {rated.value}." if rated else " as a draft (not rated yet)."),
                "success",
            )
            if form.save_draft.data:
                return redirect(
                    url_for("quality.edit_section", visit_id=visit.id, section_key=section_key)
                )
            return _back_to(visit, "sections")
    return _long_form_page("quality/edit_section.html", visit, form, key, section=planned)


@monitors_only
@keeps_typing
def add_action(visit_id: int):
    visit = _open_record_or_403(visit_id)
    form = _long_form(ActionForm)
    key = _draft_key(visit, "action")
    if _submitted(form):
        with refusal_shown_on(form.description):
            operations.add_action(
                visit,
                description=form.description.data,
                priority=ActionPriority[form.priority.data],
                due_on=form.due_on.data,
                by=current_user,
            )
            _draft_saved(key)
            flash("The action has been added to the action plan.", "success")
            return _back_to(visit, "action-plan")
    return _long_form_page("quality/add_action.html", visit, form, key)


@monitors_only
def remove_action(visit_id: int, planned_action_id: int):
    visit = _recordable_or_403(visit_id)
    action = db.session.get(VisitAction, planned_action_id)
    if action is None or action.visit_id != visit.id:
        abort(404)
    _refuse_if_locked(visit)
    back = _visit_url(visit, "action-plan")
    if RemoveActionForm().validate_on_submit():
        with refusal_redirects_to(back):
            operations.remove_action(action, by=current_user)
            flash("The action has been removed from the action plan.", "success")
    return redirect(back)


@monitors_only
@keeps_typing
def finalise_visit(visit_id: int):
    visit = _open_record_or_403(visit_id)
    form = _long_form(FinaliseForm)
    key = _draft_key(visit, "finalise")
    if request.method == "GET":
        form.visited_on.data = visit.planned_on if visit.planned_on <= clock.today_uk() else None
    if _submitted(form):
        outcome = VisitOutcome[form.outcome.data]
        problems = operations.finalise_refusals(visit, outcome)
        if problems:
            form.outcome.errors = [*form.outcome.errors, *problems]
        else:
            with refusal_shown_on(form.outcome):
                operations.finalise_visit(
                    visit,
                    visited_on=form.visited_on.data,
                    outcome=outcome,
                    summary=form.summary.data,
                    by=current_user,
                )
                _draft_saved(key)
                message = (
                    f"The visit has been finalised: {outcome.value}. The report has been "
                    f"sent to {visit.provider.display_name}."
                )
                follow_up = queries.follow_up_of(visit)
                if follow_up is not None:
                    message += (
                        " A follow-up visit has been scheduled for "
                        f"{clock.format_date(follow_up.planned_on)} with "
                        f"{follow_up.monitor.full_name} (announced). The provider has been "
                        "told the date: give the visit a start time to tell them when."
                    )
                flash(message, "success")
                return _back_to(visit)
    return _long_form_page(
        "quality/finalise_visit.html",
        visit,
        form,
        key,
        unrated=queries.unrated_sections(visit) if visit.sections else [],
        next_visit_months=rules.NEXT_VISIT_MONTHS,
        follow_up_weeks=rules.FOLLOW_UP_AFTER_DAYS // 7,
    )


@visit_staff
@keeps_typing
def add_addendum(visit_id: int):
    visit = _visit_or_404(visit_id)
    if not visit.is_finalised:
        flash("Addenda are added to finalised visits: change the record itself.")
        return _back_to(visit)
    form = _long_form(AddendumForm)
    key = _draft_key(visit, "addendum")
    if _submitted(form):
        with refusal_shown_on(form.text):
            operations.add_addendum(visit, text=form.text.data, by=current_user)
            _draft_saved(key)
            flash(
                "The addendum has been added and the report drawn again with it. The provider "
                "has been told.",
                "success",
            )
            return _back_to(visit, "addenda")
    return _long_form_page("quality/add_addendum.html", visit, form, key)
