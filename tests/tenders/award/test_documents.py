"""The award's PDFs, read back as text: every figure from tenders.scoring.results_for, and
nothing of another bidder's name or price in a bidder's summary."""

import io
from decimal import Decimal

from pypdf import PdfReader
from sqlalchemy import select

from dps_portal.core.money import format_gbp
from dps_portal.documents.models import StoredDocument
from dps_portal.documents.storage import read_document
from dps_portal.tenders import scoring
from dps_portal.tenders.award import operations, queries
from tests.tenders.award.factories import Moderated


def text_of(document: StoredDocument) -> str:
    reader = PdfReader(io.BytesIO(read_document(document)))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def document(db, kind: str, provider_id) -> StoredDocument:
    query = select(StoredDocument).where(StoredDocument.kind == kind)
    query = query.where(
        StoredDocument.provider_id.is_(None)
        if provider_id is None
        else StoredDocument.provider_id == provider_id
    )
    return db.session.scalars(query).one()


def figures(result) -> list[str]:
    return [
        str(value)
        for value in (
            result.quality_percent,
            result.quality_score,
            result.price_score,
            result.total_score,
        )
    ]


def test_the_losing_bidders_summary(db):
    tender = Moderated(standstill_working_days=2)
    operations.recommend_award(tender.tender, note="Best", by=tender.officer)
    results = scoring.results_for(tender.tender)
    winner = results.of(tender.evaluations[0].id)
    loser = results.of(tender.evaluations[1].id)
    text = text_of(document(db, queries.SUMMARY, tender.provider(1).id))

    assert "Assessment summary" in text and tender.tender.reference in text
    assert "2 of 2 ranked bids" in text
    for value in figures(loser) + figures(winner):
        assert value in text
    # Its own scores with the moderation's reasons, per criterion.
    for question, row in zip(tender.tender.questions, loser.questions, strict=True):
        assert f"Rationale Bid B Q{question.position}" in text
        assert str(row.weighted) in text
    # The winner's scores per criterion, not its reasons, name, home or price.
    for row in winner.questions:
        assert str(row.weighted) in text
    assert "Rationale Bid A" not in text
    assert tender.provider(0).legal_name not in text
    assert tender.market.homes[0].name not in text
    assert format_gbp(Decimal("1000.00")) not in text
    assert format_gbp(Decimal("900.00")) in text  # its own price
    assert "Not chosen" in text


def test_the_winners_summary_and_provisional_letter(db):
    tender = Moderated(standstill_working_days=2)
    operations.recommend_award(tender.tender, note="Best", by=tender.officer)
    results = scoring.results_for(tender.tender)
    winner = results.of(tender.evaluations[0].id)
    summary = text_of(document(db, queries.SUMMARY, tender.provider(0).id))
    assert "1 of 2 ranked bids" in summary
    for value in figures(winner):
        assert value in summary
    assert tender.provider(1).legal_name not in summary
    assert format_gbp(Decimal("900.00")) not in summary

    letter = text_of(document(db, queries.LETTER, tender.provider(0).id))
    assert "Provisional award" in letter
    assert tender.provider(0).legal_name in letter
    assert format_gbp(Decimal("1000.00")) in letter
    assert tender.provider(1).legal_name not in letter


def test_a_non_compliant_bidder_is_told_why_it_is_unranked(db):
    bids = ((Decimal("1000.00"), (4, 4, 4)), (Decimal("900.00"), (3, 3, 3)))
    tender = Moderated(bids, compliant=(True, False))
    operations.recommend_award(tender.tender, note="Best", by=tender.officer)
    text = text_of(document(db, queries.SUMMARY, tender.provider(1).id))
    assert "Not ranked: not compliant" in text
    assert "The home cannot meet the needs" in text


def test_the_evaluation_report_shows_every_figure(db):
    bids = (
        (Decimal("1000.00"), (4, 4, 4)),
        (Decimal("900.00"), (3, 3, 3)),
        (Decimal("1500.00"), (5, 2, 1)),
    )
    tender = Moderated(bids, chosen=1, extra_invitees=1)
    tender.tender.category.framework.award_approval_threshold = Decimal("10000")
    award = operations.recommend_award(tender.tender, note="The family chose B", by=tender.officer)
    operations.approve_award(award, by=tender.second_officer)
    operations.confirm_award(award, by=tender.officer)
    results = scoring.results_for(tender.tender)
    text = text_of(document(db, queries.REPORT, None))

    assert "Evaluation report" in text
    for result in results.bids:
        for value in figures(result):
            assert value in text
        for row in result.questions:
            assert str(row.weighted) in text
        assert format_gbp(result.total_weekly_cost) in text
    for index in range(3):
        assert tender.provider(index).legal_name in text
    # The invitee who did not bid.
    assert tender.provider(3).legal_name in text
    assert "No response" in text
    assert "Evaluator reason Bid C Q2" in text
    assert "Rationale Bid A Q3" in text
    assert "The family chose B" in text
    assert "Sam Second" in text and "Olive Officer" in text
    assert "accepted" in text
    assert format_gbp(results.lowest_compliant_total) in text
    assert format_gbp(award.annual_value) in text


def test_the_placement_agreement(db):
    tender = Moderated()
    award = operations.recommend_award(tender.tender, note="x", by=tender.officer)
    placement = operations.confirm_award(award, by=tender.officer)
    text = text_of(document(db, queries.AGREEMENT, tender.provider(0).id))
    assert placement.reference in text
    assert tender.provider(0).legal_name in text
    assert format_gbp(placement.weekly_cost) in text
    assert tender.tender.person_reference in text
