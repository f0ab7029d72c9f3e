"""Direct-award pages: officers search, keep the list as shown, offer from it, record a
telephone acceptance or close; providers answer their own offers; officers read the fairness
register (and export it)."""

import csv
import io
from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from dps_portal.awards import operations, queries, rules
from dps_portal.awards.forms import (
    AcceptForm,
    CloseForm,
    DeclineForm,
    OfferForm,
    StartForm,
    TelephoneForm,
)
from dps_portal.awards.models import ChoiceReason, Justification
from dps_portal.core import clock
from dps_portal.core.access import role_required
from dps_portal.core.clock import format_date, format_datetime
from dps_portal.core.forms import id_from
from dps_portal.core.roles import Role
from dps_portal.core.web import refusal_redirects_to, refusal_shown_on, requested_page
from dps_portal.providers.queries import own_provider_id
from dps_portal.tenders import queries as tender_queries
from dps_portal.tenders.models import Funding

officers_only = role_required(Role.contracts_officer)
providers_only = role_required(Role.provider)


def _award_url(award) -> str:
    return url_for("awards.show_award", award_id=award.id)


# Officers.


@officers_only
def list_awards():
    show = request.args.get("show")
    show = show if show in queries.AWARD_FILTERS else None
    page = queries.officer_awards(requested_page(), show)
    return render_template(
        "awards/list_awards.html", page=page, show=show, filters=queries.AWARD_FILTERS
    )


def _start_form() -> StartForm:
    form = StartForm()
    form.category.choices = [(str(c.id), c.name) for c in tender_queries.categories()]
    form.setting.choices = [(str(s.id), s.name) for s in tender_queries.settings()]
    form.districts.choices = [(d.id, d.name) for d in tender_queries.districts()]
    return form


@officers_only
def new_award():
    form = _start_form()
    if form.validate_on_submit():
        chosen = set(form.districts.data or [])
        with refusal_shown_on(form.category):
            award = operations.start_direct_award(
                by=current_user,
                justification=Justification[form.justification.data],
                person_reference=form.person_reference.data,
                needs_summary=form.needs_summary.data or "",
                category=next(
                    c for c in tender_queries.categories() if str(c.id) == form.category.data
                ),
                setting=next(
                    s for s in tender_queries.settings() if str(s.id) == form.setting.data
                ),
                districts=[d for d in tender_queries.districts() if d.id in chosen],
                start_on=form.start_on.data,
                end_on=form.end_on.data,
                funding=Funding[form.funding.data],
                include_stale=bool(form.include_stale.data),
            )
            count = len(award.listings)
            homes = "1 home" if count == 1 else f"{count} homes"
            flash(
                f"{award.reference}: the list of {homes} is kept with the award. Offer the "
                f"placement to {'it' if count == 1 else 'one of them'}.",
                "success",
            )
            return redirect(_award_url(award))
    return render_template("awards/new_award.html", form=form)


@officers_only
def show_award(award_id: int):
    award = queries.award_page_or_404(award_id)
    sort = request.args.get("sort")
    sort = sort if sort in queries.SORTS else "rate"
    offered = {offer.listing_id: offer for offer in award.offers}
    return render_template(
        "awards/show_award.html",
        award=award,
        listings=queries.sorted_listings(award, sort),
        offered=offered,
        waiting=award.waiting_offer(),
        sort=sort,
        now=clock.now(),
        placement=queries.placement_of(award),
    )


@officers_only
def make_offer(award_id: int, listing_id: int):
    award = queries.award_or_404(award_id)
    listing = queries.listing_of(award, listing_id)
    if not award.can_offer(current_user):
        flash(f"This direct award is {award.state.value.lower()}: no more offers can be made.")
        return redirect(_award_url(award))
    form = OfferForm()
    if form.validate_on_submit():
        # The price is the listing's: a weekly_rate sent with the form is never read.
        with refusal_shown_on(form.reason):
            offer = operations.make_offer(
                award,
                listing,
                reason=ChoiceReason[form.reason.data],
                detail=form.detail.data or "",
                by=current_user,
            )
            flash(
                f"Offered to {listing.home_name}. It has until "
                f"{format_datetime(offer.respond_by)} to answer.",
                "success",
            )
            return redirect(_award_url(award))
    return render_template(
        "awards/make_offer.html",
        award=award,
        listing=listing,
        form=form,
        window=rules.window_in_words(award.justification),
    )


@officers_only
def record_telephone(award_id: int, offer_id: int):
    award = queries.award_or_404(award_id)
    offer = queries.offer_of(award, offer_id)
    form = TelephoneForm()
    if form.validate_on_submit():
        with refusal_shown_on(form.contact):
            placement = operations.record_telephone_acceptance(
                offer, contact=form.contact.data, said_at=form.said_at, by=current_user
            )
            flash(f"Accepted by telephone: placement {placement.reference} is made.", "success")
            return redirect(_award_url(award))
    return render_template("awards/record_telephone.html", award=award, offer=offer, form=form)


