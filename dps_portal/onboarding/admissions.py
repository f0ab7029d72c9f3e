"""The one query for which homes are admitted to which categories: the home was put forward
and its category admitted, for the home's own provider. Every caller (the contract gate,
visits, returns, evidence, the pages) builds on `admitted_pairs`."""

from sqlalchemy import Select, false, func, select

from dps_portal.extensions import db
from dps_portal.framework.models import Category
from dps_portal.onboarding.models import Admission, AdmittedHome
from dps_portal.providers.models import CareHome, ProviderOrganisation


def admitted_pairs() -> Select:
    """SELECT care_home_id, category_id of every admitted home and category: a subquery to
    join or filter on, so that lists ask once for the whole set."""
    return (
        select(
            AdmittedHome.care_home_id.label("care_home_id"),
            Admission.category_id.label("category_id"),
        )
        .join(Admission, Admission.id == AdmittedHome.admission_id)
        .join(CareHome, CareHome.id == AdmittedHome.care_home_id)
        # For the home's own provider. Wrapped so PostgreSQL does not take it for a join
        # condition independent of the others: it would then plan the pairs of a county as
        # three rows, and every list built on them with nested loops over thousands.
        .where(func.coalesce(Admission.provider_id == CareHome.provider_id, false()))
    )


def admitted_home_ids(category_id: int | None = None) -> Select:
    """SELECT the ids of the homes admitted to `category_id` (to any category when None)."""
    pairs = admitted_pairs().subquery()
    query = select(pairs.c.care_home_id).distinct()
    if category_id is not None:
        query = query.where(pairs.c.category_id == category_id)
    return query


def admitted_homes(category: Category) -> list[CareHome]:
    return list(
        db.session.scalars(
            select(CareHome)
            .where(CareHome.id.in_(admitted_home_ids(category.id)))
            .order_by(CareHome.name, CareHome.id)
        )
    )


def admitted_categories(home: CareHome) -> list[Category]:
    """The categories the home is admitted to (its provider admitted, the home put forward)."""
    pairs = admitted_pairs().where(AdmittedHome.care_home_id == home.id).subquery()
    return list(
        db.session.scalars(
            select(Category)
            .where(Category.id.in_(select(pairs.c.category_id)))
            .order_by(Category.position, Category.id)
        )
    )


def is_admitted(home: CareHome, category: Category) -> bool:
    pairs = admitted_pairs().where(
        AdmittedHome.care_home_id == home.id, Admission.category_id == category.id
    )
    return db.session.scalar(pairs.limit(1)) is not None


def admissions_of(provider: ProviderOrganisation) -> list[Admission]:
    """The provider's admissions, one per category it is admitted to."""
    return list(
        db.session.scalars(
            select(Admission).where(Admission.provider_id == provider.id).order_by(Admission.id)
        )
    )
