"""The scoring arithmetic against an example worked by hand (domain.md section 6)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from dps_portal.tenders.scoring import BidFigures, Criteria, score_bids

# Price 40, quality 60; threshold 50%; abnormally low below 70% of the median.
# Questions 1, 2, 3 weigh 40, 30, 30.
CRITERIA = Criteria(
    price_weight=40,
    quality_weight=60,
    quality_threshold=50,
    abnormally_low_percent=70,
    questions=[(1, 40), (2, 30), (3, 30)],
)
START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def bid(evaluation_id, total, scores, *, compliant=True, minutes=0):
    return BidFigures(
        evaluation_id=evaluation_id,
        total_weekly_cost=Decimal(total),
        submitted_at=START + timedelta(minutes=minutes),
        is_compliant=compliant,
        scores=dict(zip((1, 2, 3), scores, strict=True)),
    )


# The example, worked by hand:
#   weighted quality = score / 5 x weight; quality % = sum / 100 x 100; quality score = % x 0.6
#   lowest compliant total = £650.00 (F); price score = 40 x 650 / total
#   compliant totals 650, 800, 1000, 1200, 1200, 1500, 2911.53: median £1,200.00, so
#   abnormally low below 70% = £840.00 (F and D)
#
#   bid  total     scores  quality %  quality  price  total   outcome
#   A    1500.00   4 4 3   74.00      44.40    17.33  61.73   4th (ties G, lower quality)
#   B    1200.00   3 3 3   60.00      36.00    21.67  57.67   6th (ties H, later)
#   C    1000.00   5 5 4   94.00      56.40    26.00  82.40   1st
#   D     800.00   2 2 2   40.00      24.00    32.50  56.50   below the threshold; flagged
#   E     600.00   5 5 5   not compliant: no scores, not in the lowest or the median
#   F     650.00   3 3 3   60.00      36.00    40.00  76.00   2nd; flagged
#   G    2911.53   5 4 4   88.00      52.80     8.93  61.73   3rd
#   H    1200.00   3 3 3   60.00      36.00    21.67  57.67   5th (ties B, earlier)
EXAMPLE = [
    bid(1, "1500.00", (4, 4, 3), minutes=10),  # A
    bid(2, "1200.00", (3, 3, 3), minutes=20),  # B
    bid(3, "1000.00", (5, 5, 4), minutes=30),  # C
    bid(4, "800.00", (2, 2, 2), minutes=40),  # D
    bid(5, "600.00", (5, 5, 5), compliant=False, minutes=5),  # E
    bid(6, "650.00", (3, 3, 3), minutes=50),  # F
    bid(7, "2911.53", (5, 4, 4), minutes=60),  # G
    bid(8, "1200.00", (3, 3, 3), minutes=15),  # H
]
NAMES = dict(zip(range(1, 9), "ABCDEFGH", strict=True))


def test_the_hand_worked_example():
    results = score_bids(CRITERIA, EXAMPLE)

    assert results.lowest_compliant_total == Decimal("650.00")
    assert results.median_compliant_total == Decimal("1200.00")
    assert results.abnormally_low_below == Decimal("840.00")
    table = {
        NAMES[r.evaluation_id]: (
            r.quality_percent,
            r.quality_score,
            r.price_score,
            r.total_score,
            r.meets_threshold,
            r.is_abnormally_low,
            r.rank,
        )
        for r in results.bids
    }
    D = Decimal
    assert table == {
        "A": (D("74.00"), D("44.40"), D("17.33"), D("61.73"), True, False, 4),
        "B": (D("60.00"), D("36.00"), D("21.67"), D("57.67"), True, False, 6),
        "C": (D("94.00"), D("56.40"), D("26.00"), D("82.40"), True, False, 1),
        "D": (D("40.00"), D("24.00"), D("32.50"), D("56.50"), False, True, None),
        "E": (None, None, None, None, None, False, None),
        "F": (D("60.00"), D("36.00"), D("40.00"), D("76.00"), True, True, 2),
        "G": (D("88.00"), D("52.80"), D("8.93"), D("61.73"), True, False, 3),
        "H": (D("60.00"), D("36.00"), D("21.67"), D("57.67"), True, False, 5),
    }
    assert [NAMES[r.evaluation_id] for r in results.ranked] == ["C", "F", "G", "A", "H", "B"]
    # The unranked follow in the order they came: E (not compliant) before D (threshold).
    assert [NAMES[r.evaluation_id] for r in results.bids[6:]] == ["E", "D"]
    assert results.of(4).outcome == "Below the quality threshold"
    assert results.of(5).outcome == "Not compliant"
    assert results.of(3).outcome == "Ranked 1"
    assert results.is_complete


def test_weighted_scores_per_question_are_shown_to_two_places():
    results = score_bids(CRITERIA, EXAMPLE)
    weighted = [q.weighted for q in results.of(1).questions]
    assert weighted == [Decimal("32.00"), Decimal("24.00"), Decimal("18.00")]


def test_the_threshold_is_inclusive():
    exactly_half = bid(1, "1000.00", (3, 2, 2))  # 24 + 12 + 12 = 48%: fails
    at_threshold = Criteria(60, 40, 48, 70, CRITERIA.questions)
    assert score_bids(CRITERIA, [exactly_half]).of(1).meets_threshold is False
    assert score_bids(at_threshold, [exactly_half]).of(1).meets_threshold is True


def test_unmoderated_bids_are_not_ranked_and_the_results_are_not_complete():
    partial = BidFigures(1, Decimal("900.00"), START, True, {1: 3})
    results = score_bids(CRITERIA, [partial, bid(2, "1000.00", (3, 3, 3))])
    assert results.of(1).quality_percent is None
    assert results.of(1).price_score == Decimal("40.00")
    assert results.of(1).rank is None
    assert results.of(1).outcome == "Quality not yet moderated"
    assert results.of(2).rank == 1
    assert not results.is_complete


def test_no_compliant_bid_means_no_lowest_and_no_ranking():
    results = score_bids(CRITERIA, [bid(1, "900.00", (5, 5, 5), compliant=False)])
    assert results.lowest_compliant_total is None
    assert results.ranked == []


def test_a_free_bid_gets_the_whole_price_weight_and_others_none():
    results = score_bids(CRITERIA, [bid(1, "0.00", (3, 3, 3)), bid(2, "500.00", (3, 3, 3))])
    assert results.of(1).price_score == Decimal("40.00")
    assert results.of(2).price_score == Decimal("0.00")


def test_bids_are_not_read_for_evaluation_before_they_are_opened(db):
    import pytest

    from dps_portal.tenders.scoring import BidsSealed, results_for
    from tests.tenders.factories import Market, make_published_tender

    Market(1)
    tender = make_published_tender()
    with pytest.raises(BidsSealed):
        results_for(tender)