@officers_only
def close_award(award_id: int):
    award = queries.award_or_404(award_id)
    form = CloseForm()
    if form.validate_on_submit():
        with refusal_shown_on(form.reason):
            operations.close_direct_award(award, reason=form.reason.data, by=current_user)
            flash(f"{award.reference} is closed without a placement.", "success")
            return redirect(_award_url(award))
    return render_template("awards/close_award.html", award=award, form=form)


# The fairness register.


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _register_filters() -> queries.RegisterFilters:
    return queries.RegisterFilters(
        from_on=_day(request.args.get("from")),
        to_on=_day(request.args.get("to")),
        category_id=id_from(request.args.get("category")),
    )


@officers_only
def show_register():
    filters = _register_filters()
    page, rows = queries.register_page(filters, requested_page())
    providers_page, providers = queries.provider_fairness(
        filters, per_page=queries.FAIRNESS_ON_REGISTER
    )
    return render_template(
        "awards/register.html",
        rows=rows,
        page=page,
        providers=providers,
        providers_page=providers_page,
        share=queries.cheapest_share(filters),
        filters=filters,
        categories=tender_queries.categories(),
        args={key: value for key, value in request.args.items() if key != "page"},
    )


@officers_only
def show_provider_fairness():
    """Every provider listed in the period, a page at a time, the most often listed first."""
    filters = _register_filters()
    page, providers = queries.provider_fairness(filters, requested_page())
    return render_template(
        "awards/provider_fairness.html",
        providers=providers,
        page=page,
        filters=filters,
        categories=tender_queries.categories(),
        args={key: value for key, value in request.args.items() if key != "page"},
    )


def _cell(value) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@officers_only
def export_register():
    rows = queries.register_rows(_register_filters())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "Reference",
            "Searched",
            "Justification",
            "Category",
            "Start",
            "End",
            "Homes listed",
            "Chosen home",
            "Chosen provider",
            "Weekly rate",
            "Cheapest listed",
            "Reason",
            "Reason detail",
            "Offer outcome",
            "Award outcome",
        ]
    )
    for row in rows:
        award, offer = row.award, row.offer
        writer.writerow(
            [
                _cell(value)
                for value in (
                    award.reference,
                    format_datetime(award.searched_at),
                    award.justification.value,
                    award.category.name,
                    format_date(award.start_on),
                    format_date(award.end_on),
                    row.listed,
                    offer.listing.home_name if offer else "",
                    offer.listing.provider_name if offer else "",
                    offer.weekly_rate if offer else "",
                    ("Yes" if offer.listing.is_cheapest else "No") if offer else "",
                    offer.choice_reason.value if offer else "",
                    offer.choice_detail if offer else "",
                    offer.state.value if offer else "",
                    award.state.value,
                )
            ]
        )
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="direct-awards-register.csv"'},
    )


# Providers.


@providers_only
def list_offers():
    show = request.args.get("show")
    show = show if show in queries.OFFER_FILTERS else None
    now = clock.now()
    page = queries.own_offers(own_provider_id(), requested_page(), show, now)
    return render_template(
        "awards/list_offers.html", page=page, now=now, show=show, filters=queries.OFFER_FILTERS
    )


def _own_offer(offer_id: int):
    offer = queries.offer_or_404(offer_id)
    if offer.provider_id != own_provider_id():
        abort(404)
    return offer


def _offer_url(offer) -> str:
    return url_for("awards.show_offer", offer_id=offer.id)


@providers_only
def show_offer(offer_id: int):
    offer = _own_offer(offer_id)
    return render_template(
        "awards/show_offer.html",
        offer=offer,
        award=offer.direct_award,
        can_answer=offer.can_answer(current_user, clock.now()),
        accept_form=AcceptForm(),
    )


@providers_only
def accept_offer(offer_id: int):
    offer = _own_offer(offer_id)
    form = AcceptForm()
    if form.validate_on_submit():
        with refusal_redirects_to(_offer_url(offer)):
            placement = operations.accept_offer(offer, by=current_user)
            flash(f"You accepted: placement {placement.reference} is made.", "success")
            return redirect(url_for("placements.show_placement", placement_id=placement.id))
    return redirect(_offer_url(offer))


@providers_only
def decline_offer(offer_id: int):
    offer = _own_offer(offer_id)
    form = DeclineForm()
    if form.validate_on_submit():
        with refusal_shown_on(form.reason):
            operations.decline_offer(offer, reason=form.reason.data, by=current_user)
            flash("You declined the offer. The council is told.", "success")
            return redirect(_offer_url(offer))
    return render_template(
        "awards/decline_offer.html", offer=offer, award=offer.direct_award, form=form
    )
