"""Every change to the rate card: an officer's change of one rate from a date, an uplift
planned (after its preview) or cancelled, and an uplift applied on its date. Nothing is
overwritten: each change is a new entry (or a new placement cost) from a date."""

from datetime import date
from decimal import Decimal

from sqlalchemy import insert, select

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import record_created, record_events
from dps_portal.core import clock
from dps_portal.core.errors import OperationRefused
from dps_portal.core.forms import MONEY_LIMIT
from dps_portal.core.money import apply_percentage, format_gbp, to_money
from dps_portal.core.states import lock, move
from dps_portal.extensions import db
from dps_portal.framework.models import CareSetting, Category
from dps_portal.notifications.operations import tell_organisations
from dps_portal.onboarding.admissions import is_admitted
from dps_portal.placements.models import Placement, PlacementCost
from dps_portal.providers.models import CareHome
from dps_portal.rates import queries
from dps_portal.rates.models import (
    RateCardEntry,
    Uplift,
    UpliftState,
    can_change_rates,
)

LOWEST_PERCENT = Decimal("-50")
HIGHEST_PERCENT = Decimal("50")


def change_rate(
    home: CareHome,
    category: Category,
    setting: CareSetting,
    *,
    weekly_rate: Decimal,
    effective_from: date,
    reason: str,
    by,
) -> RateCardEntry:
    """A new rate for a home, category and setting from a date: a new entry, nothing
    overwritten. The date must come after the latest entry's (in force or from a later
    date), so the history reads forward and no period already covered is rewritten
    silently; it may be in the past, to record a rate agreed late."""
    if not can_change_rates(by):
        raise OperationRefused("Only contracts officers can change a rate")
    reason = (reason or "").strip()
    if not reason:
        raise OperationRefused("Enter the reason for the change")
    weekly_rate = to_money(weekly_rate)
    if not Decimal(0) < weekly_rate < MONEY_LIMIT:
        raise OperationRefused("Enter a weekly rate more than £0")
    lock(home)
    if not is_admitted(home, category):
        raise OperationRefused(f"{home.name} is not admitted to {category.name}")
    latest = queries.latest_entry_on(home.id, category.id, setting.id)
    if latest is not None and effective_from == latest.effective_from:
        raise OperationRefused(
            f"A rate of {format_gbp(latest.weekly_rate)} already starts on "
            f"{clock.format_date(effective_from)}: enter a later date"
        )
    if latest is not None and effective_from < latest.effective_from:
        raise OperationRefused(
            f"Enter a date after {clock.format_date(latest.effective_from)}: the latest rate "
            f"({format_gbp(latest.weekly_rate)}) starts then, and a change starts after it"
        )
    entry = RateCardEntry(
        care_home_id=home.id,
        category_id=category.id,
        setting_id=setting.id,
        weekly_rate=weekly_rate,
        effective_from=effective_from,
        reason=reason,
        source="officer",
        created_by_id=by.id,
    )
    return record_created(
        entry,
        AuditAction.rate_changed,
        by=by,
        after={
            "home": home.id,
            "category": category.code,
            "setting": setting.code,
            "weekly_rate": weekly_rate,
            "effective_from": effective_from.isoformat(),
            "previous_rate": None if latest is None else latest.weekly_rate,
            "reason": reason,
        },
    )


def check_uplift(category: Category, percent: Decimal, effective_on: date) -> None:
    """The rules of an uplift, asked before its preview and again when it is confirmed."""
    if not LOWEST_PERCENT < percent <= HIGHEST_PERCENT or percent == 0:
        raise OperationRefused("Enter a percentage more than -50 and at most 50, not 0")
    if effective_on < clock.today_uk():
        raise OperationRefused("Enter a date from today: an uplift cannot start in the past")
    clash = db.session.scalars(
        select(Uplift).where(
            Uplift.category_id == category.id,
            Uplift.effective_on == effective_on,
            Uplift.state != UpliftState.cancelled,
        )
    ).first()
    if clash is not None:
        raise OperationRefused(
            f"{category.name} already has an uplift from {clock.format_date(effective_on)} "
            f"({clash.percent_text}, {clash.state.value.lower()}): cancel it first"
        )


def plan_uplift(
    category: Category, *, percent: Decimal, effective_on: date, reason: str, by
) -> Uplift:
    """The officer confirms an uplift after its preview: planned until the job applies it on
    its date."""
    if not can_change_rates(by):
        raise OperationRefused("Only contracts officers can plan an uplift")
    percent = Decimal(percent)
    check_uplift(category, percent, effective_on)
    uplift = Uplift(
        category_id=category.id,
        percent=percent,
        effective_on=effective_on,
        state=UpliftState.planned,
        reason=(reason or "").strip(),
        created_by_id=by.id,
    )
    return record_created(
        uplift,
        AuditAction.uplift_planned,
        by=by,
        after={
            "category": category.code,
            "percent": percent,
            "effective_on": effective_on.isoformat(),
            "reason": uplift.reason,
        },
    )


