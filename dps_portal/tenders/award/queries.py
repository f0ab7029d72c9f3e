"""Read models for award pages and the award panels of the tender and opportunity pages."""


def tender_panel(tender, user):
    """What the officers' tender page shows of the award (None before moderation)."""
    return None


def opportunity_panel(invitation, user):
    """What an invited provider's opportunity page shows of the outcome: its own award
    letter or assessment summary, once the bidders have been told (None before)."""
    return None
