"""Vacancy pages: a provider keeps its homes' beds free and confirms them in one click;
officers and monitors read the board of beds free by district and category."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from dps_portal.core import clock
from dps_portal.core.access import role_required
from dps_portal.core.errors import OperationRefused
from dps_portal.core.forms import id_from
from dps_portal.core.roles import Role
from dps_portal.core.web import refusal_shown_on, requested_page
from dps_portal.extensions import db
from dps_portal.framework.models import CareSetting, Category, current_framework
from dps_portal.framework.queries import framework_lists
from dps_portal.providers.models import CareHome
from dps_portal.providers.queries import own_row_or_404
from dps_portal.vacancies import operations, queries
from dps_portal.vacancies.forms import ConfirmVacanciesForm, VacancyForm
from dps_portal.vacancies.rules import fresh_since, stale_after_in_words


@role_required(Role.provider)
def edit_vacancies(home_id: int):
    home = own_row_or_404(CareHome, home_id)
    categories = queries.admitted_categories(home)
    settings = queries.settings()
    form = VacancyForm()
    form.category.choices = [(str(category.id), category.name) for category in categories]
    form.setting.choices = [(str(setting.id), setting.name) for setting in settings]
    if request.method == "GET" and form.setting.data is None and home.setting_id:
        form.setting.data = str(home.setting_id)
    if categories and form.validate_on_submit():
        with refusal_shown_on(form.beds_free):
            operations.set_vacancy(
                home,
                category=db.session.get(Category, int(form.category.data)),
                setting=db.session.get(CareSetting, int(form.setting.data)),
                beds_free=form.beds_free.data,
                available_from=form.available_from.data,
                note=form.note.data or "",
                by=current_user,
            )
            flash("The vacancy is saved.", "success")
            return redirect(url_for("vacancies.edit_vacancies", home_id=home.id))
    return render_template(
        "vacancies/edit_vacancies.html",
        home=home,
        categories=categories,
        vacancies=queries.vacancies_of(home),
        form=form,
        confirm_form=ConfirmVacanciesForm(),
        fresh_since=fresh_since(),
        stale_after=stale_after_in_words(),
    )


@role_required(Role.provider)
def confirm_vacancies(home_id: int):
    home = own_row_or_404(CareHome, home_id)
    form = ConfirmVacanciesForm()
    back = request.form.get("next") == "home"
    if form.validate_on_submit():
        try:
            count = operations.confirm_vacancies(home, by=current_user)
        except OperationRefused as refusal:
            flash(str(refusal), "important")
        else:
            flash(
                f"{home.name}: {count} vacanc{'y' if count == 1 else 'ies'} confirmed as still "
                "accurate.",
                "success",
            )
    return redirect(
        url_for("main.provider_home")
        if back
        else url_for("vacancies.edit_vacancies", home_id=home.id)
    )


@role_required(Role.contracts_officer, Role.quality_monitor)
def show_board():
    framework = current_framework()
    filters = queries.BoardFilters(
        category_id=id_from(request.args.get("category")),
        district_id=id_from(request.args.get("district")),
        setting_id=id_from(request.args.get("setting")),
        include_stale=request.args.get("stale") in ("yes", "only"),
        stale_only=request.args.get("stale") == "only",
    )
    now = clock.now()
    page = queries.board(filters, requested_page(), now)
    return render_template(
        "vacancies/board.html",
        page=page,
        vacancies=page.items,
        filters=filters,
        beds=queries.beds_by_category(filters, now),
        lists=framework_lists(framework, "categories", "districts", "settings"),
        fresh_since=fresh_since(now),
        args={key: value for key, value in request.args.items() if key != "page"},
    )
