from flask import jsonify, redirect, render_template
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from dps_portal.accounts.views import home_url_for
from dps_portal.core import clock
from dps_portal.core.access import public, role_required
from dps_portal.core.roles import Role
from dps_portal.extensions import db
from dps_portal.framework.models import council_contact, current_framework
from dps_portal.main import provider_queries as work_queues
from dps_portal.main import queries, staff_queries
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
    return render_template("main/accessibility.html", contact=council_contact())


@role_required(Role.provider)
def provider_home():
    organisation = current_user.provider
    homes = provider_queries.own_homes()
    now = clock.now()
    queue = work_queues.provider_home(
        organisation, homes, current_framework(), now, clock.today_uk()
    )
    return render_template(
        "main/provider_home.html",
        organisation=organisation,
        homes=homes,
        queue=queue,
        homes_shown=work_queues.HOMES_SHOWN,
        # The checklist, until the provider has sent an application.
        readiness=None if queue.counts.applications_sent else readiness(organisation, homes),
        vacancies=own_vacancies_by_home(organisation.id, now),
        confirm_vacancies_form=ConfirmVacanciesForm(),
    )


@role_required(Role.contracts_officer)
def officer_home():
    return render_template(
        "main/officer_home.html",
        summary=queries.market_summary(),
        work=staff_queries.officer_work(clock.now(), clock.today_uk()),
        summary_status=queries.framework_summary_status(),
    )


@role_required(Role.quality_monitor)
def monitor_home():
    counts = work_queues.monitor_counts(current_user, clock.today_uk())
    return render_template(
        "main/monitor_home.html",
        summary=queries.market_summary(),
        work=work_queues.monitor_work(counts),
        summary_status=queries.framework_summary_status(),
    )


@role_required(Role.administrator)
def admin_home():
    return render_template("main/admin_home.html", work=staff_queries.admin_work(clock.now()))
