"""The contracts officers' side of onboarding: the queue, the review and the decision."""
