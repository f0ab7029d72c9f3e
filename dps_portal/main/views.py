from flask import jsonify, redirect, render_template
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from dps_portal.accounts.views import home_url_for
from dps_portal.contracts.terms.queries import terms_to_accept
from dps_portal.core import clock
from dps_portal.core.access import public, role_required
from dps_portal.core.roles import Role
from dps_portal.cqc.queries import reviews_waiting as cqc_reviews_waiting
from dps_portal.extensions import db
from dps_portal.framework.models import current_framework
from dps_portal.main import queries
from dps_portal.providers import queries as provider_queries
from dps_portal.providers.queries import readiness
from dps_portal.vacancies.forms import ConfirmVacanciesForm
from dps_portal.vacancies.queries import own_vacancies_by_home


@public
def index():
    if current_user.is_authenticated:
        return redirect(home_url_for(current_user))
    return render_template("main/index.html", framework=current_framework())


@public
def healthz():
    # Its own connection, outside the request's transaction: a failure leaves nothing to undo.
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@public
def accessibility_statement():
    framework = current_framework()
    return render_template(
        "main/accessibility.html", contact_email=framework.contact_email if framework else ""
    )


@role_required(Role.provider)
def provider_home():
    homes = provider_queries.own_homes()
    return render_template(
        "main/provider_home.html",
        organisation=current_user.provider,
        homes=homes,
        readiness=readiness(current_user.provider, homes),
        quality_actions_to_answer=queries.quality_actions_to_answer(current_user.provider_id),
        terms_to_accept=terms_to_accept(current_user.provider, clock.today_uk()),
        opportunities=queries.opportunity_counts(current_user.provider_id, clock.now()),
        vacancies=own_vacancies_by_home(current_user.provider_id, clock.now()),
        placements_to_start=queries.placements_to_start(current_user.provider_id),
        offers_to_answer=queries.offers_to_answer(current_user.provider_id, clock.now()),
        confirm_vacancies_form=ConfirmVacanciesForm(),
    )


@role_required(Role.contracts_officer)
def officer_home():
    return render_template(
        "main/officer_home.html",
        summary=queries.market_summary(),
        applications=queries.application_counts(clock.today_uk()),
        suspension_recommendations=queries.suspension_recommendations_waiting(),
        cqc_reviews=cqc_reviews_waiting(),
        summary_status=queries.framework_summary_status(),
        tenders=queries.tender_counts(clock.now()),
        placement_work=queries.placement_work(clock.now(), clock.today_uk()),
    )


@role_required(Role.quality_monitor)
def monitor_home():
    return render_template(
        "main/monitor_home.html",
        summary=queries.market_summary(),
        actions_waiting=queries.actions_waiting_for_verification(),
        visit_counts=queries.monitor_visit_counts(current_user, clock.today_uk()),
        summary_status=queries.framework_summary_status(),
    )


@role_required(Role.administrator)
def admin_home():
    return render_template("main/admin_home.html", summary=queries.admin_summary())