def cancel_uplift(uplift: Uplift, *, by) -> None:
    """A planned uplift is cancelled before its date; nothing it would have made is made."""
    lock(uplift)
    if not uplift.can_cancel(by, clock.today_uk()):
        if uplift.state is UpliftState.planned and can_change_rates(by):
            raise OperationRefused(
                "This uplift starts today or has started: it can no longer be cancelled"
            )
        raise OperationRefused("This uplift cannot be cancelled")
    move(uplift, UpliftState.cancelled, by=by, event=AuditAction.uplift_cancelled)


def apply_uplift(uplift: Uplift) -> dict:
    """Make the uplift's new rates and placement costs, from its date, in a fixed number of
    statements however many homes and placements: the rates in force the day before (one
    read), the new entries (one insert), their ids (one read) and audit events; the same for
    the placements' costs; then the uplift is applied and the providers told. What already
    starts that day is left as it is, so a second run makes nothing."""
    lock(uplift)
    if uplift.state is not UpliftState.planned:
        return {"rates": 0, "placements": 0, "told": 0}
    day, now, label = uplift.effective_on, clock.now(), uplift.label
    rates = db.session.execute(
        queries.entries_to_uplift(
            uplift.category_id,
            day,
            RateCardEntry.care_home_id,
            RateCardEntry.setting_id,
            RateCardEntry.weekly_rate,
            CareHome.provider_id,
        ).join(CareHome, CareHome.id == RateCardEntry.care_home_id)
    ).all()
    if rates:
        db.session.execute(
            insert(RateCardEntry.__table__),
            [
                {
                    "care_home_id": row.care_home_id,
                    "category_id": uplift.category_id,
                    "setting_id": row.setting_id,
                    "weekly_rate": apply_percentage(row.weekly_rate, uplift.percent),
                    "effective_from": day,
                    "reason": label,
                    "source": "uplift",
                    "created_by_id": None,
                    "created_at": now,
                    "uplift_id": uplift.id,
                }
                for row in rates
            ],
        )
        made = db.session.execute(
            select(
                RateCardEntry.id,
                RateCardEntry.care_home_id,
                RateCardEntry.setting_id,
                RateCardEntry.weekly_rate,
            ).where(RateCardEntry.uplift_id == uplift.id, RateCardEntry.effective_from == day)
        ).all()
        before = {(row.care_home_id, row.setting_id): row.weekly_rate for row in rates}
        record_events(
            AuditAction.rate_changed,
            [
                (
                    ("rate_card_entry", row.id),
                    {"weekly_rate": before.get((row.care_home_id, row.setting_id))},
                    {
                        "home": row.care_home_id,
                        "setting": row.setting_id,
                        "weekly_rate": row.weekly_rate,
                        "effective_from": day.isoformat(),
                        "uplift": uplift.id,
                    },
                )
                for row in made
            ],
        )
    costs = db.session.execute(
        queries.placements_to_uplift(
            uplift.category_id,
            day,
            PlacementCost.placement_id,
            PlacementCost.weekly_cost,
            Placement.provider_id,
        )
    ).all()
    if costs:
        changes = [(row, apply_percentage(row.weekly_cost, uplift.percent)) for row in costs]
        db.session.execute(
            insert(PlacementCost.__table__),
            [
                {
                    "placement_id": row.placement_id,
                    "effective_from": day,
                    "weekly_cost": new_cost,
                    "reason": label,
                    "created_at": now,
                    "created_by_id": None,
                }
                for row, new_cost in changes
            ],
        )
        record_events(
            AuditAction.placement_cost_changed,
            [
                (
                    ("placement", row.placement_id),
                    {"weekly_cost": row.weekly_cost},
                    {
                        "weekly_cost": new_cost,
                        "effective_from": day.isoformat(),
                        "uplift": uplift.id,
                    },
                )
                for row, new_cost in changes
            ],
        )
    uplift.rates_made = len(rates)
    uplift.placements_changed = len(costs)
    move(
        uplift,
        UpliftState.applied,
        event=AuditAction.uplift_applied,
        after={"rates_made": len(rates), "placements_changed": len(costs)},
    )
    providers = {row.provider_id for row in rates} | {row.provider_id for row in costs}
    change = "go up" if uplift.percent > 0 else "go down"
    told = tell_organisations(
        providers,
        f"{label}: your {uplift.category.name} rates change",
        f"From {clock.format_date(day)} your pre-agreed weekly rates for "
        f"{uplift.category.name} {change} by {uplift.percent_text.lstrip('-')}, rounded to the "
        "penny" + (", and so do the weekly costs of your placements in it." if costs else "."),
        "/rate-card",
        dedupe=f"uplift-applied:{uplift.id}",
    )
    db.session.flush()
    return {"rates": len(rates), "placements": len(costs), "told": told}
