"""Rate card pages: officers and monitors read any provider's and home's rates (a provider
its own), officers change a rate from a date and plan uplifts after a preview; CSV exports."""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from dps_portal.core import clock
from dps_portal.core.access import role_required
from dps_portal.core.forms import id_from
from dps_portal.core.money import apply_percentage
from dps_portal.core.roles import Role
from dps_portal.core.web import refusal_redirects_to, refusal_shown_on, requested_page
from dps_portal.extensions import db
from dps_portal.framework.models import CareSetting, Category, current_framework
from dps_portal.onboarding.admissions import admitted_categories
from dps_portal.providers.models import CareHome, ProviderOrganisation
from dps_portal.providers.queries import own_provider_id
from dps_portal.rates import operations, queries
from dps_portal.rates.forms import (
    CancelUpliftForm,
    ChangeRateForm,
    ConfirmUpliftForm,
    UpliftForm,
    parse_percent,
)
from dps_portal.rates.models import can_change_rates, can_read_rate_card

READERS = (Role.contracts_officer, Role.quality_monitor)


def _provider_or_404(provider_id: int) -> ProviderOrganisation:
    """The provider if the user may read its rate card; 404 alike for one that is not there
    and one that is another's, so ids cannot be probed."""
    provider = db.session.get(ProviderOrganisation, provider_id)
    if provider is None or not can_read_rate_card(current_user, provider.id):
        abort(404)
    return provider


def _home_or_404(home_id: int) -> CareHome:
    home = db.session.get(CareHome, home_id)
    if home is None or not can_read_rate_card(current_user, home.provider_id):
        abort(404)
    return home


@role_required(Role.provider)
def show_own_rates():
    return redirect(url_for("rates.show_provider_rates", provider_id=own_provider_id()))


@role_required(*READERS, Role.provider)
def show_provider_rates(provider_id: int):
    provider = _provider_or_404(provider_id)
    page = queries.provider_homes(provider.id, requested_page())
    today = clock.today_uk()
    return render_template(
        "rates/provider_rates.html",
        provider=provider,
        page=page,
        homes=page.items,
        card=queries.rate_card([home.id for home in page.items], today),
        today=today,
        may_change=can_change_rates(current_user),
    )


@role_required(*READERS, Role.provider)
def show_home_rates(home_id: int):
    home = _home_or_404(home_id)
    today = clock.today_uk()
    return render_template(
        "rates/home_rates.html",
        home=home,
        lines=queries.rate_card([home.id], today)[home.id],
        today=today,
        may_change=can_change_rates(current_user),
    )


@role_required(Role.contracts_officer)
def change_rate(home_id: int):
    home = _home_or_404(home_id)
    categories = admitted_categories(home)
    framework = current_framework()
    settings = list(framework.settings) if framework else []
    form = ChangeRateForm()
    form.category.choices = [(str(category.id), category.name) for category in categories]
    form.setting.choices = [(str(setting.id), setting.name) for setting in settings]
    if request.method == "GET":
        form.category.data = request.args.get("category") or (
            str(categories[0].id) if len(categories) == 1 else None
        )
        form.setting.data = request.args.get("setting") or (
            str(home.setting_id) if home.setting_id else None
        )
    if categories and form.validate_on_submit():
        with refusal_shown_on(form.effective_from):
            entry = operations.change_rate(
                home,
                db.session.get(Category, int(form.category.data)),
                db.session.get(CareSetting, int(form.setting.data)),
                weekly_rate=form.weekly_rate.amount,
                effective_from=form.effective_from.data,
                reason=form.reason.data or "",
                by=current_user,
            )
            flash(
                f"The new rate for {entry.category.name}, {entry.setting.name.lower()} is "
                f"saved from {clock.format_date(entry.effective_from)}.",
                "success",
            )
            return redirect(url_for("rates.show_home_rates", home_id=home.id))
    return render_template(
        "rates/change_rate.html",
        home=home,
        categories=categories,
        form=form,
        lines=queries.rate_card([home.id], clock.today_uk())[home.id],
    )


@role_required(*READERS)
def list_uplifts():
    page = queries.uplifts(requested_page())
    return render_template(
        "rates/uplifts.html",
        page=page,
        uplifts=page.items,
        today=clock.today_uk(),
        may_change=can_change_rates(current_user),
    )


@role_required(Role.contracts_officer)
def plan_uplift():
    categories = _categories()
    form = UpliftForm()
    form.category.choices = [(str(category.id), category.name) for category in categories]
    if request.method == "GET" and request.args:
        # Back from the preview to change something: what was chosen stays.
        previewed = _previewed(request.args)
        if previewed is not None:
            form.category.data = str(previewed.category.id)
            form.percent.data = format(previewed.percent.normalize(), "f")
            form.effective_on.data = previewed.effective_on
            form.reason.data = previewed.reason
    if form.validate_on_submit():
        category = db.session.get(Category, int(form.category.data))
        with refusal_shown_on(form.effective_on):
            operations.check_uplift(category, form.percent.percent, form.effective_on.data)
            return redirect(
                url_for(
                    "rates.preview_uplift",
                    category=category.id,
                    percent=format(form.percent.percent.normalize(), "f"),
                    effective_on=form.effective_on.data.isoformat(),
                    reason=form.reason.data or "",
                )
            )
    return render_template("rates/plan_uplift.html", form=form)


