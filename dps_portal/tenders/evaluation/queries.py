"""Read models for evaluation pages and the tender page's evaluation panel."""


def tender_panel(tender, user):
    """What the tender page shows of the evaluation (None before the bids are opened)."""
    return None
