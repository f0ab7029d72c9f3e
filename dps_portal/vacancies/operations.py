"""Every change to vacancies: a provider sets the beds free in a home (per category and
setting) or confirms in one click that its home's vacancies are still accurate."""

from datetime import date

from sqlalchemy import select, update

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import record_event
from dps_portal.core import clock
from dps_portal.core.errors import OperationRefused
from dps_portal.core.roles import Role
from dps_portal.core.states import lock
from dps_portal.extensions import db
from dps_portal.framework.models import CareSetting, Category
from dps_portal.onboarding.admissions import is_admitted
from dps_portal.providers.models import CareHome
from dps_portal.vacancies.models import MAX_BEDS, Vacancy


def set_vacancy(
    home: CareHome,
    *,
    category: Category,
    setting: CareSetting,
    beds_free: int,
    available_from: date,
    note: str,
    by,
) -> Vacancy:
    """Say how many beds are free in `home` for a category and setting, from a date (0: none
    now). Setting it is confirming it."""
    _check_own(home, by)
    lock(home)
    if not is_admitted(home, category):
        raise OperationRefused(f"{home.name} is not admitted to {category.name}")
    if not 0 <= beds_free <= MAX_BEDS:
        raise OperationRefused(f"Enter a number of beds between 0 and {MAX_BEDS}")
    note = (note or "").strip()
    vacancy = db.session.scalars(
        select(Vacancy).where(
            Vacancy.care_home_id == home.id,
            Vacancy.category_id == category.id,
            Vacancy.setting_id == setting.id,
        )
    ).first()
    now = clock.now()
    before = _snapshot(vacancy) if vacancy is not None else None
    if vacancy is None:
        vacancy = Vacancy(care_home_id=home.id, category_id=category.id, setting_id=setting.id)
        db.session.add(vacancy)
    vacancy.beds_free = beds_free
    vacancy.available_from = available_from
    vacancy.note = note
    vacancy.confirmed_at = now
    vacancy.confirmed_by_id = by.id
    db.session.flush()
    record_event(
        AuditAction.vacancy_updated,
        actor=by,
        subject=vacancy,
        before=before,
        after=_snapshot(vacancy),
    )
    return vacancy


def confirm_vacancies(home: CareHome, *, by) -> int:
    """The provider says every vacancy of `home` is still accurate: one click. Answers how
    many were confirmed."""
    _check_own(home, by)
    lock(home)
    ids = list(db.session.scalars(select(Vacancy.id).where(Vacancy.care_home_id == home.id)))
    if not ids:
        raise OperationRefused(f"{home.name} has no vacancies to confirm: add one first")
    db.session.execute(
        update(Vacancy)
        .where(Vacancy.id.in_(ids))
        .values(confirmed_at=clock.now(), confirmed_by_id=by.id)
        .execution_options(synchronize_session="fetch")
    )
    record_event(
        AuditAction.vacancies_confirmed, actor=by, subject=home, after={"vacancies": len(ids)}
    )
    return len(ids)


def _check_own(home: CareHome, by) -> None:
    if by.role is not Role.provider or by.provider_id != home.provider_id:
        raise OperationRefused("Only the home's own provider can change its vacancies")


def _snapshot(vacancy: Vacancy) -> dict:
    return {
        "home": vacancy.care_home_id,
        "category": vacancy.category_id,
        "setting": vacancy.setting_id,
        "beds_free": vacancy.beds_free,
        "available_from": vacancy.available_from.isoformat(),
        "note": vacancy.note,
    }
