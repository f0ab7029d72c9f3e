from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from dps_portal.core.access import role_required
from dps_portal.core.forms import MoneyField
from dps_portal.core.roles import Role
from dps_portal.core.web import refusal_redirects_to, refusal_shown_on
from dps_portal.documents.responses import attachment
from dps_portal.documents.sniffing import PDF
from dps_portal.documents.storage import DocumentUnavailable, read_document
from dps_portal.extensions import db
from dps_portal.framework import forms, operations, queries
from dps_portal.framework.models import Framework, current_framework
from dps_portal.framework.summary import (
    SummaryStatus,
    job_running_since,
    summary_filename,
    summary_status,
)


def _framework_or_404() -> Framework:
    framework = current_framework()
    if framework is None:
        abort(404)
    return framework


@role_required(Role.contracts_officer, Role.quality_monitor, Role.administrator)
def download_summary():
    """The newest summary the job kept. None is drawn here (at a county's size that takes
    longer than a request may): until the job has kept one, the page says when it will be."""
    framework = _framework_or_404()
    status = summary_status(framework)
    if status.is_ready:
        try:
            data = read_document(status.document)
        except DocumentUnavailable as problem:
            # The job draws it again on its next run (keep_summary reads the kept file).
            current_app.logger.error("The kept framework summary cannot be read: %s", problem)
            status = SummaryStatus(None, preparing_since=job_running_since())
    if not status.is_ready:
        return render_template(
            "framework/summary_being_prepared.html", framework=framework, status=status
        )
    # Read whole (a few hundred kilobytes), so no file stays open after the response.
    return attachment(BytesIO(data), media_type=PDF, filename=summary_filename(framework))


@role_required(Role.contracts_officer)
def prepare_summary():
    """An officer asks for the summary now: the job runs in the background."""
    _framework_or_404()
    if not FlaskForm().validate_on_submit():
        abort(400)
    with refusal_redirects_to(url_for("framework.download_summary")):
        g.framework_summary_run = operations.prepare_summary_now(current_app._get_current_object())
    flash(
        "The framework summary is being prepared. It will be ready in a few minutes: "
        "download it from this page then.",
        "success",
    )
    return redirect(url_for("framework.download_summary"))


# Administration: the framework's settings and lists, kept by administrators as data.


def _settings_page():
    return redirect(url_for("framework.show_settings"))


@role_required(Role.administrator)
def show_settings():
    framework = queries.framework_for_admin(_framework_or_404().id)
    urls = {
        "contact": url_for("framework.edit_contact_details"),
        "times": url_for("framework.edit_times"),
        "thresholds": url_for("framework.edit_thresholds"),
        "categories": url_for("framework.list_categories"),
        "districts": url_for("framework.list_districts"),
        "care_settings": url_for("framework.list_care_settings"),
    }
    return render_template(
        "framework/admin/settings.html",
        framework=framework,
        groups=queries.settings_summary(framework, urls),
    )


def _edit_settings(form_class, change, fields, template: str, done: str):
    """A form of the framework's own settings: filled from it, saved by `change`."""
    framework = _framework_or_404()
    form = form_class(obj=framework)
    if form.validate_on_submit():
        values = {name: _value_of(form[name]) for name in fields}
        with _refusal_shown_on_its_field(form):
            if change(framework, by=current_user, **values):
                flash(done, "success")
            return _settings_page()
    return render_template(template, form=form, framework=framework)


def _value_of(field):
    """What a field holds: the amount of a money field, the data of the others."""
    return field.amount if isinstance(field, MoneyField) else field.data


@contextmanager
def _refusal_shown_on_its_field(form):
    """A refusal about one field is shown on it, as typed."""
    try:
        yield
    except operations.RefusedForField as refusal:
        with refusal_shown_on(form[refusal.field]):
            raise


@role_required(Role.administrator)
def edit_contact_details():
    return _edit_settings(
        forms.ContactDetailsForm,
        operations.change_contact_details,
        operations.CONTACT_DETAILS,
        "framework/admin/edit_contact_details.html",
        "The contact details are saved.",
    )


@role_required(Role.administrator)
def edit_times():
    return _edit_settings(
        forms.TimesForm,
        operations.change_times,
        operations.TIMES,
        "framework/admin/edit_times.html",
        "The decision and response times are saved.",
    )


@role_required(Role.administrator)
def edit_thresholds():
    return _edit_settings(
        forms.ThresholdsForm,
        operations.change_thresholds,
        operations.THRESHOLDS,
        "framework/admin/edit_thresholds.html",
        "The thresholds are saved.",
    )


# The lists: categories, districts and care settings, with the same five pages each.


@dataclass(frozen=True)
class ListPages:
    """One list's pages: its kind, the words for it, its form and its endpoints."""

    kind: operations.ListKind
    title: str
    plural: str
    form_class: type
    template: str
    endpoint: str  # "category": list_categories, add_category, edit_category, ...
    list_endpoint: str

    @property
    def noun(self) -> str:
        return self.kind.noun

    def url(self, verb: str, item=None) -> str:
        if item is None:
            return url_for(f"framework.{verb}_{self.endpoint}")
        return url_for(f"framework.{verb}_{self.endpoint}", **{self.id_name: item.id})

    @property
    def id_name(self) -> str:
        return "setting_id" if self.endpoint == "care_setting" else f"{self.endpoint}_id"