@role_required(Role.contracts_officer)
def preview_uplift():
    values = request.form if request.method == "POST" else request.args
    previewed = _previewed(values)
    if previewed is None:
        flash("Enter the uplift again: its details were not complete.")
        return redirect(url_for("rates.plan_uplift"))
    back = url_for("rates.plan_uplift", **previewed.query)
    form = ConfirmUpliftForm()
    if form.validate_on_submit():
        with refusal_redirects_to(back):
            uplift = operations.plan_uplift(
                previewed.category,
                percent=previewed.percent,
                effective_on=previewed.effective_on,
                reason=previewed.reason,
                by=current_user,
            )
            flash(f"{uplift.label} of {previewed.category.name} is planned.", "success")
            return redirect(url_for("rates.show_uplift", uplift_id=uplift.id))
    with refusal_redirects_to(back):
        operations.check_uplift(previewed.category, previewed.percent, previewed.effective_on)
    for name, value in previewed.query.items():
        getattr(form, name).data = value
    category_id, effective_on = previewed.category.id, previewed.effective_on
    rates = queries.preview_rates(category_id, effective_on, requested_page())
    placements = queries.preview_placements(
        category_id, effective_on, request.args.get("placements_page", 1, type=int)
    )
    return render_template(
        "rates/preview_uplift.html",
        previewed=previewed,
        rates=rates,
        placements=placements,
        new=lambda amount: apply_percentage(amount, previewed.percent),
        form=form,
        back=back,
    )


@role_required(*READERS)
def show_uplift(uplift_id: int):
    uplift = queries.uplift_or_404(uplift_id)
    return render_template(
        "rates/show_uplift.html",
        uplift=uplift,
        may_cancel=uplift.can_cancel(current_user, clock.today_uk()),
    )


@role_required(Role.contracts_officer)
def cancel_uplift(uplift_id: int):
    uplift = queries.uplift_or_404(uplift_id)
    if not uplift.can_cancel(current_user, clock.today_uk()):
        flash("This uplift can no longer be cancelled.")
        return redirect(url_for("rates.show_uplift", uplift_id=uplift.id))
    form = CancelUpliftForm()
    if form.validate_on_submit():
        with refusal_redirects_to(url_for("rates.show_uplift", uplift_id=uplift.id)):
            operations.cancel_uplift(uplift, by=current_user)
            flash(f"{uplift.label} of {uplift.category.name} is cancelled.", "success")
        return redirect(url_for("rates.show_uplift", uplift_id=uplift.id))
    return render_template("rates/cancel_uplift.html", uplift=uplift, form=form)


# CSV exports.


@role_required(Role.contracts_officer)
def download_current_rates():
    today = clock.today_uk()
    return _csv(
        f"current-rates-{today.isoformat()}.csv",
        queries.CURRENT_RATES_COLUMNS,
        queries.current_rates_rows(today),
    )


@role_required(*READERS, Role.provider)
def download_provider_rates(provider_id: int):
    provider = _provider_or_404(provider_id)
    today = clock.today_uk()
    return _csv(
        f"rate-card-{provider.id}-{today.isoformat()}.csv",
        queries.RATE_CARD_COLUMNS,
        list(queries.rate_card_rows(provider.id, today)),
    )


def _csv(filename: str, columns: Iterable[str], rows: Iterable[tuple]) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([_cell(value) for value in row] for row in rows)
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _cell(value) -> str:
    """A value a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


# The previewed uplift, carried in the preview's address and its confirmation's fields.


@dataclass(frozen=True)
class Previewed:
    category: Category
    percent: Decimal
    effective_on: date
    reason: str

    @property
    def query(self) -> dict:
        return {
            "category": str(self.category.id),
            "percent": format(self.percent.normalize(), "f"),
            "effective_on": self.effective_on.isoformat(),
            "reason": self.reason,
        }


def _categories() -> list[Category]:
    framework = current_framework()
    return list(framework.categories) if framework else []


def _previewed(values) -> Previewed | None:
    """The uplift the values describe, or None when they do not describe one."""
    category_id = id_from(values.get("category"))
    category = next((c for c in _categories() if c.id == category_id), None)
    percent = parse_percent(values.get("percent"))
    try:
        effective_on = date.fromisoformat(values.get("effective_on") or "")
    except ValueError:
        effective_on = None
    reason = (values.get("reason") or "").strip()
    if category is None or percent is None or effective_on is None or len(reason) > 1000:
        return None
    return Previewed(category, percent, effective_on, reason)