CATEGORY_PAGES = ListPages(
    operations.CATEGORIES,
    "Categories",
    "categories",
    forms.CategoryForm,
    "framework/admin/edit_category.html",
    "category",
    "framework.list_categories",
)
DISTRICT_PAGES = ListPages(
    operations.DISTRICTS,
    "Districts",
    "districts",
    forms.DistrictForm,
    "framework/admin/edit_district.html",
    "district",
    "framework.list_districts",
)
CARE_SETTING_PAGES = ListPages(
    operations.CARE_SETTINGS,
    "Care settings",
    "care settings",
    forms.CareSettingForm,
    "framework/admin/edit_care_setting.html",
    "care_setting",
    "framework.list_care_settings",
)


def _item_or_404(pages: ListPages, item_id: int):
    """An item of the current framework's list; any other id is not found."""
    framework = _framework_or_404()
    item = db.session.get(pages.kind.model, item_id)
    if item is None or item.framework_id != framework.id:
        abort(404)
    return item


def _list(pages: ListPages):
    framework = queries.framework_for_admin(_framework_or_404().id)
    items = {
        operations.CATEGORIES: framework.categories,
        operations.DISTRICTS: framework.districts,
        operations.CARE_SETTINGS: framework.settings,
    }[pages.kind]
    return render_template("framework/admin/list.html", pages=pages, items=items)


def _add(pages: ListPages):
    framework = _framework_or_404()
    form = pages.form_class()
    if form.validate_on_submit():
        with _refusal_shown_on_its_field(form):
            item = operations.add_to_list(
                framework, pages.kind, by=current_user, **_item_values(form, pages)
            )
            flash(f"{item.name} is added.", "success")
            return redirect(url_for(pages.list_endpoint))
    return render_template(pages.template, pages=pages, form=form, item=None)


def _edit(pages: ListPages, item_id: int):
    item = _item_or_404(pages, item_id)
    form = pages.form_class(obj=item)
    for fixed in pages.kind.fixed:
        del form[fixed]
    if request.method == "GET" and "is_out_of_county" in form:
        form.is_out_of_county.data = "yes" if item.is_out_of_county else "no"
    if form.validate_on_submit():
        with _refusal_shown_on_its_field(form):
            if operations.change_in_list(item, by=current_user, **_item_values(form, pages)):
                flash(f"{item.name} is saved.", "success")
            return redirect(url_for(pages.list_endpoint))
    return render_template(pages.template, pages=pages, form=form, item=item)


def _item_values(form, pages: ListPages) -> dict:
    names = (*pages.kind.fixed, *pages.kind.changeable)
    values = {name: form[name].data for name in names if name in form}
    if "is_out_of_county" in values:
        values["is_out_of_county"] = values["is_out_of_county"] == "yes"
    return values


def _move(pages: ListPages, item_id: int):
    item = _item_or_404(pages, item_id)
    direction = request.form.get("direction")
    if direction not in ("up", "down") or not FlaskForm().validate_on_submit():
        abort(400)
    if operations.move_in_list(item, up=direction == "up", by=current_user):
        flash(f"{item.name} is moved {direction}.", "success")
    return redirect(url_for(pages.list_endpoint))


def _remove(pages: ListPages, item_id: int):
    item = _item_or_404(pages, item_id)
    form = FlaskForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        name = item.name
        with refusal_redirects_to(pages.url("remove", item)):
            operations.remove_from_list(item, by=current_user)
        flash(f"{name} is removed.", "success")
        return redirect(url_for(pages.list_endpoint))
    return render_template(
        "framework/admin/remove.html",
        pages=pages,
        item=item,
        problem=operations.removal_problem(item),
        remove_form=form,
    )


@role_required(Role.administrator)
def list_categories():
    return _list(CATEGORY_PAGES)


@role_required(Role.administrator)
def add_category():
    return _add(CATEGORY_PAGES)


@role_required(Role.administrator)
def edit_category(category_id: int):
    return _edit(CATEGORY_PAGES, category_id)


@role_required(Role.administrator)
def move_category(category_id: int):
    return _move(CATEGORY_PAGES, category_id)


@role_required(Role.administrator)
def remove_category(category_id: int):
    return _remove(CATEGORY_PAGES, category_id)


@role_required(Role.administrator)
def list_districts():
    return _list(DISTRICT_PAGES)


@role_required(Role.administrator)
def add_district():
    return _add(DISTRICT_PAGES)


@role_required(Role.administrator)
def edit_district(district_id: int):
    return _edit(DISTRICT_PAGES, district_id)


@role_required(Role.administrator)
def move_district(district_id: int):
    return _move(DISTRICT_PAGES, district_id)


@role_required(Role.administrator)
def remove_district(district_id: int):
    return _remove(DISTRICT_PAGES, district_id)


@role_required(Role.administrator)
def list_care_settings():
    return _list(CARE_SETTING_PAGES)


@role_required(Role.administrator)
def add_care_setting():
    return _add(CARE_SETTING_PAGES)


@role_required(Role.administrator)
def edit_care_setting(setting_id: int):
    return _edit(CARE_SETTING_PAGES, setting_id)


@role_required(Role.administrator)
def move_care_setting(setting_id: int):
    return _move(CARE_SETTING_PAGES, setting_id)


@role_required(Role.administrator)
def remove_care_setting(setting_id: int):
    return _remove(CARE_SETTING_PAGES, setting_id)
